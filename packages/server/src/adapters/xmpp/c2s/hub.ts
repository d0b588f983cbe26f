// What every client stream of the adapter shares: the core, the sessions bound on this node, the
// router, the modules and the settings.
import { randomBytes } from 'node:crypto';
import type { Services } from '../../../compose.js';
import type { XmppConfig } from '../../../platform/config/xmpp-schema.js';
import type { Logger } from '../../../platform/log.js';
import type { XmppModule } from '../module.js';
import type { Router } from '../router.js';
import type { Sessions } from '../sessions.js';
import { StreamError } from '../stream-error.js';
import type { ParserLimits } from '../xml/parser.js';
import type { Session } from './session.js';

export interface C2sHub {
  core: Services;
  log: Logger;
  config: XmppConfig;
  sessions: Sessions;
  router: Router;
  modules: readonly XmppModule[];
  /** Tells the modules a session ended (closed, or lost and not resumed in time). */
  ended(session: Session): void;
}

export const parserLimits = (config: XmppConfig): ParserLimits => ({
  maxStanzaSize: config.limits.maxStanzaSize,
  maxDepth: config.limits.maxDepth,
  maxAttributes: config.limits.maxAttributes,
  maxChildren: config.limits.maxChildren,
});

/** A random id (stream ids, resumption ids, generated resources): URL-safe, 16 bytes of entropy. */
export const randomId = (bytes = 16) => randomBytes(bytes).toString('base64url');

/** RFC 6120 §7.7.2.2: a newer session bound the resource (here or on another node); the older stream ends with `conflict`. */
export function replace(hub: C2sHub, old: Session): void {
  if (old.kick) old.kick(new StreamError('conflict', 'the resource was bound by another connection'));
  else {
    clearTimeout(old.expiry);
    hub.ended(old);
  }
}

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

/** Random bytes drawn 4 KiB at a time: a login takes four ids, and a call to the CSPRNG costs more than an id. */
const RANDOM_POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let taken = 0;

/**
 * A random id (stream ids, resumption ids, generated resources): URL-safe, `bytes` (16 by default)
 * of entropy from the CSPRNG; no byte of the pool is handed out twice.
 */
export function randomId(bytes = 16): string {
  if (taken + bytes > pool.length) {
    pool = randomBytes(Math.max(RANDOM_POOL_BYTES, bytes));
    taken = 0;
  }
  taken += bytes;
  return pool.toString('base64url', taken - bytes, taken);
}

/** RFC 6120 §7.7.2.2: a newer session bound the resource (here or on another node); the older stream ends with `conflict`. */
export function replace(hub: C2sHub, old: Session): void {
  if (old.kick) old.kick(new StreamError('conflict', 'the resource was bound by another connection'));
  else {
    clearTimeout(old.expiry);
    hub.ended(old);
  }
}

// 1:1 messages the core's conversations do not hold: with a user of another tenant of this
// server, and what the core cannot keep of users of other servers (invitations, encrypted
// payloads; the rest is `chat-external.ts`'s). They pass through as stanzas, with XEP-0280
// carbons for the user's other sessions on this node; the core keeps no history of them (no MAM).
import { addressOf } from '../../../core/users/model.js';
import { bareJid, formatJid } from '../../../lib/jid.js';
import type { C2sSession, Inbound, ModuleContext } from '../module.js';
import { carbonsEnabled } from './carbons.js';
import { carbon, withoutCarbons } from './chat-stanzas.js';
import { localUser } from './local.js';

/** A session's message to someone elsewhere: routed there, a `sent` carbon to the user's other sessions. */
export function sendElsewhere(ctx: ModuleContext, session: C2sSession, inbound: Inbound): void {
  const message = inbound.stanza.withAttrs({ from: formatJid(inbound.from) });
  ctx.route(message);
  if (withoutCarbons(message)) return;
  const me = addressOf(session.user);
  for (const s of ctx.sessions.ofUser(session.tenantId, session.user.id)) {
    if (s !== session && carbonsEnabled(s)) s.send(carbon('sent', message, me, formatJid(s.jid)));
  }
}

/**
 * A message from another server to a user here (RFC 6121 §8.5.2): to the resource its full JID
 * names, with `received` carbons to the user's other sessions; to a bare JID (or a resource that is
 * not here), to every session of the user. False when the user has no session on this node, so
 * the router's default answers (RFC 6121 §8.5.2.2: no offline storage for these).
 */
export async function receiveFromElsewhere(ctx: ModuleContext, inbound: Inbound): Promise<boolean> {
  const { stanza, from, to } = inbound;
  const user = to && (await localUser(ctx.core, to));
  if (!to || !user) return false;
  const sessions = ctx.sessions.ofUser(user.tenantId, user.id);
  if (sessions.length === 0) return false;
  const message = stanza.withAttrs({ from: formatJid(from) });
  const addressed = to.resource === null ? undefined : sessions.find((s) => s.jid.resource === to.resource);
  if (!addressed) {
    ctx.route(message.withAttrs({ to: bareJid(to) }));
    return true;
  }
  addressed.send(message);
  if (withoutCarbons(message)) return true;
  for (const s of sessions) {
    if (s !== addressed && carbonsEnabled(s)) s.send(carbon('received', message, bareJid(to), formatJid(s.jid)));
  }
  return true;
}

// Invitations to a room: mediated (XEP-0045 §7.8.2, sent through the room) and direct (XEP-0249,
// sent to the invitee). Either adds the invitee to the core group first (the core refuses when the
// inviter may not add members), so the web app shows them as a member, then reaches the invitee's
// sessions.
import type { Services } from '../../../compose.js';
import { bareJid, formatJid, type Jid, parseJid } from '../../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError, toStanzaError } from '../errors.js';
import type { C2sSession, Inbound } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import { MAX_ITEMS } from './muc-admin.js';
import { CONFERENCE, MUC_USER } from './muc-render.js';

/** Who a mediated invitation invites, with its reason (at most a handful per message). */
export function mediatedInvites(message: XmlElement): { to: string; reason: string | undefined }[] {
  const invites = message.child('x', MUC_USER)?.elements('invite') ?? [];
  if (invites.length > MAX_ITEMS) throw new StanzaError('policy-violation', `at most ${MAX_ITEMS} invitations at once`);
  return invites.map((i) => {
    const to = parseJid(i.attrs.to ?? '');
    if (!to) throw new StanzaError('jid-malformed', 'an invitation names the invitee in to');
    return { to: bareJid(to), reason: i.childText('reason') };
  });
}

/**
 * XEP-0249 from a local user to a user of their tenant for a room of their tenant's service: the
 * invitee joins the group (when the inviter may add members), then the invitation goes to their
 * sessions as it is. Returns false for an invitation to another server's room (delivered as it is).
 */
export async function directInvite(
  core: Services,
  inbound: Inbound,
  session: C2sSession,
  deliver: (to: Jid, stanza: XmlElement) => void,
): Promise<boolean> {
  const room = parseJid(inbound.stanza.child('x', CONFERENCE)?.attrs.jid ?? '');
  const to = inbound.to;
  if (!room?.local || !to?.local || !room.domain.startsWith('conference.')) return false;
  const tenant = await core.tenants.byDomain(room.domain.slice('conference.'.length)).catch(() => undefined);
  if (tenant?.id !== session.tenantId) return false;
  const caller = { tenantId: session.tenantId, userId: session.user.id };
  const stanza = inbound.stanza.withAttrs({ from: formatJid(inbound.from) });
  try {
    const id = await core.messaging.conversations.findRoom(caller, room.local);
    if (id === undefined) throw new StanzaError('item-not-found', 'no such room');
    await core.messaging.conversations.addMembers(caller, id, [bareJid(to)]);
  } catch (err) {
    if (mayReplyWithError(stanza)) session.send(errorReply(stanza, toStanzaError(err)));
    return true;
  }
  deliver(to, stanza);
  return true;
}

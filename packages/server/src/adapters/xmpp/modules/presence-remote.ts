// The presence of contacts on other servers as this node last received it (RFC 6121 §4.4): per
// user with a session here, the newest available presence of each of a contact's resources, so a
// session that sends initial presence later gets it at once instead of waiting for a probe's answer.
// Only this node's view: a stanza another node received is not here, and its contact is probed.
import { bareJid, formatJid, type Jid } from '../../../lib/jid.js';
import type { XmlElement } from '../xml/element.js';

/** Most contact resources remembered per user; beyond it a contact is probed instead. */
export const REMOTE_PRESENCE_MAX = 2000;

const userKey = (tenantId: string, userId: string) => `${tenantId}/${userId}`;
/** Whether a remembered full JID is one of the contact `bare`'s resources. */
const ofContact = (jid: string, bare: string) => jid === bare || jid.startsWith(`${bare}/`);

export class RemotePresence {
  /** By user, then by the contact's full JID. */
  private readonly byUser = new Map<string, Map<string, XmlElement>>();

  /** Takes a contact's presence to the user: available is kept per resource, unavailable forgets it. */
  received(tenantId: string, userId: string, from: Jid, stanza: XmlElement): void {
    const key = userKey(tenantId, userId);
    const known = this.byUser.get(key) ?? new Map<string, XmlElement>();
    if (stanza.attrs.type === 'unavailable') {
      // From a bare JID: every resource of the contact is gone (RFC 6121 §4.5.3).
      for (const jid of known.keys())
        if (from.resource === null ? ofContact(jid, bareJid(from)) : jid === formatJid(from)) known.delete(jid);
    } else if (known.has(formatJid(from)) || known.size < REMOTE_PRESENCE_MAX) {
      known.set(formatJid(from), stanza);
    }
    if (known.size > 0) this.byUser.set(key, known);
    else this.byUser.delete(key);
  }

  /** What the user's contact `bare` (a bare JID) last sent from each of its available resources. */
  of(tenantId: string, userId: string, bare: string): XmlElement[] {
    const known = this.byUser.get(userKey(tenantId, userId));
    if (!known) return [];
    return [...known].filter(([jid]) => ofContact(jid, bare)).map(([, stanza]) => stanza);
  }

  /** The user has no session here any more: nothing is kept for them. */
  forget(tenantId: string, userId: string): void {
    this.byUser.delete(userKey(tenantId, userId));
  }
}

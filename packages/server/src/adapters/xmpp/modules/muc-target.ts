// The room a stanza to `conference.DOMAIN` is addressed to and who asks (muc.ts): a user here, or
// a member of another server (over s2s), who acts as the core's `Caller` for their bare JID.
import type { Services } from '../../../compose.js';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { MemberConversation } from '../../../core/messaging/model.js';
import { StanzaError, toStanzaError } from '../errors.js';
import type { Inbound } from '../module.js';

/** The room a stanza is addressed to, with who asks. */
export interface Target {
  inbound: Inbound;
  /** The service's domain (`conference.DOMAIN`). */
  service: string;
  /** The room JID's local part as addressed (a group's id or room name); null for the service itself. */
  local: string | null;
  /** The id of the group it names; null for the service or a room that does not exist. */
  id: string | null;
  nick: string | null;
  /** A user of the service's tenant, or a user of another server it federates with; null for others. */
  caller: Caller | null;
  /** The caller is a user of another server (they join rooms they are a member of, and create none). */
  external: boolean;
}

/** The room's bare JID as addressed. */
export const roomOf = (t: Target): string => `${t.local}@${t.service}`;

export function memberOf(t: Target): Caller {
  if (!t.caller) throw new StanzaError('registration-required', 'only members of the group may join');
  return t.caller;
}

/** The group as the caller sees it; a non-member (or another tenant's user) is refused with registration-required. */
export async function groupOf(core: Services, t: Target): Promise<MemberConversation> {
  const caller = memberOf(t);
  if (t.id === null) throw new StanzaError('item-not-found', 'no such room');
  const c = await core.messaging.conversations.get(caller, t.id).catch((err) => {
    if (toStanzaError(err).condition === 'internal-server-error') throw err;
    return undefined;
  });
  if (c?.kind !== 'group') throw new StanzaError('registration-required', 'only members of the group may join');
  return c;
}

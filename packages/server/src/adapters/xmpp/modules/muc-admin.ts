// XEP-0045 affiliations and roles over a core group's membership: the member, admin and owner
// lists (§9.5, §10.3, §10.5) are the group's members by role; granting an affiliation adds the user
// to the group or changes their role, `none` removes them; a ban (§9.1, outcast) and a kick (§8.2,
// role none) remove the member too (a members-only room keeps out whoever is not a member, and
// Parley keeps no ban list). The core checks who may do what.
import type { Caller, ConversationService } from '../../../core/messaging/conversations.js';
import type { Departure, MemberConversation, MemberRole } from '../../../core/messaging/model.js';
import { bareJid, parseJid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { MUC_ADMIN, memberNicks, roleOf } from './muc-render.js';

const ROLES: readonly string[] = ['owner', 'admin', 'member'];
/** Changes in one request (like invitations in one message). */
export const MAX_ITEMS = 20;

/** The list an admin asked for (§9.5, §10.3): members by affiliation, or occupants by role; outcasts: none kept. */
export function adminList(c: MemberConversation, query: XmlElement): XmlElement {
  const item = query.child('item');
  const { affiliation, role } = item?.attrs ?? {};
  const nicks = memberNicks(c.members);
  const members = c.members.filter((m) =>
    affiliation !== undefined ? m.role === affiliation : role !== undefined && roleOf(m.role) === role,
  );
  if (affiliation === undefined && role === undefined)
    throw new StanzaError('bad-request', 'ask for an affiliation or a role');
  return x(
    'query',
    { xmlns: MUC_ADMIN },
    members.map((m) =>
      x('item', { affiliation: m.role, role: roleOf(m.role), jid: m.address, nick: nicks.get(m.userId) }),
    ),
  );
}

/** One change an admin asked for: who (user id when a member, else their address) and what. */
interface Change {
  address: string;
  /** Their user id and role while they are a member. */
  member: { userId: string; role: MemberRole } | undefined;
  /** A role, or out of the group: `none` (321), a ban (`outcast`, 301) or a kick (role `none`, 307). */
  to: MemberRole | Removal;
}

type Removal = Exclude<Departure, 'left'>;
const REMOVALS: readonly string[] = ['removed', 'banned', 'kicked'] satisfies Removal[];
const isRemoval = (to: MemberRole | Removal): to is Removal => REMOVALS.includes(to);

/** Reads the items of a muc#admin set into changes to the group (refusing what the core does not keep). */
export function adminChanges(c: MemberConversation, query: XmlElement): Change[] {
  const nicks = memberNicks(c.members);
  const items = query.elements('item');
  if (items.length === 0) throw new StanzaError('bad-request', 'name at least one item');
  if (items.length > MAX_ITEMS) throw new StanzaError('policy-violation', `at most ${MAX_ITEMS} items at once`);
  return items.map((item) => {
    const { affiliation, role, nick, jid } = item.attrs;
    const byJid = jid === undefined ? undefined : parseJid(jid);
    if (jid !== undefined && !byJid) throw new StanzaError('jid-malformed', `${jid} is no address`);
    const member = byJid
      ? c.members.find((m) => m.address === bareJid(byJid))
      : c.members.find((m) => nick !== undefined && nicks.get(m.userId) === nick);
    const address = byJid ? bareJid(byJid) : member?.address;
    if (address === undefined) throw new StanzaError('item-not-found', `no occupant ${nick ?? ''} here`);
    if (affiliation !== undefined) {
      if (affiliation === 'none') return { address, member, to: 'removed' };
      if (affiliation === 'outcast') return { address, member, to: 'banned' };
      if (!ROLES.includes(affiliation)) throw new StanzaError('bad-request', `no affiliation ${affiliation}`);
      return { address, member, to: affiliation as MemberRole };
    }
    if (role === 'none') return { address, member, to: 'kicked' };
    throw new StanzaError('not-acceptable', 'roles follow affiliations here: make them admin to moderate');
  });
}

/** Applies the changes in order through the core (which refuses what the caller may not do). */
export async function applyAdmin(conversations: ConversationService, caller: Caller, id: string, changes: Change[]) {
  for (const ch of changes) {
    if (isRemoval(ch.to)) {
      if (ch.member) await conversations.removeMember(caller, id, ch.member.userId, ch.to);
    } else if (ch.member) {
      if (ch.member.role !== ch.to) await conversations.setRole(caller, id, ch.member.userId, ch.to);
    } else {
      const after = await conversations.addMembers(caller, id, [ch.address]);
      const added = after.members.find((m) => m.address === ch.address);
      if (added && ch.to !== 'member') await conversations.setRole(caller, id, added.userId, ch.to);
    }
  }
}

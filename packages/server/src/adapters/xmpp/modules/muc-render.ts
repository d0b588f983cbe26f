// XEP-0045 multi-user chat as Parley renders it, pure: a room is a group conversation of the core
// (`<conversation id>@conference.DOMAIN`), its occupants are the group's current members (each
// with a nick locked to their name), affiliations are the members' roles.
import { createHash } from 'node:crypto';
import type {
  ConversationDetails,
  Departure,
  MemberRole,
  MessageDetails,
  NamedMember,
} from '../../../core/messaging/model.js';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { NS } from './chat-stanzas.js';
import { DISCO_INFO, DISCO_ITEMS, type DiscoInfo } from './disco-info.js';
import { PING_NS as PING } from './ping.js';

export const MUC = 'http://jabber.org/protocol/muc';
export const MUC_USER = `${MUC}#user`;
export const MUC_ADMIN = `${MUC}#admin`;
export const MUC_ROOMINFO = `${MUC}#roominfo`;
export const SID = 'urn:xmpp:sid:0';
export const DELAY = 'urn:xmpp:delay';
export const MAM = 'urn:xmpp:mam:2';
export const REPLY = 'urn:xmpp:reply:0';
export const OCCUPANT_ID = 'urn:xmpp:occupant-id:0';
export const MODERATE = 'urn:xmpp:message-moderate:1';
const RETRACT = 'urn:xmpp:message-retract:1';
/** XEP-0249 direct invitations. */
export const CONFERENCE = 'jabber:x:conference';

/** The MUC service of a domain. */
export const serviceDomain = (domain: string) => `conference.${domain}`;

/** A group's room JID: its room name when an XMPP client made it, else its id. */
export const roomJid = (c: Pick<ConversationDetails, 'id' | 'room'>, service: string) => `${c.room ?? c.id}@${service}`;

/** XEP-0045 §10.2 status codes Parley sends. */
export const STATUS = {
  nonAnonymous: 100,
  configChanged: 104,
  self: 110,
  logged: 170,
  created: 201,
  nickAssigned: 210,
  banned: 301,
  nickChanged: 303,
  kicked: 307,
  affiliationChanged: 321,
} as const;

export type Affiliation = MemberRole | 'none' | 'outcast';

/** How a member who is gone shows as they leave (§9.1 ban 301 as an outcast, §8.2 kick 307, else 321). */
export function departure(reason: Departure | undefined): { code: number; affiliation: Affiliation } {
  if (reason === 'banned') return { code: STATUS.banned, affiliation: 'outcast' };
  if (reason === 'kicked') return { code: STATUS.kicked, affiliation: 'none' };
  return { code: STATUS.affiliationChanged, affiliation: 'none' };
}
export type Role = 'moderator' | 'participant' | 'none';

/** Owners and admins moderate; members take part (XEP-0045 §5.1 default roles). */
export const roleOf = (a: Affiliation): Role =>
  a === 'owner' || a === 'admin' ? 'moderator' : a === 'member' ? 'participant' : 'none';

/**
 * Each current member's nick: their display name, with their address added when another member
 * of the room has the same name (nicks are unique in a room).
 */
export function memberNicks(members: readonly Pick<NamedMember, 'userId' | 'displayName' | 'address'>[]) {
  const count = new Map<string, number>();
  for (const m of members) count.set(m.displayName, (count.get(m.displayName) ?? 0) + 1);
  return new Map(
    members.map((m) => [
      m.userId,
      (count.get(m.displayName) ?? 0) > 1 ? `${m.displayName} (${m.address})` : m.displayName,
    ]),
  );
}

/** The room's name: its own, or its members' names. */
export const roomName = (c: Pick<ConversationDetails, 'name' | 'members'>): string =>
  c.name ?? c.members.map((m) => m.displayName).join(', ');

/**
 * XEP-0421: a member's id in one room, the same from every device and after a rename (clients
 * match corrections, retractions and reactions to their author by it).
 */
export const occupantId = (conversationId: string, userId: string): XmlElement =>
  x('occupant-id', {
    xmlns: OCCUPANT_ID,
    id: createHash('sha256').update(`${conversationId} ${userId}`).digest('base64url').slice(0, 22),
  });

/** One occupant as others see it: nick, real bare JID (the rooms are non-anonymous), affiliation, XEP-0421 id. */
export interface OccupantView {
  nick: string;
  jid: string;
  affiliation: Affiliation;
  occupantId?: XmlElement;
}

/** An occupant's presence to `to` (XEP-0045 §7.2.3); `unavailable` for leaving, `nick` for a nick change (303). */
export function occupantPresence(
  room: string,
  to: string,
  o: OccupantView,
  opts: { codes?: readonly number[]; unavailable?: boolean; newNick?: string; destroyed?: boolean } = {},
): XmlElement {
  const affiliation = o.affiliation;
  const role = opts.unavailable ? 'none' : roleOf(affiliation);
  return x(
    'presence',
    { from: `${room}/${o.nick}`, to, type: opts.unavailable ? 'unavailable' : undefined },
    x(
      'x',
      { xmlns: MUC_USER },
      x('item', { affiliation, role, jid: o.jid, nick: opts.newNick }),
      (opts.codes ?? []).map((code) => x('status', { code: String(code) })),
      // XEP-0045 §10.9: the room is gone (the group was dissolved).
      opts.destroyed && x('destroy', {}),
    ),
    o.occupantId,
  );
}

/**
 * A message of the room to one occupant, with the room's archive id (XEP-0359) and, for history,
 * its time (XEP-0203); its files' links (`files`) on lines after the text, the first also as
 * XEP-0066 data, as in 1:1s (`chatMessage`).
 */
export function groupchatMessage(
  room: string,
  to: string,
  nick: string,
  m: MessageDetails,
  o: { delayed?: boolean; files?: readonly string[] } = {},
): XmlElement {
  const files = o.files ?? [];
  return x(
    'message',
    { type: 'groupchat', from: `${room}/${nick}`, to, id: m.clientId },
    x('body', {}, [m.text, ...files].filter((line) => line !== '').join('\n')),
    files[0] !== undefined && x('x', { xmlns: NS.oob }, x('url', {}, files[0])),
    x('stanza-id', { xmlns: SID, by: room, id: m.id }),
    // XEP-0461 in a room: the message replied to by the room's stanza-id.
    m.replyTo !== null && x('reply', { xmlns: REPLY, id: m.replyTo }),
    occupantId(m.conversationId, m.senderId),
    o.delayed && x('delay', { xmlns: DELAY, from: room, stamp: new Date(m.createdAt).toISOString() }),
  );
}

/** The room's subject, the last stanza of a join (XEP-0045 §7.2.15); empty when there is none. */
export const subjectMessage = (room: string, to: string, subject: string | null, id: string): XmlElement =>
  x('message', { type: 'groupchat', from: room, to, id }, x('subject', {}, subject ?? ''));

/** XEP-0425: a moderator (`by`: room/nick, with their occupant id) retracted someone else's message. */
export const moderation = (room: string, to: string, m: MessageDetails, by: string, byId: XmlElement): XmlElement =>
  x(
    'message',
    { type: 'groupchat', from: room, to, id: `${m.id}.moderated` },
    x('retract', { xmlns: RETRACT, id: m.id }, x('moderated', { xmlns: MODERATE, by }, byId)),
  );

/** XEP-0425 §4: the stanza-id of the message a moderator retracts. */
export function moderatedId(query: XmlElement): string {
  const id = query.attrs.id;
  if (id === undefined || !query.child('retract', RETRACT)) {
    throw new StanzaError('bad-request', 'moderate names a message by its stanza-id and retracts it');
  }
  return id;
}

/** XEP-0045 §10.2.1: the room's configuration changed (status 104). */
export const configChanged = (room: string, to: string, id: string): XmlElement =>
  x(
    'message',
    { type: 'groupchat', from: room, to, id },
    x('x', { xmlns: MUC_USER }, x('status', { code: String(STATUS.configChanged) })),
  );

/** How much history a joining occupant asked for (XEP-0045 §7.2.14). */
export interface HistoryRequest {
  /** Messages (0: none). */
  limit: number;
  /** Only messages since this time (ms). */
  start?: number;
}

export const HISTORY_DEFAULT = 20;
export const HISTORY_MAX = 50;

/** `<history maxstanzas maxchars seconds since/>` as a request; absent: the newest `HISTORY_DEFAULT`. */
export function historyRequest(h: XmlElement | undefined, now: number): HistoryRequest {
  if (!h) return { limit: HISTORY_DEFAULT };
  const num = (name: string) => {
    const v = h.attrs[name];
    return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
  };
  const stanzas = num('maxstanzas');
  const seconds = num('seconds');
  const since = h.attrs.since === undefined ? Number.NaN : Date.parse(h.attrs.since);
  // maxchars counts characters of the stanzas: 0 asks for none; other values are not honoured exactly.
  let limit = Math.min(stanzas ?? HISTORY_MAX, HISTORY_MAX);
  if (num('maxchars') === 0) limit = 0;
  const starts = [seconds === undefined ? Number.NaN : now - seconds * 1000, since].filter((n) => !Number.isNaN(n));
  return starts.length > 0 ? { limit, start: Math.max(...starts) } : { limit };
}

/** What a room is and does (XEP-0045 §6.4), with the XEP-0128 room info form. */
export function roomInfo(c: ConversationDetails): DiscoInfo {
  return {
    identities: [{ category: 'conference', type: 'text', name: roomName(c) }],
    features: [
      DISCO_INFO,
      MUC,
      'muc_persistent',
      'muc_membersonly',
      'muc_nonanonymous',
      'muc_hidden',
      'muc_unmoderated',
      'muc_unsecured',
      MAM,
      SID,
      OCCUPANT_ID,
      MODERATE,
    ],
    forms: [
      {
        formType: MUC_ROOMINFO,
        fields: [
          { var: 'muc#roominfo_description', values: [c.topic ?? ''] },
          { var: 'muc#roominfo_subject', values: [c.topic ?? ''] },
          { var: 'muc#roominfo_occupants', values: [String(c.members.length)] },
          { var: 'muc#roomconfig_roomname', values: [roomName(c)] },
          { var: 'muc#roominfo_contactjid', values: c.members.filter((m) => m.role === 'owner').map((m) => m.address) },
          { var: 'muc#maxhistoryfetch', values: [String(HISTORY_MAX)] },
          { var: 'muc#roomconfig_changesubject', values: ['0'] },
          { var: 'muc#roomconfig_allowinvites', values: ['0'] },
        ],
      },
    ],
  };
}

/** What the MUC service is (XEP-0045 §6.1). */
export const serviceInfo: DiscoInfo = {
  identities: [{ category: 'conference', type: 'text', name: 'Group chats' }],
  features: [DISCO_INFO, DISCO_ITEMS, MUC, PING],
  forms: [],
};

/**
 * XEP-0045 §7.8.2: the room tells the invitee who invited them (the group already has them as a
 * member); §7.8.3 (`decline`): tells the inviter that the invitee declined (and left the group).
 */
export const invitation = (
  kind: 'invite' | 'decline',
  room: string,
  to: string,
  from: string,
  reason: string | undefined,
): XmlElement =>
  x(
    'message',
    { from: room, to },
    x('x', { xmlns: MUC_USER }, x(kind, { from }, reason !== undefined && x('reason', {}, reason))),
  );

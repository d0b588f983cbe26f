import type { CallBackRequest, CallBackStatus } from './callbacks/model.js';
import type { ControlAnswer, ControlRequest } from './calls/control-relay.js';
import type { CallEvent } from './calls/model.js';
import type { Colleague } from './contacts/model.js';
import type { Relayed } from './endpoints/service.js';
import type { PingAnswer } from './federation/model.js';
import type { CallSettings } from './forwarding/model.js';
import type { JournalEntry } from './journal/model.js';
import type { MessageReceiptEvent, MessageTypingEvent } from './messaging/events.js';
import type {
  ConversationDetails,
  Departure,
  MessageChange,
  MessageDetails,
  MessageOrigin,
} from './messaging/model.js';
import type { PepAccess, PepItem } from './pep/model.js';
import type { Presence } from './presence/aggregate.js';
import type { RosterItem } from './roster/model.js';
import type { User } from './users/model.js';

/**
 * Past-tense facts published on the bus after they are durable, in the core's own types (`model.ts`
 * of each service; every adapter renders them for its protocol). Every payload names its tenant;
 * payloads about one user name that user, which is how the bus routes them (per-user subjects on
 * NATS). Add an event here and nowhere else.
 */
export interface EventMap {
  'tenant.created': { tenantId: string; domain: string };
  'tenant.updated': { tenantId: string };
  'tenant.deleted': { tenantId: string };
  'user.created': { tenantId: string; userId: string; user: User };
  'user.updated': { tenantId: string; userId: string; user: User };
  'user.deleted': { tenantId: string; userId: string };
  /** The user's avatar was set (its SHA-1, hex) or removed (null). */
  'avatar.changed': { tenantId: string; userId: string; sha1: string | null };
  /** A user's PEP node changed (XEP-0163): an item published, items retracted, or all of them gone. */
  'pep.changed': {
    tenantId: string;
    userId: string;
    node: string;
    access: PepAccess;
    published?: PepItem;
    retracted?: string[];
    cleared?: 'purged' | 'deleted';
  };
  /** A SIP device was added, got a new secret or was removed (nodes drop what they cached of it). */
  'device.changed': { tenantId: string; userId: string; deviceId: string };
  /** A line was added or removed (nodes drop what they cached of the owner's lines and devices). */
  'line.changed': { tenantId: string; userId: string; lineId: string };
  /** A tenant's SIP trunks were added or removed (read caches of them are dropped). */
  'trunk.changed': { tenantId: string };
  /** A tenant's federation trust changed (nodes drop what they cached of it; federated watchers see anew). */
  'federation.changed': { tenantId: string };
  /** A federation check's ping was answered on a stream to this node (the node that pinged takes it). */
  'federation.check.answered': PingAnswer & { tenantId: string };
  /** The user's favourites, the whole list in order (for their other clients). */
  'favourites.updated': { tenantId: string; userId: string; favourites: Colleague[] };
  /** A personal roster contact (XMPP) was added, changed or removed: the item as it is now. */
  'roster.updated': { tenantId: string; userId: string; item: RosterItem; removed: boolean };
  /** The user's call settings after a change (REST or CSTA): all of them, for their clients and CTI sessions. */
  'callsettings.changed': { tenantId: string; userId: string; settings: CallSettings };
  /** A call-back of the user changed (`callbacks/model.ts`): the request as it stands (or stood) and what happened. */
  'callback.changed': {
    tenantId: string;
    userId: string;
    callBack: CallBackRequest;
    status: CallBackStatus;
    /** ringing, done: the call-back call. */
    callId?: string;
  };
  /** A directory source's contacts or settings changed: every node reloads it into its index. */
  'directory.changed': { tenantId: string; sourceId: string };
  /** A user's first device registered, or their last registration ended by a REGISTER (lapses are not seen). */
  'registration.changed': { tenantId: string; userId: string; registered: boolean };
  /** Something for a user's clients on the nodes that hold them (`endpoints/service.ts`), opaque to the core. */
  'endpoints.relayed': Relayed;
  'session.created': { tenantId: string; userId: string; sessionId: string };
  'session.revoked': { tenantId: string; userId: string; sessionId: string };
  // Presence: the full computed value (watchers filter it by their relation) and the one before.
  'presence.changed': { tenantId: string; userId: string; user: string; presence: Presence; previous: Presence };
  /** Teams or blocks changed: what `watchers` (addresses) may see of `userIds` may differ now. */
  'presence.visibility.changed': { tenantId: string; userIds: string[]; watchers: string[] };
  // Messaging: published once per recipient member (`userId`), so NATS can route per-user subjects.
  /** `origin`: the sending adapter's device addressing, when it gave one. */
  'message.created': {
    tenantId: string;
    userId: string;
    conversationId: string;
    message: MessageDetails;
    origin?: MessageOrigin;
  };
  /** `change` says what happened to the message and `by` (a user id) who did it. */
  'message.updated': {
    tenantId: string;
    userId: string;
    conversationId: string;
    message: MessageDetails;
    change: MessageChange;
    by: string;
    /** Where the change came from, as for `message.created` (the core keeps none of it). */
    origin?: MessageOrigin | undefined;
  };
  'message.receipt': MessageReceiptEvent;
  'message.typing': MessageTypingEvent;
  /** `departed`: the member who is gone since the last update, and why. */
  'conversation.updated': {
    tenantId: string;
    userId: string;
    conversation: ConversationDetails;
    departed?: { userId: string; reason: Departure };
  };
  /** The user is no longer a member: they left or were removed (`reason`), or (`dissolved`) an owner ended the group. */
  'conversation.removed': {
    tenantId: string;
    userId: string;
    conversationId: string;
    dissolved?: boolean;
    reason?: Departure;
  };
  // Calls (CSTA events, DESIGN §7): the whole call after the change, once per user in it.
  'call.originated': CallEvent;
  'call.delivered': CallEvent;
  'call.established': CallEvent;
  'call.held': CallEvent;
  'call.retrieved': CallEvent;
  'call.diverted': CallEvent;
  'call.transferred': CallEvent;
  'call.conferenced': CallEvent;
  'call.failed': CallEvent;
  'call.cleared': CallEvent;
  /** A call as it stands, nothing changed: a node's answer to `calls.sync.requested` (once, no user). */
  'call.snapshot': CallEvent;
  /** A node that starts or got its bus back asks the others for the tenant's live calls. */
  'calls.sync.requested': { tenantId: string };
  /** Call control asks the node that switches a call to change it, and gets its answer. */
  'calls.control.requested': ControlRequest;
  'calls.control.answered': ControlAnswer;
  // The call journal: to the entry's user, with their unread missed calls after the change.
  'journal.created': { tenantId: string; userId: string; entry: JournalEntry; unreadMissed: number };
  'journal.updated': { tenantId: string; userId: string; entry: JournalEntry; unreadMissed: number };
  /** All of the user's entries were marked read. */
  'journal.read': { tenantId: string; userId: string; unreadMissed: number };
}

export type EventType = keyof EventMap;
export type EventOf<T extends EventType> = EventMap[T];

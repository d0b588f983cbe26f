import { z } from 'zod';
import { CallBack, CallBackStatus } from './callbacks.js';
import { Call, CallEventType } from './calls.js';
import { Colleague } from './contacts.js';
import { CallSettings } from './forwarding.js';
import { JournalEntry } from './journal.js';
import { ConversationInfo, Message } from './messaging.js';
import { PresenceState } from './presence.js';
import { User } from './schemas.js';

/** The WebSocket path; authenticate with `Authorization: Bearer …` or `?ticket=` from `POST /api/v1/auth/ticket`. */
export const eventsPath = '/api/v1/events';

/** Close codes the event socket uses besides the standard ones. */
export const eventCloseCodes = {
  /** The session was revoked (logout, password change, user disabled or removed). */
  sessionRevoked: 4401,
  /** The node is shutting down (a restart or an upgrade): reconnect, the load balancer picks another node. */
  serviceRestart: 1012,
  /**
   * The session already holds `http.maxSocketsPerSession` event sockets on this node: the new one
   * is closed at once (the open ones stay); reconnect later, with backoff.
   */
  tooManySockets: 4429,
} as const;

/** Every message the server pushes on the event WebSocket, discriminated by `type`. */
export const ClientEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), sessionId: z.string(), user: User, heartbeatSeconds: z.number() }),
  z.object({ type: z.literal('heartbeat'), at: z.iso.datetime() }),
  z
    .object({ type: z.literal('resync'), reason: z.string() })
    .describe(
      'Events may have been missed (the node lost its cluster bus for a while): fetch presence and catch up on conversations as after a reconnect',
    ),
  z.object({ type: z.literal('user.updated'), user: User }),
  z.object({ type: z.literal('session.created'), sessionId: z.string() }),
  z.object({ type: z.literal('session.revoked'), sessionId: z.string(), current: z.boolean() }),
  z
    .object({ type: z.literal('favourites.updated'), favourites: z.array(Colleague) })
    .describe("The user's favourites changed (in another of their clients): the whole list, in order"),
  z
    .object({ type: z.literal('callsettings.changed'), settings: CallSettings })
    .describe("The user's call settings changed (over REST, CSTA or in another client): all of them"),
  // Presence: to every watcher entitled to it, when what that watcher may see changes.
  z.object({ type: z.literal('presence.changed'), user: z.string(), presence: PresenceState }),
  // Messaging: only to current members of the conversation.
  z.object({ type: z.literal('message.created'), conversationId: z.string(), message: Message }),
  z.object({ type: z.literal('message.updated'), conversationId: z.string(), message: Message }),
  z.object({
    type: z.literal('receipt'),
    conversationId: z.string(),
    userId: z.string(),
    user: z.string().describe('local@domain of the member whose receipt moved'),
    deliveredSeq: z.number().int(),
    readSeq: z.number().int(),
  }),
  z.object({
    type: z.literal('typing'),
    conversationId: z.string(),
    userId: z.string(),
    user: z.string(),
    typing: z.boolean(),
  }),
  z.object({ type: z.literal('conversation.updated'), conversation: ConversationInfo }),
  z.object({ type: z.literal('conversation.removed'), conversationId: z.string() }),
  // Calls: to every user with a connection in the call, in the CSTA vocabulary of the bus.
  z
    .object({
      type: CallEventType,
      call: Call,
      connectionId: z.string().nullable().describe('The connection the event is about'),
      cause: z.string().nullable(),
    })
    .describe('A call you are in changed: the whole call after the change'),
  z
    .object({
      type: z.literal('callback.changed'),
      status: CallBackStatus,
      callBack: CallBack,
      callId: z.string().optional().describe('ringing, done: the call-back call'),
    })
    .describe('One of your call-backs was requested, rings your line, is done, expired or was cancelled'),
  // The call journal: the user's own entries, with their unread missed calls after the change.
  z
    .object({ type: z.literal('journal.created'), entry: JournalEntry, unreadMissed: z.number().int() })
    .describe('A call of the user ended: its journal entry'),
  z
    .object({ type: z.literal('journal.updated'), entry: JournalEntry, unreadMissed: z.number().int() })
    .describe('The memo or read flag of an entry changed (in one of the user’s clients)'),
  z
    .object({ type: z.literal('journal.read'), unreadMissed: z.number().int() })
    .describe('All of the user’s entries were marked read'),
]);
export type ClientEvent = z.infer<typeof ClientEvent>;
export type ClientEventType = ClientEvent['type'];

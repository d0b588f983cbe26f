import { z } from 'zod';
import { NameLabel } from './contacts.js';
import { Address } from './schemas.js';
import { SafeLine, SafeText } from './text.js';

const Id = z.string().min(1).max(64);
const Seq = z.number().int().min(0);
const Time = z.iso.datetime();
/** A user id, or the address of a user of another server (federation). */
const Party = z.string().min(1).max(318);

export const ConversationRole = z.enum(['owner', 'admin', 'member']);
export type ConversationRole = z.infer<typeof ConversationRole>;

export const ConversationMember = z
  .object({
    userId: Party.describe('A user id; for a member of another server, their address'),
    address: z.string().describe('local@domain'),
    displayName: z.string().describe('The user’s name; for a member of another server, their nick in the room'),
    label: NameLabel,
    role: ConversationRole,
    joinedAt: Time,
    deliveredSeq: Seq.describe('Newest sequence delivered to this member'),
    readSeq: Seq.describe('Newest sequence this member has read'),
    external: z
      .boolean()
      .describe('A group member who is a user of another server (XMPP federation); their receipts are not kept'),
  })
  .meta({ id: 'ConversationMember' });

export const AttachmentInfo = z
  .object({ id: Id, name: z.string(), contentType: z.string(), size: z.number().int(), url: z.string() })
  .meta({ id: 'Attachment' });
export type AttachmentInfo = z.infer<typeof AttachmentInfo>;

export const Message = z
  .object({
    id: Id,
    conversationId: Id,
    seq: Seq.describe('Per-conversation, strictly increasing: the history cursor'),
    senderId: Party.describe("The sender's user id, or their address when they are a user of another server"),
    sender: z.string().describe('local@domain of the sender'),
    external: z.boolean().describe('The sender is a user of another server (federation)'),
    clientId: z.string().describe("The sender's idempotency key"),
    text: z.string().describe('Empty once deleted'),
    replyTo: Id.nullable(),
    createdAt: Time,
    editedAt: Time.nullable(),
    deletedAt: Time.nullable().describe('Set for a deleted message (a tombstone)'),
    reactions: z.array(z.object({ emoji: z.string(), userIds: z.array(Party) })),
    attachments: z.array(AttachmentInfo),
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

/** A conversation as every member sees it (what events carry). */
export const ConversationInfo = z
  .object({
    id: Id,
    kind: z.enum(['direct', 'group']),
    name: z.string().nullable(),
    topic: z.string().nullable(),
    external: z
      .string()
      .nullable()
      .describe('A 1:1 with a user of another server (federation): their address; they are not in `members`'),
    externalReceipt: z
      .object({
        deliveredSeq: Seq.describe('Newest sequence delivered to them'),
        readSeq: Seq.describe('Newest sequence they have read'),
      })
      .nullable()
      .describe("The receipts of `external` (their XMPP receipts and markers); null when it's null"),
    members: z.array(ConversationMember).describe('Current members'),
    lastSeq: Seq.describe('Sequence of the newest message'),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: 'ConversationInfo' });
export type ConversationInfo = z.infer<typeof ConversationInfo>;

/** A conversation as the caller sees it: with their role, receipts, unread count and newest message. */
export const Conversation = ConversationInfo.extend({
  role: ConversationRole,
  deliveredSeq: Seq,
  readSeq: Seq,
  unread: z.number().int().min(0).describe('Messages of others after your read sequence'),
  lastMessage: Message.nullable().describe('The newest message (a tombstone once deleted); null while there is none'),
}).meta({ id: 'Conversation' });
export type Conversation = z.infer<typeof Conversation>;

export const CreateConversationRequest = z.strictObject({
  members: z
    .array(Address)
    .min(1)
    .max(500)
    .describe('Addresses of the others; one and no name makes a 1:1 (also with a user of another server)'),
  name: SafeLine(200).optional(),
  topic: SafeText.trim().max(1000).optional(),
  kind: z.enum(['direct', 'group']).optional().describe('Force a group with a single other member'),
});
export const UpdateConversationRequest = z.strictObject({
  name: SafeLine(200).nullable().optional(),
  topic: SafeText.trim().max(1000).nullable().optional(),
});
export const AddMembersRequest = z.strictObject({ members: z.array(Address).min(1).max(500) });
export const SetMemberRoleRequest = z.strictObject({ role: ConversationRole });
export const ConversationList = z.object({ conversations: z.array(Conversation) });
export const ConversationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const SendMessageRequest = z.strictObject({
  text: SafeText.describe('Up to messaging.maxMessageLength characters (413 above)'),
  clientId: z.string().min(1).max(100).describe('Idempotency key: the same key again returns the same message'),
  replyTo: Id.optional(),
  attachments: z.array(Id).max(20).optional().describe('Ids of your uploads to this conversation'),
});
export const EditMessageRequest = z.strictObject({ text: SafeText });
export const HistoryQuery = z
  .strictObject({
    before: z.coerce.number().int().min(1).optional().describe('Messages before this sequence, newest first'),
    after: z.coerce.number().int().min(0).optional().describe('Messages after this sequence, oldest first'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => q.before === undefined || q.after === undefined, 'give before or after, not both');
export const MessageList = z.object({
  messages: z.array(Message),
  hasMore: z.boolean().describe('More messages lie beyond this page in its direction'),
});
export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const SearchResult = z.object({ messages: z.array(Message) });
/** `since` is the `cursor` of the previous answer: `MILLISECONDS` or `MILLISECONDS.MESSAGE_ID`. */
const ChangesCursor = z.string().regex(/^\d{1,15}(\.[A-Za-z0-9-]{1,64})?$/, 'a cursor from an earlier answer');
export const ChangesQuery = z.strictObject({
  since: ChangesCursor.optional().describe('The cursor of the previous answer; without it, only a cursor for now'),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
export const ChangesResult = z.object({
  messages: z
    .array(Message)
    .describe('Messages edited, deleted or reacted to since the cursor (their current state), oldest change first'),
  hasMore: z.boolean().describe('More changes follow: ask again with `cursor`'),
  cursor: ChangesCursor.describe(
    'Pass as `since` next time; it overlaps the last seconds, so a change may come twice (merge by id)',
  ),
});
export const ReceiptRequest = z.strictObject({ deliveredSeq: Seq.optional(), readSeq: Seq.optional() });
export const Receipt = z.object({ deliveredSeq: Seq, readSeq: Seq });
export const TypingRequest = z.strictObject({ typing: z.boolean().default(true) });

export const ConversationParams = z.strictObject({ id: Id });
export const MessageParams = z.strictObject({ id: Id, messageId: Id });
export const MemberParams = z.strictObject({ id: Id, userId: Party });
export const ReactionParams = z.strictObject({ id: Id, messageId: Id, emoji: SafeLine(32) });

/**
 * Attachments travel as raw bytes, not JSON, so they are outside the route table:
 * `POST uploadPath?name=FILE` with the file's `Content-Type` → 201 `AttachmentInfo`;
 * `GET downloadPath` → the bytes.
 */
export const attachmentPaths = {
  upload: '/api/v1/conversations/:id/attachments',
  download: '/api/v1/attachments/:id',
  /**
   * A file by link, without a login (XEP-0363 HTTP upload): `GET` with the file's share token
   * downloads it; `PUT …?slot=TOKEN` with the slot's exact Content-Type and Content-Length
   * uploads it once (201).
   */
  file: '/files/:tenantId/:id/:token/:name',
} as const;
export const FileParams = z.strictObject({
  tenantId: z.uuid(),
  id: z.uuid(),
  token: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: SafeLine(255),
});
export const FileSlotQuery = z.strictObject({ slot: z.string().min(1).max(2048) });
export const UploadQuery = z.strictObject({ name: SafeLine(255) });

import {
  type AttachmentInfo,
  type Conversation as ConversationDto,
  type ConversationInfo,
  type Message as MessageDto,
  nameLabel,
} from '@parley/api';
import type { Repositories } from '../store.js';
import { addressOf } from '../users/repository.js';
import type { Attachment, Conversation, ConversationSummary, Member, Message } from './model.js';

export const iso = (ms: number) => new Date(ms).toISOString();

export const attachmentView = (a: Attachment): AttachmentInfo => ({
  id: a.id,
  name: a.name,
  contentType: a.contentType,
  size: a.size,
  url: `/api/v1/attachments/${a.id}`,
});

/**
 * A conversation as every member sees it; `members` are the current ones, `shared` the display
 * names another user of the tenant also has (`UserRepository.sharedNames`).
 */
export const conversationInfo = (
  c: Conversation,
  members: Member[],
  shared: ReadonlySet<string>,
): ConversationInfo => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  topic: c.topic,
  members: members
    .filter((m) => m.leftAt === null)
    .map((m) => ({
      userId: m.userId,
      address: m.address,
      displayName: m.displayName,
      label: nameLabel(m.displayName, m.address, shared.has(m.displayName)),
      role: m.role,
      joinedAt: iso(m.joinedAt),
      deliveredSeq: m.deliveredSeq,
      readSeq: m.readSeq,
    })),
  lastSeq: c.lastSeq,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

export const conversationView = (
  s: ConversationSummary,
  members: Member[],
  shared: ReadonlySet<string>,
  lastMessage: MessageDto | null,
): ConversationDto => ({
  ...conversationInfo(s, members, shared),
  role: s.role,
  deliveredSeq: s.deliveredSeq,
  readSeq: s.readSeq,
  unread: s.unread,
  lastMessage,
});

/** Messages with their reactions, attachments and sender addresses, in the order given. */
export async function messageViews(repos: Repositories, tenantId: string, messages: Message[]): Promise<MessageDto[]> {
  const ids = messages.map((m) => m.id);
  const [reactions, attachments] = await Promise.all([
    repos.messages.reactions(tenantId, ids),
    repos.messages.attachmentsOf(tenantId, ids),
  ]);
  const senders = new Map<string, string>();
  for (const id of new Set(messages.map((m) => m.senderId))) {
    const u = await repos.users.get(tenantId, id);
    senders.set(id, u ? addressOf(u) : '');
  }
  return messages.map((m) => {
    const byEmoji = new Map<string, string[]>();
    for (const r of reactions) {
      if (r.messageId !== m.id) continue;
      byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r.userId]);
    }
    return {
      id: m.id,
      conversationId: m.conversationId,
      seq: m.seq,
      senderId: m.senderId,
      sender: senders.get(m.senderId) ?? '',
      clientId: m.clientId,
      text: m.text,
      replyTo: m.replyTo,
      createdAt: iso(m.createdAt),
      editedAt: m.editedAt === null ? null : iso(m.editedAt),
      deletedAt: m.deletedAt === null ? null : iso(m.deletedAt),
      reactions: [...byEmoji].map(([emoji, userIds]) => ({ emoji, userIds })),
      attachments: attachments.filter((a) => a.messageId === m.id).map(attachmentView),
    };
  });
}

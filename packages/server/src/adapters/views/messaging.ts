// The API forms (`@parley/api`) of the core's messaging models: one mapping for the HTTP routes
// and the event socket.
import {
  type AttachmentInfo,
  type Conversation as ConversationDto,
  type ConversationInfo,
  type Message as MessageDto,
  nameLabel,
} from '@parley/api';
import type {
  Attachment,
  ConversationDetails,
  MemberConversation,
  MessageDetails,
} from '../../core/messaging/model.js';
import { iso, isoOrNull } from './time.js';

export const attachmentView = (a: Attachment): AttachmentInfo => ({
  id: a.id,
  name: a.name,
  contentType: a.contentType,
  size: a.size,
  url: `/api/v1/attachments/${a.id}`,
});

/** A conversation as every member sees it. */
export const conversationInfo = (c: ConversationDetails): ConversationInfo => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  topic: c.topic,
  external: c.external,
  externalReceipt: c.externalReceipt,
  members: c.members.map((m) => ({
    userId: m.userId,
    address: m.address,
    displayName: m.displayName,
    // A member of another server's nick says little alone: their address goes with it.
    label: nameLabel(m.displayName, m.address, m.sharedName || m.external),
    role: m.role,
    joinedAt: iso(m.joinedAt),
    deliveredSeq: m.deliveredSeq,
    readSeq: m.readSeq,
    external: m.external,
  })),
  lastSeq: c.lastSeq,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

/** A conversation in one member's list. */
export const conversationView = (c: MemberConversation): ConversationDto => ({
  ...conversationInfo(c),
  role: c.role,
  deliveredSeq: c.deliveredSeq,
  readSeq: c.readSeq,
  unread: c.unread,
  lastMessage: c.lastMessage && messageView(c.lastMessage),
});

export const messageView = (m: MessageDetails): MessageDto => ({
  id: m.id,
  conversationId: m.conversationId,
  seq: m.seq,
  senderId: m.senderId,
  sender: m.sender,
  external: m.externalSender !== null,
  clientId: m.clientId,
  text: m.text,
  replyTo: m.replyTo,
  createdAt: iso(m.createdAt),
  editedAt: isoOrNull(m.editedAt),
  deletedAt: isoOrNull(m.deletedAt),
  reactions: m.reactions,
  attachments: m.attachments.map(attachmentView),
});

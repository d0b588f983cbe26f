/** Table types of the messaging migrations (003, 007, 026, 027, 031, 033, 034); part of `Database` in `schema.ts`. */
export interface ConversationsTable {
  id: string;
  tenant_id: string;
  kind: 'direct' | 'group';
  pair_key: string | null;
  name: string | null;
  topic: string | null;
  /** The room name an XMPP client chose (migration 026). */
  room: string | null;
  /** 1 while a room an XMPP client created awaits its configuration (migration 031). */
  locked: number;
  /** A 1:1's party on another server, a bare JID (migration 027). */
  external: string | null;
  /** The external party's receipts (migration 033); 0 without one. */
  external_delivered_seq: number;
  external_read_seq: number;
  created_by: string;
  last_seq: number;
  /** Counted up by every change of who is a member (migration 034). */
  members_version: number;
  created_at: number;
  updated_at: number;
}

export interface ConversationMembersTable {
  conversation_id: string;
  tenant_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  joined_at: number;
  left_at: number | null;
  delivered_seq: number;
  read_seq: number;
}

/** A group's member who is a user of another server (032). */
export interface ConversationExternalMembersTable {
  conversation_id: string;
  tenant_id: string;
  /** Their bare JID. */
  jid: string;
  /** Their nick in the group's room. */
  nick: string;
  joined_at: number;
}

export interface MessagesTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_id: string;
  text: string;
  reply_to: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  /** Last edit, deletion or reaction change (migration 007); null while never changed. */
  changed_at: number | null;
  /** The sender's bare JID when they are a user of another server (migration 027). */
  external_sender: string | null;
}

export interface MessageReactionsTable {
  message_id: string;
  tenant_id: string;
  user_id: string;
  emoji: string;
  created_at: number;
}

export interface AttachmentsTable {
  id: string;
  tenant_id: string;
  /** Null for an upload not sent yet that no conversation was named for (an XMPP upload slot). */
  conversation_id: string | null;
  message_id: string | null;
  uploader_id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: number;
}

export interface MessagingTables {
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  conversation_external_members: ConversationExternalMembersTable;
  messages: MessagesTable;
  message_reactions: MessageReactionsTable;
  attachments: AttachmentsTable;
}

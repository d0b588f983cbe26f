/** The messaging aggregate: conversations, their members (with receipts) and messages. */
export type ConversationKind = 'direct' | 'group';
export type MemberRole = 'owner' | 'admin' | 'member';

export interface Conversation {
  id: string;
  tenantId: string;
  kind: ConversationKind;
  /** For a 1:1: both user ids (or the user's and the external party's JID), sorted, joined by `:`. */
  pairKey: string | null;
  name: string | null;
  topic: string | null;
  /** A group's room name as an XMPP client chose it (`room@conference.DOMAIN`); null otherwise. */
  room: string | null;
  /** A room an XMPP client just created, which only its owner may be in until configured (XEP-0045 §10.1.2). */
  locked: boolean;
  /** A 1:1's party on another server (its bare JID); its one member is the user here. Null otherwise. */
  external: string | null;
  /** The external party's receipts (XEP-0184, XEP-0333); null without an external party. */
  externalReceipt: Receipt | null;
  createdBy: string;
  /** Sequence number of the newest message (0 when empty). */
  lastSeq: number;
  createdAt: number;
  updatedAt: number;
}

/** How far a conversation's messages reached a party: the newest sequence delivered to and read by them. */
export interface Receipt {
  deliveredSeq: number;
  readSeq: number;
}

export interface Member {
  conversationId: string;
  /** A user id; a member of another server's bare JID. */
  userId: string;
  /** `local@domain` of the user (a member of another server: their bare JID). */
  address: string;
  /** The user's name; a member of another server's nick in the group's room. */
  displayName: string;
  role: MemberRole;
  joinedAt: number;
  leftAt: number | null;
  deliveredSeq: number;
  readSeq: number;
  /**
   * A group's member who is a user of another server (XMPP federation): always a plain member,
   * with no receipts kept; what they send is stored as theirs (`Message.externalSender`).
   */
  external: boolean;
}

/** A conversation as one member sees it in their list. */
export interface ConversationSummary extends Conversation {
  role: MemberRole;
  deliveredSeq: number;
  readSeq: number;
  /** Messages of others after the member's read sequence that are not deleted. */
  unread: number;
}

export interface Message {
  id: string;
  tenantId: string;
  conversationId: string;
  seq: number;
  /** A user id, or the bare JID of `externalSender`. */
  senderId: string;
  /** The sender's bare JID when they are a user of another server; null for users here. */
  externalSender: string | null;
  clientId: string;
  /** Empty once deleted (the row stays as a tombstone). */
  text: string;
  replyTo: string | null;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
}

export interface Reaction {
  messageId: string;
  userId: string;
  emoji: string;
  createdAt: number;
}

export interface Attachment {
  id: string;
  tenantId: string;
  /** Null for an upload that no conversation was named for and that is not sent yet (XEP-0363). */
  conversationId: string | null;
  messageId: string | null;
  uploaderId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: number;
}

/** Who gave a message one emoji, in the order they did. */
export interface ReactionGroup {
  emoji: string;
  userIds: string[];
}

/** A message as the members of its conversation see it: with its sender's address, reactions and attachments. */
export interface MessageDetails extends Message {
  /** `local@domain` of the sender; empty once their account is gone. */
  sender: string;
  reactions: ReactionGroup[];
  attachments: Attachment[];
}

/**
 * Which device of the sender sent a new message (or an edit, deletion or reaction) and which device
 * of the recipient it named, as the sending adapter words them (XMPP: full JIDs and a session id).
 * The core keeps none of it; it rides on `message.created` and `message.updated` so that the
 * adapter on every node renders copies alike (XEP-0280 carbons).
 */
export interface MessageOrigin {
  /** The sending session's id (it gets no copy of its own message); none for a message from another server. */
  session?: string | undefined;
  /** The sender's device address, and the recipient's address as the sender wrote it. */
  from: string;
  to: string;
  /** The sender asked that no other device get a copy. */
  private: boolean;
}

/** What `send` takes: the text and the sender's client key, and where the message came from. */
export interface NewMessage {
  text: string;
  clientId: string;
  replyTo?: string | undefined;
  attachments?: string[] | undefined;
  origin?: MessageOrigin | undefined;
}

/**
 * Why a member is no longer in a group: they left, or an owner or admin removed them — plainly,
 * or saying it was a kick or a ban (XMPP tells occupants which; no ban list is kept).
 */
export type Departure = 'left' | 'removed' | 'kicked' | 'banned';

/** What a `message.updated` reports: an edit, a deletion (tombstone), or a reaction given or taken back. */
export type MessageChange = 'edited' | 'deleted' | 'reacted';

/** A member and whether another user of the tenant has the same display name (their label then adds the address). */
export interface NamedMember extends Member {
  sharedName: boolean;
}

/** A conversation with its current members, as every member sees it. */
export interface ConversationDetails extends Conversation {
  members: NamedMember[];
}

/** A conversation in one member's list: their receipts and unread count, its current members and newest message. */
export interface MemberConversation extends ConversationSummary {
  members: NamedMember[];
  lastMessage: MessageDetails | null;
}

/** The canonical key of a 1:1 between two users: at most one conversation per pair. */
export const pairKey = (a: string, b: string) => (a < b ? `${a}:${b}` : `${b}:${a}`);

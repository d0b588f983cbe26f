import type { Conversation, Message, User } from '@parley/api';
import type { I18n } from '../../i18n';

/** The other member of a 1:1, or null for a group. */
export function otherMember(c: Conversation, me: User) {
  return c.kind === 'direct' ? (c.members.find((m) => m.userId !== me.id) ?? null) : null;
}

/** What a conversation is called: the group's name, the address of a user of another server, else the other members' names. */
export function conversationName(c: Conversation, me: User): string {
  if (c.name) return c.name;
  if (c.external) return c.external;
  const others = c.members.filter((m) => m.userId !== me.id);
  if (others.length === 0) return me.displayName;
  return others.map((m) => m.label || m.address).join(', ');
}

/** One line for a message: its text, else its attachments' names; "Message deleted" for a tombstone. */
export function messagePreview(m: Pick<Message, 'text' | 'deletedAt' | 'attachments'>, i18n: I18n): string {
  if (m.deletedAt) return i18n.t('chat.deleted');
  const text = m.text.replace(/\s+/g, ' ').trim();
  const files = m.attachments.map((a) => a.name).join(', ');
  const line = text || (files ? `📎 ${files}` : '');
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}

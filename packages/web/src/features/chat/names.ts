import type { Conversation, User } from '@parley/api';

/** The other member of a 1:1, or null for a group. */
export function otherMember(c: Conversation, me: User) {
  return c.kind === 'direct' ? (c.members.find((m) => m.userId !== me.id) ?? null) : null;
}

/** What a conversation is called: the group's name, else the other members' names. */
export function conversationName(c: Conversation, me: User): string {
  if (c.name) return c.name;
  const others = c.members.filter((m) => m.userId !== me.id);
  if (others.length === 0) return me.displayName;
  return others.map((m) => m.displayName || m.address).join(', ');
}

import type { Repositories } from '../store.js';
import { addressOf } from '../users/model.js';
import type { Member, Message, MessageDetails, NamedMember } from './model.js';

/** Messages with their reactions, attachments and sender addresses, in the order given. */
export async function messageDetails(
  repos: Repositories,
  tenantId: string,
  messages: Message[],
): Promise<MessageDetails[]> {
  const ids = messages.map((m) => m.id);
  const [reactions, attachments] = await Promise.all([
    repos.messages.reactions(tenantId, ids),
    repos.attachments.ofMessages(tenantId, ids),
  ]);
  const senders = new Map<string, string>();
  for (const id of new Set(messages.filter((m) => m.externalSender === null).map((m) => m.senderId))) {
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
      ...m,
      sender: m.externalSender ?? senders.get(m.senderId) ?? '',
      reactions: [...byEmoji].map(([emoji, userIds]) => ({ emoji, userIds })),
      attachments: attachments.filter((a) => a.messageId === m.id),
    };
  });
}

/**
 * The current ones of `members`, each marked when another user of the tenant has the same display
 * name: `shared` holds those names (`UserRepository.sharedNames`).
 */
export const namedMembers = (members: Member[], shared: ReadonlySet<string>): NamedMember[] =>
  members.filter((m) => m.leftAt === null).map((m) => ({ ...m, sharedName: shared.has(m.displayName) }));

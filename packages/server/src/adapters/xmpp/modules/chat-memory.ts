// A conversation as the chat module renders it, from the core's per-node view of it
// (`MessagingService.view`, which the send that caused an event has just read). Where a new
// message or a change came from needs no memory: its origin rides on the core's event to every
// node.
import type { Services } from '../../../compose.js';
import type { MessageOrigin } from '../../../core/messaging/model.js';

/**
 * The session a stanza came from (its id and full JID), the addressee as the client wrote it (a
 * full JID targets one resource) and whether it asked for no carbons (`<private/>`, `<no-copy/>`).
 */
export type Origin = MessageOrigin;

/**
 * A conversation as the chat module needs it: direct or not, (of a 1:1) the members' addresses by
 * user id, and the bare JID of its party on another server (null for a 1:1 of two users here).
 */
export interface ConversationInfo {
  direct: boolean;
  addresses: Map<string, string>;
  external: string | null;
}

/** A conversation as `userId`, one of its members, sees it. */
export async function conversationInfo(
  core: Services,
  tenantId: string,
  userId: string,
  conversationId: string,
): Promise<ConversationInfo> {
  const { conversation: c, members } = await core.messaging.view({ tenantId, userId }, conversationId);
  // A group is the MUC module's to render: only its kind matters here.
  const direct = c.kind === 'direct';
  const addresses = new Map(direct ? members.map((m) => [m.userId, m.address]) : []);
  // The party on another server is named by their JID where a member is by their user id.
  if (c.external !== null) addresses.set(c.external, c.external);
  return { direct, addresses, external: c.external };
}

// What the chat module remembers of the 1:1s it has seen (a pair's conversation never changes),
// bounded; what fell out is looked up again. A conversation's members come from the core's
// per-node view of it (`MessagingService.view`), which the send that caused an event has just read.
// Where a new message or a change came from needs no memory: its origin rides on the core's event
// to every node.
import type { Services } from '../../../compose.js';
import type { MessageOrigin } from '../../../core/messaging/model.js';

/** A Map that forgets its oldest entries beyond `max`. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    this.delete(key);
    super.set(key, value);
    for (const oldest of this.keys()) {
      if (this.size <= this.max) break;
      this.delete(oldest);
    }
    return this;
  }
}

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

/** Pairs remembered: about 8 MB at most, the 1:1s a server of 10,000 busy users writes in within minutes. */
const DIRECTS = 32_768;

export class ChatMemory {
  /** The 1:1 of a pair of users (`tenant:pairKey`) → conversation id. */
  readonly directs = new BoundedMap<string, string>(DIRECTS);

  constructor(private readonly core: Services) {}

  /** A conversation seen by one of its members, from the view this node keeps of it for sending. */
  async conversation(tenantId: string, userId: string, conversationId: string): Promise<ConversationInfo> {
    const { conversation: c, members } = await this.core.messaging.view({ tenantId, userId }, conversationId);
    // A group is the MUC module's to render: only its kind matters here.
    const direct = c.kind === 'direct';
    const addresses = new Map(direct ? members.map((m) => [m.userId, m.address]) : []);
    // The party on another server is named by their JID where a member is by their user id.
    if (c.external !== null) addresses.set(c.external, c.external);
    return { direct, addresses, external: c.external };
  }
}

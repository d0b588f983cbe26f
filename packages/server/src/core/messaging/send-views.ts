import type { CoreContext } from '../context.js';
import { ReadCache } from '../read-cache.js';
import { type Access, accessOf, type Caller } from './conversations.js';
import type { Conversation, Member } from './model.js';

/** What a send reads of its conversation, and the membership version that was current then. */
interface SendView {
  conversation: Conversation;
  /** Receipts and the conversation's `lastSeq` as of the read: a send uses neither. */
  members: Member[];
  version: number;
}

/**
 * The conversations messages are sent in, with their members, kept per node so a send does not
 * read them again (`MessageSender`). Their membership version is checked by every send in its
 * transaction (`ConversationRepository.nextSeq`): a view from before a membership change on any
 * node is never used to store a message. The change's events (`conversation.updated` to the
 * members, `conversation.removed` to who left) drop the view on every node before that
 * (`read-cache-feature.ts`), as do a user's and a tenant's changes (addresses, deletions).
 */
export class SendViews {
  private readonly cache: ReadCache<SendView>;

  constructor(private readonly ctx: CoreContext) {
    this.cache = new ReadCache(ctx.clock);
  }

  /** The caller's access (as `ConversationService.access`) and the version it is of. */
  async access(caller: Caller, id: string): Promise<Access & { version: number }> {
    const view = await this.cache.get(`${caller.tenantId}:${id}`, () => this.load(caller.tenantId, id));
    return { ...accessOf(caller, view?.conversation, view?.members ?? []), version: view?.version ?? 0 };
  }

  private async load(tenantId: string, id: string): Promise<SendView | undefined> {
    const repos = this.ctx.store.repos.conversations;
    // The version first: members read after it are as new or newer, never older.
    const found = await repos.versioned(tenantId, id);
    return found && { ...found, members: await repos.members(tenantId, id) };
  }

  /** Drops one conversation's view. */
  forgetConversation(tenantId: string, id: string): void {
    this.cache.drop(`${tenantId}:${id}`);
  }

  /** Drops the views of a tenant, or those of its conversations `userId` is a member of. */
  forget(tenantId: string, userId?: string): void {
    this.cache.forget(
      (v) =>
        v.conversation.tenantId === tenantId && (userId === undefined || v.members.some((m) => m.userId === userId)),
    );
  }
}

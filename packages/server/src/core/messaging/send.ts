import { uuidv7 } from '../../lib/uuid.js';
import { isUniqueViolation } from '../../platform/store/errors.js';
import type { CoreContext } from '../context.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import { GroupCommit } from '../group-commit.js';
import type { Caller } from './conversations.js';
import { messageDetails } from './details.js';
import { toMembers } from './events.js';
import type { Message, MessageDetails, NewMessage } from './model.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { SendViews } from './send-views.js';

/** The view a send used was of an older membership: read it again and send anew. */
class StaleView extends Error {}

/** SQLite: messages stored before the full-text index takes the waiting ones in one go (migration 034). */
const INDEX_BATCH = 256;

/** Sends in a row that may find their view stale before one gives up (each was changed meanwhile). */
const ATTEMPTS = 3;

/**
 * Sending a message: the conversation and its members from `SendViews`, the message stored in a
 * transaction it may share with other sends (`GroupCommit`), then one `message.created` per
 * current member.
 */
export class MessageSender {
  readonly views: SendViews;
  private readonly commits: GroupCommit;
  private readonly rate: RateLimiter;
  /** Messages stored since the full-text index last took the waiting ones. */
  private unindexed = 0;

  constructor(
    private readonly ctx: CoreContext,
    rateLimit: RateLimitOptions,
    /** Refuses a text too long (or empty without attachments). */
    private readonly checkText: (text: string, allowEmpty: boolean) => void,
  ) {
    this.views = new SendViews(ctx);
    this.commits = new GroupCommit(ctx.store);
    this.rate = new RateLimiter(rateLimit, ctx.clock);
  }

  async send(caller: Caller, conversationId: string, input: NewMessage, party?: string): Promise<MessageDetails> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(caller, conversationId, input, party);
      } catch (err) {
        if (!(err instanceof StaleView)) throw err;
        this.views.forgetConversation(caller.tenantId, conversationId);
        if (attempt === ATTEMPTS) throw conflict('the conversation’s members keep changing; try again');
      }
    }
  }

  /**
   * Puts the messages waiting for the full-text index into it (SQLite; before a search, so it
   * finds every message sent; PostgreSQL indexes each row as it is written).
   */
  async indexPending(): Promise<void> {
    if (this.ctx.store.engine !== 'sqlite') return;
    this.unindexed = 0;
    await this.commits.run((r) => r.messages.indexPending());
  }

  private async attempt(caller: Caller, conversationId: string, input: NewMessage, party?: string) {
    const a = await this.views.access(caller, conversationId);
    if (party !== undefined && party !== a.conversation.external) throw forbidden('not a party of this conversation');
    // A group's member of another server sends as themselves (their bare JID is their caller id).
    const from = party ?? (a.member.external ? caller.userId : undefined);
    const { tenantId } = caller;
    const userId = from ?? caller.userId;
    const repos = this.ctx.store.repos;
    const one = async (m: Message) => (await messageDetails(repos, tenantId, [m]))[0] as MessageDetails;
    // A retry of a message already sent costs nothing: the unique key refuses it (below), and the
    // stored message is the answer, with the token given back (or in place of a refusal).
    const sentBefore = () => repos.messages.byClientId(tenantId, conversationId, userId, input.clientId);
    const bucket = `${tenantId}:${userId}`;
    try {
      this.rate.take(bucket, 'messages');
    } catch (err) {
      const earlier = await sentBefore();
      if (earlier) return one(earlier);
      throw err;
    }
    const attachmentIds = [...new Set(input.attachments ?? [])];
    this.checkText(input.text, attachmentIds.length > 0);
    if (input.replyTo !== undefined) {
      const target = await repos.messages.get(tenantId, input.replyTo);
      if (!target || target.conversationId !== conversationId) throw invalid('body.replyTo', 'no such message here');
    }
    const now = this.ctx.clock.now();
    let message: Message;
    try {
      message = await this.commits.run(async (r) => {
        const next = await r.conversations.nextSeq(tenantId, conversationId, now);
        if (!next) throw notFound('conversation');
        if (next.version !== a.version) throw new StaleView();
        const m: Message = {
          id: uuidv7(now),
          tenantId,
          conversationId,
          seq: next.seq,
          senderId: userId,
          externalSender: from ?? null,
          clientId: input.clientId,
          text: input.text,
          replyTo: input.replyTo ?? null,
          createdAt: now,
          editedAt: null,
          deletedAt: null,
        };
        await r.messages.insert(m);
        const linked = await r.attachments.link(tenantId, attachmentIds, m);
        if (linked !== attachmentIds.length)
          throw invalid('body.attachments', 'not all are your unsent uploads to this conversation');
        // Your own message counts as delivered and read.
        if (from === undefined) await r.conversations.readOwn(tenantId, conversationId, userId, m.seq);
        return m;
      });
    } catch (err) {
      // A retry of a message sent before (or a concurrent send with the same key that committed
      // first): the unique key refused this one, and the one stored is the answer.
      const earlier = isUniqueViolation(err) && (await sentBefore());
      if (!earlier) throw err;
      this.rate.refund(bucket);
      return one(earlier);
    }
    if (this.ctx.store.engine === 'sqlite' && ++this.unindexed >= INDEX_BATCH) {
      this.indexPending().catch((err) =>
        this.ctx.log.warn({ err }, 'full-text indexing failed; the next search retries'),
      );
    }
    // A new message has no reactions yet, and the caller sent it: only its files are to be read.
    const details: MessageDetails =
      attachmentIds.length > 0
        ? await one(message)
        : { ...message, sender: from ?? a.member.address, reactions: [], attachments: [] };
    const origin = input.origin;
    await toMembers(this.ctx.bus, a, 'message.created', (u) => ({
      tenantId,
      userId: u,
      conversationId,
      message: details,
      origin,
    }));
    return details;
  }
}

import type { CoreContext } from '../context.js';
import { conflict, forbidden, invalid, notFound, ParleyError } from '../errors.js';
import type { TrustLevel } from '../federation/model.js';
import { type AttachmentOptions, AttachmentService } from './attachments.js';
import { type Access, type Caller, ConversationService } from './conversations.js';
import { messageDetails } from './details.js';
import { toMembers } from './events.js';
import { ExternalChats } from './external.js';
import {
  type Message,
  type MessageChange,
  type MessageDetails,
  type MessageOrigin,
  type NewMessage,
  pairKey,
} from './model.js';
import type { RateLimitOptions } from './rate-limit.js';
import { MessageSender } from './send.js';

/** How far back the last cursor of `changes` reaches: longer than any commit takes. */
export const CHANGES_OVERLAP_MS = 30_000;

export interface MessagingOptions {
  maxMessageLength: number;
  attachments: AttachmentOptions;
  /** Messages per user: a token bucket on each node. */
  rateLimit: RateLimitOptions;
}

/**
 * Instant messaging: sending (idempotent per client key, acknowledged after commit), history,
 * edits, tombstones, reactions, receipts, typing and search. Every event goes to each current
 * member separately (`userId` is the recipient).
 */
export class MessagingService {
  readonly conversations: ConversationService;
  readonly attachments: AttachmentService;
  /** 1:1s with users of other servers. */
  readonly external: ExternalChats;
  /** Sending, with the per-node views of the conversations sent in (`send-views.ts`). */
  readonly sender: MessageSender;

  constructor(
    private readonly ctx: CoreContext,
    readonly options: MessagingOptions,
    /** A key every node derives alike for `purpose` (the auth service's `clusterKey`). */
    clusterKey: (purpose: string) => Promise<Buffer>,
    trustOf: (tenantId: string, domain: string) => Promise<TrustLevel>,
  ) {
    this.external = new ExternalChats(ctx, this, trustOf);
    this.conversations = new ConversationService(ctx, (tenantId, address) => this.external.address(tenantId, address));
    this.attachments = new AttachmentService(ctx, this.conversations, options.attachments, () =>
      clusterKey('file-links'),
    );
    this.sender = new MessageSender(ctx, options.rateLimit, (text, allowEmpty) => this.checkText(text, allowEmpty));
  }

  checkText(text: string, allowEmpty: boolean) {
    if (text.length > this.options.maxMessageLength) {
      throw new ParleyError(
        'PARLEY_ERR_BODY_TOO_LARGE',
        `text is ${text.length} characters; at most ${this.options.maxMessageLength} are allowed`,
        [{ path: 'body.text', message: `at most ${this.options.maxMessageLength} characters` }],
      );
    }
    if (!allowEmpty && text.trim().length === 0) throw invalid('body.text', 'must not be empty');
  }

  private async details(tenantId: string, messages: Message[]) {
    return messageDetails(this.ctx.store.repos, tenantId, messages);
  }

  private readonly one = async (tenantId: string, m: Message) =>
    (await this.details(tenantId, [m]))[0] as MessageDetails;

  /**
   * A new message from the caller (theirs as `externalSender` for a group's member of another server), or
   * (`party`, a bare JID) from the external party of the caller's 1:1 with a user of another server (`external.ts`).
   */
  async send(caller: Caller, conversationId: string, input: NewMessage, party?: string): Promise<MessageDetails> {
    return this.sender.send(caller, conversationId, input, party);
  }

  /**
   * The caller's access to a conversation as this node keeps it for sending (`SendViews`): a
   * membership change on any node drops it. For rendering what a member is told of it, where
   * `conversations.access` would read it again for each event.
   */
  async view(caller: Caller, conversationId: string): Promise<Access> {
    return this.sender.views.access(caller, conversationId);
  }

  async history(
    caller: Caller,
    conversationId: string,
    q: {
      before?: number | undefined;
      after?: number | undefined;
      /** Only messages created in this time range (ms, inclusive). */
      start?: number | undefined;
      end?: number | undefined;
      limit: number;
    },
  ): Promise<{ messages: MessageDetails[]; hasMore: boolean }> {
    await this.conversations.access(caller, conversationId);
    const page = await this.ctx.store.repos.messages.history(caller.tenantId, conversationId, {
      ...(q.before !== undefined && { before: q.before }),
      ...(q.after !== undefined && { after: q.after }),
      ...(q.start !== undefined && { start: q.start }),
      ...(q.end !== undefined && { end: q.end }),
      limit: q.limit + 1,
    });
    const hasMore = page.length > q.limit;
    return { messages: await this.details(caller.tenantId, page.slice(0, q.limit)), hasMore };
  }

  /**
   * A message of the conversation named by its id, or by the client key one of `senders` gave it
   * (XMPP clients name messages by the stanza id they sent).
   */
  async find(caller: Caller, conversationId: string, ref: string, senders: string[]): Promise<MessageDetails> {
    await this.conversations.access(caller, conversationId);
    const repos = this.ctx.store.repos;
    for (const senderId of senders) {
      const m = await repos.messages.byClientId(caller.tenantId, conversationId, senderId, ref);
      if (m) return this.one(caller.tenantId, m);
    }
    const m = await repos.messages.get(caller.tenantId, ref);
    if (!m || m.conversationId !== conversationId) throw notFound('message');
    return this.one(caller.tenantId, m);
  }

  /**
   * A page of the caller's archive of 1:1s (XEP-0313), oldest first: all of them or the one with
   * `withUser`, between `start` and `end`, after or before a message of it (`before: null`: the
   * newest page). `complete` says whether the page reaches the end it moves towards.
   */
  async archive(
    caller: Caller,
    q: {
      withUser?: string | undefined;
      start?: number | undefined;
      end?: number | undefined;
      after?: string | undefined;
      before?: string | null | undefined;
      limit: number;
    },
  ): Promise<{ messages: MessageDetails[]; complete: boolean }> {
    const point = async (id: string) => {
      const m = await this.ctx.store.repos.messages.get(caller.tenantId, id);
      if (!m) throw notFound('message');
      await this.conversations.access(caller, m.conversationId).catch(() => {
        throw notFound('message');
      });
      return { at: m.createdAt, id: m.id };
    };
    const newest = q.before !== undefined;
    const rows = await this.ctx.store.repos.messages.archive(caller.tenantId, caller.userId, {
      ...(q.withUser !== undefined && { pairKey: pairKey(caller.userId, q.withUser) }),
      ...(q.start !== undefined && { start: q.start }),
      ...(q.end !== undefined && { end: q.end }),
      ...(q.after !== undefined && { after: await point(q.after) }),
      ...(typeof q.before === 'string' && { before: await point(q.before) }),
      newest,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    if (newest) page.reverse();
    return { messages: await this.details(caller.tenantId, page), complete: rows.length <= q.limit };
  }

  /** The message and who acts on it: the caller, or (`from`) their 1:1's external party. */
  private async target(caller: Caller, conversationId: string, messageId: string, from?: string) {
    const a = await this.conversations.access(caller, conversationId);
    if (from !== undefined && from !== a.conversation.external) throw forbidden('not a party of this conversation');
    const m = await this.ctx.store.repos.messages.get(caller.tenantId, messageId);
    if (!m || m.conversationId !== conversationId) throw notFound('message');
    return { a, m, by: from ?? caller.userId };
  }

  /** One message of a conversation the caller is a member of (e.g. where a page of history starts). */
  async message(caller: Caller, conversationId: string, messageId: string): Promise<MessageDetails> {
    const { m } = await this.target(caller, conversationId, messageId);
    return this.one(caller.tenantId, m);
  }

  private async changed(a: Access, messageId: string, change: MessageChange, by: string, origin?: MessageOrigin) {
    const { tenantId, id: conversationId } = a.conversation;
    const message = await this.one(tenantId, (await this.ctx.store.repos.messages.get(tenantId, messageId)) as Message);
    const event = { tenantId, conversationId, message, change, by, origin };
    await toMembers(this.ctx.bus, a, 'message.updated', (userId) => ({ ...event, userId }));
    return message;
  }

  async edit(
    caller: Caller,
    conversationId: string,
    messageId: string,
    text: string,
    from?: string,
    origin?: MessageOrigin,
  ): Promise<MessageDetails> {
    const { a, m, by } = await this.target(caller, conversationId, messageId, from);
    if (m.senderId !== by) throw forbidden('you can edit only your own messages');
    if (m.deletedAt !== null) throw conflict('the message was deleted');
    this.checkText(text, false);
    await this.ctx.store.repos.messages.edit(caller.tenantId, messageId, text, this.ctx.clock.now());
    return this.changed(a, messageId, 'edited', by, origin);
  }

  async remove(caller: Caller, conversationId: string, messageId: string, from?: string, origin?: MessageOrigin) {
    const { a, m, by } = await this.target(caller, conversationId, messageId, from);
    const moderator = a.conversation.kind === 'group' && a.member.role !== 'member' && from === undefined;
    if (m.senderId !== by && !moderator) throw forbidden('you can delete only your own messages');
    if (m.deletedAt !== null) return this.one(caller.tenantId, m);
    const files = await this.ctx.store.transaction((r) =>
      r.messages.tombstone(caller.tenantId, messageId, this.ctx.clock.now()),
    );
    // The rows went with the commit (downloads answer 404 from now on); the files follow.
    if (files) await this.attachments.removeFiles(caller.tenantId, files);
    return this.changed(a, messageId, 'deleted', by, origin);
  }

  async react(
    caller: Caller,
    conversationId: string,
    messageId: string,
    emoji: string,
    on: boolean,
    from?: string,
    origin?: MessageOrigin,
  ): Promise<MessageDetails> {
    const { a, m, by } = await this.target(caller, conversationId, messageId, from);
    if (/\s/.test(emoji)) throw invalid('params.emoji', 'must not contain spaces');
    if (m.deletedAt !== null) throw conflict('the message was deleted');
    const now = this.ctx.clock.now();
    const changed = await this.ctx.store.transaction(async (r) => {
      const done = on
        ? await r.messages.react(caller.tenantId, { messageId, userId: by, emoji, createdAt: now })
        : await r.messages.unreact(caller.tenantId, messageId, by, emoji);
      if (done) await r.messages.touch(caller.tenantId, messageId, now);
      return done;
    });
    return changed ? this.changed(a, messageId, 'reacted', by, origin) : this.one(caller.tenantId, m);
  }

  /** Moves the caller's receipts forward (at most to the newest message) and tells the members. */
  async receipt(
    caller: Caller,
    conversationId: string,
    r: { deliveredSeq?: number | undefined; readSeq?: number | undefined },
  ): Promise<{ deliveredSeq: number; readSeq: number }> {
    const a = await this.conversations.access(caller, conversationId);
    const last = a.conversation.lastSeq;
    const clamp = (n: number | undefined) => (n === undefined ? undefined : Math.min(n, last));
    const next = clamp(r.deliveredSeq);
    const read = clamp(r.readSeq);
    const stored = (await this.ctx.store.repos.conversations.setReceipt(
      caller.tenantId,
      conversationId,
      caller.userId,
      {
        ...(next !== undefined && { deliveredSeq: next }),
        ...(read !== undefined && { readSeq: read }),
      },
    )) as { deliveredSeq: number; readSeq: number };
    if (stored.deliveredSeq !== a.member.deliveredSeq || stored.readSeq !== a.member.readSeq) {
      await toMembers(this.ctx.bus, a, 'message.receipt', (userId) => ({
        tenantId: caller.tenantId,
        userId,
        conversationId,
        memberId: caller.userId,
        member: a.member.address,
        ...stored,
      }));
    }
    return stored;
  }

  /** Typing goes to the other current members (nothing is stored); with another server's user, to the caller's adapters. */
  async typing(caller: Caller, conversationId: string, typing: boolean): Promise<void> {
    const a = await this.conversations.access(caller, conversationId);
    await toMembers(
      this.ctx.bus,
      a,
      'message.typing',
      (userId) => ({
        tenantId: caller.tenantId,
        userId,
        conversationId,
        memberId: caller.userId,
        member: a.member.address,
        typing,
      }),
      a.conversation.external === null ? caller.userId : undefined,
    );
  }

  /**
   * Messages of the caller's conversations changed (edited, deleted, reacted to) since a cursor of
   * an earlier answer, oldest change first. The last page's cursor lies `CHANGES_OVERLAP_MS` in
   * the past, so a change whose transaction committed late (or on a node with a slightly
   * different clock) is still found next time; clients merge by id. Without `since`: only a
   * cursor, the starting point for a client that has just loaded its messages.
   */
  async changes(
    caller: Caller,
    since: string | undefined,
    limit: number,
  ): Promise<{ messages: MessageDetails[]; hasMore: boolean; cursor: string }> {
    const fresh = String(Math.max(0, this.ctx.clock.now() - CHANGES_OVERLAP_MS));
    if (since === undefined) return { messages: [], hasMore: false, cursor: fresh };
    const [at = '0', id = ''] = since.split('.');
    const rows = await this.ctx.store.repos.messages.changes(
      caller.tenantId,
      caller.userId,
      { at: Number(at), id },
      limit + 1,
    );
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      messages: await this.details(
        caller.tenantId,
        page.map((r) => r.message),
      ),
      hasMore,
      cursor: hasMore && last ? `${last.changedAt}.${last.message.id}` : fresh,
    };
  }

  /** Full-text search in the caller's current conversations. */
  async search(caller: Caller, q: string, limit: number): Promise<MessageDetails[]> {
    await this.sender.indexPending();
    const found = await this.ctx.store.repos.messages.search(caller.tenantId, caller.userId, q, limit);
    return this.details(caller.tenantId, found);
  }
}

import type { AttachmentInfo, ClientEvent, Conversation, ConversationInfo, Message, User } from '@parley/api';
import { navigate, paths } from '../../app/router';
import { i18nFor, langStore } from '../../i18n';
import { ParleyApiError, type ParleyClient } from '../../lib/api';
import { backoffDelay } from '../../lib/backoff';
import { randomId } from '../../lib/ids';
import { Store } from '../../lib/store';
import { conversationName, messagePreview } from './names';
import { notify } from './notifications';
import { contiguousEnd, merge, replace } from './sequence';

export interface PendingMessage {
  clientId: string;
  text: string;
  /**
   * `sending` on its way (or next in line); `waiting` for the server, which could not be reached:
   * it goes by itself once the connection is back; `failed` refused by the server (Retry/Discard).
   */
  status: 'sending' | 'waiting' | 'failed';
  createdAt: string;
  replyTo: string | null;
  attachments: readonly AttachmentInfo[];
}

export interface SendOptions {
  replyTo?: string | null;
  attachments?: readonly AttachmentInfo[];
  clientId?: string;
}

export interface SearchView {
  q: string;
  status: 'idle' | 'searching' | 'done' | 'failed';
  results: readonly Message[];
}

/** The loaded part of one conversation's history, oldest first. */
export interface Thread {
  messages: readonly Message[];
  /** Older messages exist on the server. */
  hasOlder: boolean;
  loadingOlder: boolean;
  loaded: boolean;
  pending: readonly PendingMessage[];
}

export interface ChatView {
  loaded: boolean;
  conversations: Readonly<Record<string, Conversation>>;
  /** Conversation ids, most recently active first. */
  order: readonly string[];
  threads: Readonly<Record<string, Thread>>;
  /** Conversation id → addresses typing there → until when (epoch ms). */
  typing: Readonly<Record<string, Readonly<Record<string, number>>>>;
  missing: readonly string[];
  /** A message to scroll to and highlight (a search result, a quoted message). */
  jump: { conversationId: string; seq: number } | null;
  search: SearchView;
}

const PAGE = 50;
/** Pages while walking back to a message far up in the history. */
const JUMP_PAGE = 200;
const CATCH_UP_PAGE = 200;
/** A catch-up that fails is tried this many times in all, 0.5 s, 1 s, 2 s … apart. */
const CATCH_UP_ATTEMPTS = 5;
const catchUpBackoff = { baseMs: 500, maxMs: 8000 };
const TYPING_MS = 6000;
/** Messages waiting for the server are tried again this far apart (and at once on reconnect). */
const resendBackoff = { baseMs: 1000, maxMs: 30_000 };

/** A message in the outbox; `settle` tells its sender how it went (once: sent or waiting, or refused). */
interface Outgoing {
  conversationId: string;
  clientId: string;
  settle: ((refused?: unknown) => void) | null;
}

/**
 * Whether a failed request never got to the app (the server away, restarting or behind a proxy
 * that cannot reach it): worth sending again as it is, unlike a refusal.
 */
const unreachable = (err: unknown): boolean =>
  !(err instanceof ParleyApiError) || err.status === 502 || err.status === 503 || err.status === 504;

const emptyThread: Thread = { messages: [], hasOlder: false, loadingOlder: false, loaded: false, pending: [] };

const byActivity = (conversations: Record<string, Conversation>) =>
  Object.values(conversations)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id))
    .map((c) => c.id);

/**
 * Conversations and their histories. Live events and HTTP answers meet here and are merged by
 * sequence number, so a message that arrives twice (event and catch-up) shows once.
 */
export class ChatStore {
  readonly state = new Store<ChatView>({
    loaded: false,
    conversations: {},
    order: [],
    threads: {},
    typing: {},
    missing: [],
    jump: null,
    search: { q: '', status: 'idle', results: [] },
  });
  /** The conversation on screen: its new messages count as read while the page is visible. */
  private active: string | null = null;
  private readonly catchingUp = new Map<string, Promise<void>>();
  private readonly deliveredDue = new Map<string, number>();
  /** When each conversation was last put (a count of puts), so a list fetched before keeps it. */
  private readonly putAt = new Map<string, number>();
  private puts = 0;
  private deliveredTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly older = new Map<string, Promise<void>>();
  /** Where the last catch-up of edits, deletions and reactions ended (`messages.changes`). */
  private changesCursor: string | null = null;
  private searchSeq = 0;
  /** Messages not yet on the server, in the order they were written; sent one at a time, in that order. */
  private readonly outbox: Outgoing[] = [];
  private draining = false;
  /** The server could not be reached: the outbox waits for the connection, or for `resendTimer`. */
  private waiting = false;
  private resendTimer: ReturnType<typeof setTimeout> | undefined;
  private resendAttempts = 0;

  constructor(
    private readonly api: () => ParleyClient,
    private readonly me: () => User,
    private readonly onMembers: (members: ConversationInfo['members']) => void,
  ) {}

  /** The page became visible again: what is on screen now counts as read. */
  visible(): void {
    if (this.active && document.visibilityState === 'visible') this.markRead(this.active);
  }

  /** The conversation list (again after a reconnect: unread counts and order may have changed). */
  async load(): Promise<void> {
    // The starting point for catching up on changes comes before anything is loaded, so no change
    // falls between the two.
    if (this.changesCursor === null) {
      try {
        this.changesCursor = (await this.api().request('messages.changes', { query: {} })).cursor;
      } catch {
        // offline: the list below fails too, and the next load takes the cursor
      }
    }
    const asked = this.puts;
    const { conversations } = await this.api().request('conversations.list', { query: { limit: 500 } });
    const map: Record<string, Conversation> = Object.fromEntries(conversations.map((c) => [c.id, c]));
    this.state.update((s) => {
      // A conversation an event brought while the list was on its way keeps that newer state
      // (the list may predate it: a new conversation would vanish, its message count no more).
      for (const [id, c] of Object.entries(s.conversations)) {
        const listed = map[id];
        if ((this.putAt.get(id) ?? 0) > asked && (!listed || c.lastSeq >= listed.lastSeq)) map[id] = c;
      }
      return { ...s, loaded: true, conversations: map, order: byActivity(map) };
    });
    this.onMembers(conversations.flatMap((c) => c.members));
    // What arrived while this client was away has reached it now.
    const me = this.me().id;
    for (const c of Object.values(map))
      if (c.deliveredSeq < c.lastSeq && c.lastMessage && c.lastMessage.senderId !== me)
        this.markDelivered(c.id, c.lastSeq);
  }

  private put(c: Conversation) {
    this.putAt.set(c.id, ++this.puts);
    this.state.update((s) => {
      const conversations = { ...s.conversations, [c.id]: c };
      return { ...s, conversations, order: byActivity(conversations) };
    });
    this.onMembers(c.members);
  }

  private patchConversation(id: string, fn: (c: Conversation) => Conversation) {
    const c = this.state.get().conversations[id];
    if (c) this.put(fn(c));
  }

  private patchThread(id: string, fn: (t: Thread) => Thread) {
    this.state.update((s) => ({ ...s, threads: { ...s.threads, [id]: fn(s.threads[id] ?? emptyThread) } }));
  }

  private async ensureConversation(id: string): Promise<Conversation | null> {
    const known = this.state.get().conversations[id];
    if (known) return known;
    try {
      const c = await this.api().request('conversations.get', { params: { id } });
      this.put(c);
      return c;
    } catch (err) {
      if (err instanceof ParleyApiError && (err.status === 404 || err.status === 403)) {
        this.state.update((s) => ({ ...s, missing: [...s.missing, id] }));
        return null;
      }
      throw err;
    }
  }

  /** Shows a conversation: loads its newest page once, marks it read. */
  async open(id: string): Promise<void> {
    this.active = id;
    const c = await this.ensureConversation(id);
    if (!c) return;
    if (!this.state.get().threads[id]?.loaded) {
      const page = await this.api().request('messages.list', { params: { id }, query: { limit: PAGE } });
      this.patchThread(id, (t) => ({
        ...t,
        loaded: true,
        hasOlder: page.hasMore,
        messages: merge(t.messages, page.messages),
      }));
    }
    if (this.active === id) this.markRead(id);
  }

  close(id: string): void {
    if (this.active === id) this.active = null;
  }

  /** The next older page (infinite scroll upwards); a page already on its way is awaited. */
  loadOlder(id: string, limit = PAGE): Promise<void> {
    const running = this.older.get(id);
    if (running) return running;
    const run = this.fetchOlder(id, limit).finally(() => this.older.delete(id));
    this.older.set(id, run);
    return run;
  }

  private async fetchOlder(id: string, limit: number): Promise<void> {
    const t = this.state.get().threads[id];
    const oldest = t?.messages[0];
    if (!t?.loaded || !t.hasOlder || !oldest) return;
    this.patchThread(id, (x) => ({ ...x, loadingOlder: true }));
    try {
      const page = await this.api().request('messages.list', {
        params: { id },
        query: { before: oldest.seq, limit },
      });
      this.patchThread(id, (x) => ({
        ...x,
        loadingOlder: false,
        hasOlder: page.hasMore,
        messages: merge(x.messages, page.messages),
      }));
    } catch {
      this.patchThread(id, (x) => ({ ...x, loadingOlder: false }));
    }
  }

  /**
   * Sends a message: it shows at once as pending and joins the outbox, whose messages go one after
   * another in the order they were written. Without a server it waits and goes by itself once the
   * connection is back, with the same client id (the server keeps a message once per client id).
   * Resolves once it is sent or waiting; rejects with the server's refusal (it stays, failed).
   */
  send(id: string, text: string, options: SendOptions = {}): Promise<void> {
    const clientId = options.clientId ?? randomId();
    const replyTo = options.replyTo ?? null;
    const attachments = options.attachments ?? [];
    const createdAt = new Date().toISOString();
    const status = this.waiting ? 'waiting' : 'sending';
    const pending: PendingMessage = { clientId, text, status, createdAt, replyTo, attachments };
    this.patchThread(id, (t) => ({
      ...t,
      pending: [...t.pending.filter((p) => p.clientId !== clientId), pending],
    }));
    return new Promise<void>((resolve, reject) => {
      const settle = (refused?: unknown) => (refused === undefined ? resolve() : reject(refused));
      this.outbox.push({ conversationId: id, clientId, settle: this.waiting ? null : settle });
      if (this.waiting) resolve();
      else void this.drain();
    });
  }

  /** The messages of the outbox, one at a time, until it is empty or the server cannot be reached. */
  private async drain(): Promise<void> {
    if (this.draining || this.waiting) return;
    this.draining = true;
    try {
      for (let next = this.outbox[0]; next; next = this.outbox[0]) {
        const p = this.pendingOf(next);
        if (!p) {
          // Discarded, or on the server already (an event or a catch-up brought it).
          this.leaveOutbox(next);
          continue;
        }
        this.setStatus(next, 'sending');
        try {
          const m = await this.api().request('messages.send', {
            params: { id: next.conversationId },
            body: {
              text: p.text,
              clientId: p.clientId,
              ...(p.replyTo && { replyTo: p.replyTo }),
              ...(p.attachments.length > 0 && { attachments: p.attachments.map((a) => a.id) }),
            },
          });
          this.resendAttempts = 0;
          this.received(next.conversationId, m);
          this.leaveOutbox(next);
        } catch (err) {
          if (unreachable(err)) return this.waitForServer();
          this.setStatus(next, 'failed');
          this.leaveOutbox(next, err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private pendingOf(o: Outgoing): PendingMessage | undefined {
    return this.state.get().threads[o.conversationId]?.pending.find((p) => p.clientId === o.clientId);
  }

  private setStatus(o: Outgoing, status: PendingMessage['status']) {
    if (this.pendingOf(o)?.status === status) return;
    this.patchThread(o.conversationId, (t) => ({
      ...t,
      pending: t.pending.map((p) => (p.clientId === o.clientId ? { ...p, status } : p)),
    }));
  }

  private leaveOutbox(o: Outgoing, refused?: unknown) {
    const at = this.outbox.indexOf(o);
    if (at >= 0) this.outbox.splice(at, 1);
    o.settle?.(refused);
  }

  /** The server could not be reached: every message of the outbox waits, and is tried again later. */
  private waitForServer() {
    this.waiting = true;
    for (const o of this.outbox) {
      this.setStatus(o, 'waiting');
      o.settle?.();
      o.settle = null;
    }
    clearTimeout(this.resendTimer);
    this.resendTimer = setTimeout(() => this.resend(), backoffDelay(this.resendAttempts++, resendBackoff));
  }

  /** The connection is back (or it is time to try again): the waiting messages go, in order. */
  resend(): void {
    clearTimeout(this.resendTimer);
    this.waiting = false;
    void this.drain();
  }

  /** Sends a failed message again with the same idempotency key (never twice on the server). */
  retry(id: string, clientId: string): Promise<void> {
    const p = this.state.get().threads[id]?.pending.find((x) => x.clientId === clientId);
    return p ? this.send(id, p.text, { clientId, replyTo: p.replyTo, attachments: p.attachments }) : Promise.resolve();
  }

  /** Drops a message that failed to send, or one still waiting for the server. */
  discard(id: string, clientId: string): void {
    this.patchThread(id, (t) => ({ ...t, pending: t.pending.filter((p) => p.clientId !== clientId) }));
  }

  async edit(id: string, messageId: string, text: string): Promise<void> {
    this.changed(await this.api().request('messages.edit', { params: { id, messageId }, body: { text } }));
  }

  async deleteMessage(id: string, messageId: string): Promise<void> {
    this.changed(await this.api().request('messages.delete', { params: { id, messageId } }));
  }

  /** Adds (or takes back) the user's reaction. */
  async react(id: string, messageId: string, emoji: string, on: boolean): Promise<void> {
    const params = { id, messageId, emoji };
    this.changed(await this.api().request(on ? 'messages.react' : 'messages.unreact', { params }));
  }

  /** Starts a group with a title and members (addresses). */
  async createGroup(name: string, members: readonly string[]): Promise<string> {
    const c = await this.api().request('conversations.create', {
      body: { name, members: [...members], kind: 'group' },
    });
    this.put(c);
    return c.id;
  }

  async addMembers(id: string, members: readonly string[]): Promise<void> {
    this.put(
      await this.api().request('conversations.members.add', { params: { id }, body: { members: [...members] } }),
    );
  }

  async leave(id: string): Promise<void> {
    await this.api().request('conversations.leave', { params: { id } });
    this.remove(id);
  }

  /** Full-text search in the user's conversations; a newer search makes an older answer moot. */
  async search(q: string): Promise<void> {
    const seq = ++this.searchSeq;
    const query = q.trim();
    if (!query) {
      this.state.update((s) => ({ ...s, search: { q: '', status: 'idle', results: [] } }));
      return;
    }
    this.state.update((s) => ({ ...s, search: { q: query, status: 'searching', results: s.search.results } }));
    try {
      const { messages } = await this.api().request('messages.search', { query: { q: query, limit: 50 } });
      if (seq !== this.searchSeq) return;
      for (const m of messages) void this.ensureConversation(m.conversationId).catch(() => undefined);
      this.state.update((s) => ({ ...s, search: { q: query, status: 'done', results: messages } }));
    } catch {
      if (seq === this.searchSeq)
        this.state.update((s) => ({ ...s, search: { q: query, status: 'failed', results: [] } }));
    }
  }

  /**
   * Shows a message of a conversation: loads the history back to it (pages stay contiguous, so
   * the view never has a hole) and asks the view to scroll there.
   */
  async jumpTo(id: string, seq: number): Promise<void> {
    this.state.update((s) => ({ ...s, jump: { conversationId: id, seq } }));
    try {
      await this.open(id);
      for (;;) {
        const t = this.state.get().threads[id];
        const oldest = t?.messages[0]?.seq;
        if (!t?.loaded || !t.hasOlder || oldest === undefined || oldest <= seq) break;
        await this.loadOlder(id, JUMP_PAGE);
        if (this.state.get().threads[id]?.messages[0]?.seq === oldest) break; // no progress (offline)
      }
    } finally {
      // Not reachable (offline, gone): the view goes on as usual.
      if (!this.state.get().threads[id]?.messages.some((m) => m.seq === seq)) this.jumped();
    }
  }

  /** The view has shown the message it was asked to. */
  jumped(): void {
    if (this.state.get().jump) this.state.update((s) => ({ ...s, jump: null }));
  }

  /** Opens (or creates) the 1:1 with a colleague. */
  async direct(address: string): Promise<string> {
    const c = await this.api().request('conversations.create', { body: { members: [address] } });
    this.put(c);
    return c.id;
  }

  typing(id: string, typing: boolean): void {
    void this.api()
      .request('conversations.typing', { params: { id }, body: { typing } })
      .catch(() => undefined);
  }

  /**
   * Everything newer than what is loaded, for every loaded conversation (after a reconnect). A
   * request that fails (a server still starting, a stale connection) is retried with backoff a
   * few times; otherwise nothing would come until the next reconnect.
   */
  async catchUp(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.catchUpOnce();
      } catch (err) {
        if (attempt >= CATCH_UP_ATTEMPTS - 1) throw err;
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, catchUpBackoff)));
      }
    }
  }

  private async catchUpOnce(): Promise<void> {
    await this.load();
    const { threads } = this.state.get();
    await Promise.all([
      ...Object.keys(threads).map((id) => this.catchUpThread(id)),
      // Offline again: the next reconnect goes on from the same cursor.
      this.catchUpChanges().catch(() => undefined),
    ]);
    const active = this.active;
    if (active && !this.state.get().threads[active]?.loaded) await this.open(active);
    else if (active) this.markRead(active);
  }

  /** Edits, deletions and reactions of older messages made while this client was away. */
  private async catchUpChanges(): Promise<void> {
    for (let since = this.changesCursor; since !== null; ) {
      const page = await this.api().request('messages.changes', { query: { since, limit: 200 } });
      this.changesCursor = page.cursor;
      for (const m of page.messages) this.changed(m);
      since = page.hasMore ? page.cursor : null;
    }
  }

  private catchUpThread(id: string): Promise<void> {
    const running = this.catchingUp.get(id);
    if (running) return running;
    const run = (async () => {
      try {
        for (;;) {
          const t = this.state.get().threads[id];
          if (!t?.loaded) return;
          // From the first hole on (a lost event), else from the newest message held.
          const after = contiguousEnd(t.messages);
          const page = await this.api().request('messages.list', {
            params: { id },
            query: { after, limit: CATCH_UP_PAGE },
          });
          this.patchThread(id, (x) => ({ ...x, messages: merge(x.messages, page.messages) }));
          this.dropPending(id, page.messages);
          if (!page.hasMore || page.messages.length === 0) return;
        }
      } finally {
        this.catchingUp.delete(id);
      }
    })();
    this.catchingUp.set(id, run);
    return run;
  }

  private dropPending(id: string, messages: readonly Message[]) {
    const mine = this.me().id;
    const sent = new Set(messages.filter((m) => m.senderId === mine).map((m) => m.clientId));
    if (sent.size === 0) return;
    this.patchThread(id, (t) => ({ ...t, pending: t.pending.filter((p) => !sent.has(p.clientId)) }));
  }

  /** Reports the newest message as read (only while the page is visible). */
  markRead(id: string): void {
    const c = this.state.get().conversations[id];
    if (!c || document.visibilityState !== 'visible') return;
    if (c.readSeq >= c.lastSeq && c.unread === 0) return;
    const seq = c.lastSeq;
    this.put({ ...c, readSeq: Math.max(c.readSeq, seq), deliveredSeq: Math.max(c.deliveredSeq, seq), unread: 0 });
    void this.api()
      .request('conversations.receipts', { params: { id }, body: { deliveredSeq: seq, readSeq: seq } })
      .catch(() => undefined);
  }

  private markDelivered(id: string, seq: number) {
    this.deliveredDue.set(id, Math.max(seq, this.deliveredDue.get(id) ?? 0));
    clearTimeout(this.deliveredTimer);
    this.deliveredTimer = setTimeout(() => {
      for (const [cid, s] of this.deliveredDue) {
        const c = this.state.get().conversations[cid];
        if (c && c.deliveredSeq >= s) continue;
        void this.api()
          .request('conversations.receipts', { params: { id: cid }, body: { deliveredSeq: s } })
          .catch(() => undefined);
      }
      this.deliveredDue.clear();
    }, 150);
  }

  /** A message from the API or an event. */
  private received(id: string, m: Message) {
    const me = this.me().id;
    const c = this.state.get().conversations[id];
    if (c) {
      const fromMe = m.senderId === me;
      const isNew = m.seq > c.lastSeq;
      this.put({
        ...c,
        lastSeq: Math.max(c.lastSeq, m.seq),
        lastMessage: !c.lastMessage || m.seq >= c.lastMessage.seq ? m : c.lastMessage,
        updatedAt: isNew && m.createdAt > c.updatedAt ? m.createdAt : c.updatedAt,
        readSeq: fromMe ? Math.max(c.readSeq, m.seq) : c.readSeq,
        unread: !fromMe && isNew && m.seq > c.readSeq ? c.unread + 1 : c.unread,
      });
      if (!fromMe && isNew) {
        if (this.active === id && document.visibilityState === 'visible') this.markRead(id);
        else this.markDelivered(id, m.seq);
      }
      // A hole before this message (an event lost on the way): the server has the right counts.
      if (m.seq > c.lastSeq + 1) void this.refresh(id);
    }
    const t = this.state.get().threads[id];
    if (!t?.loaded) return;
    const last = t.messages.at(-1)?.seq ?? 0;
    this.patchThread(id, (x) => ({
      ...x,
      messages: merge(x.messages, [m]),
      pending: x.pending.filter((p) => !(m.senderId === me && p.clientId === m.clientId)),
    }));
    // A hole in the sequence is a message whose event never came: fetch it from the store.
    // (If that fails, the next message or reconnect tries again.)
    if (m.seq > last + 1) void this.catchUpThread(id).catch(() => undefined);
  }

  /** A newer state of a message (edit, deletion, reaction) from an answer, an event or a catch-up. */
  private changed(m: Message) {
    const id = m.conversationId;
    if (this.state.get().threads[id]?.loaded)
      this.patchThread(id, (t) => ({ ...t, messages: replace(t.messages, [m]) }));
    const c = this.state.get().conversations[id];
    if (c?.lastMessage?.id === m.id) this.put({ ...c, lastMessage: m });
    this.state.update((s) => {
      const results = replace(s.search.results, [m]);
      return results === s.search.results ? s : { ...s, search: { ...s.search, results } };
    });
  }

  /** The conversation as the server has it now (unread count, newest message). */
  private async refresh(id: string): Promise<void> {
    try {
      this.put(await this.api().request('conversations.get', { params: { id } }));
    } catch {
      // offline, or no longer a member: the next catch-up or event settles it
    }
  }

  /** A desktop notification for a new message of someone else, unless it is on screen. */
  private alert(id: string, m: Message) {
    const me = this.me();
    const c = this.state.get().conversations[id];
    if (!c || m.senderId === me.id) return;
    if (this.active === id && document.visibilityState === 'visible') return;
    const i18n = i18nFor(langStore.get());
    const sender = c.members.find((x) => x.userId === m.senderId)?.label || m.sender;
    const title =
      c.kind === 'group' ? i18n.t('notify.inGroup', { name: sender, group: conversationName(c, me) }) : sender;
    notify(title, messagePreview(m, i18n), c.id, () => navigate(paths.chat(id)));
  }

  apply(event: ClientEvent): void {
    switch (event.type) {
      case 'message.created': {
        const id = event.conversationId;
        const known = this.state.get().conversations[id];
        const isNew = !known || event.message.seq > known.lastSeq;
        void this.ensureConversation(id).then(
          () => {
            this.received(id, event.message);
            if (isNew) this.alert(id, event.message);
          },
          () => undefined,
        );
        this.clearTyping(id, event.message.sender);
        return;
      }
      case 'message.updated': {
        this.changed(event.message);
        // An unread message deleted: it no longer counts (the server's count says so).
        const c = this.state.get().conversations[event.conversationId];
        const m = event.message;
        if (c && m.deletedAt && m.senderId !== this.me().id && m.seq > c.readSeq && c.unread > 0)
          void this.refresh(c.id);
        return;
      }
      case 'receipt': {
        const mine = event.userId === this.me().id;
        this.patchConversation(event.conversationId, (c) => ({
          ...c,
          members: c.members.map((m) =>
            m.userId === event.userId
              ? {
                  ...m,
                  deliveredSeq: Math.max(m.deliveredSeq, event.deliveredSeq),
                  readSeq: Math.max(m.readSeq, event.readSeq),
                }
              : m,
          ),
          ...(c.externalReceipt &&
            event.userId === c.external && {
              externalReceipt: {
                deliveredSeq: Math.max(c.externalReceipt.deliveredSeq, event.deliveredSeq),
                readSeq: Math.max(c.externalReceipt.readSeq, event.readSeq),
              },
            }),
          ...(mine && {
            deliveredSeq: Math.max(c.deliveredSeq, event.deliveredSeq),
            readSeq: Math.max(c.readSeq, event.readSeq),
            unread: event.readSeq >= c.lastSeq ? 0 : c.unread,
          }),
        }));
        return;
      }
      case 'typing': {
        if (event.userId === this.me().id) return;
        if (!event.typing) {
          this.clearTyping(event.conversationId, event.user);
          return;
        }
        const until = Date.now() + TYPING_MS;
        this.state.update((s) => ({
          ...s,
          typing: { ...s.typing, [event.conversationId]: { ...s.typing[event.conversationId], [event.user]: until } },
        }));
        setTimeout(() => this.expireTyping(event.conversationId, event.user), TYPING_MS + 50);
        return;
      }
      case 'conversation.updated': {
        const info = event.conversation;
        const prev = this.state.get().conversations[info.id];
        const mine = info.members.find((m) => m.userId === this.me().id);
        if (!mine) {
          this.remove(info.id);
          return;
        }
        this.put({
          ...info,
          role: mine.role,
          deliveredSeq: Math.max(prev?.deliveredSeq ?? 0, mine.deliveredSeq),
          readSeq: Math.max(prev?.readSeq ?? 0, mine.readSeq),
          unread: prev?.unread ?? 0,
          lastMessage: prev?.lastMessage ?? null,
        });
        // Newly added to a group: its unread count and newest message come from the server.
        if (!prev) void this.refresh(info.id);
        return;
      }
      case 'conversation.removed':
        this.remove(event.conversationId);
        return;
      default:
        return;
    }
  }

  private remove(id: string) {
    this.state.update((s) => {
      const { [id]: _gone, ...conversations } = s.conversations;
      return { ...s, conversations, order: byActivity(conversations) };
    });
  }

  private clearTyping(id: string, user: string) {
    const typing = this.state.get().typing[id];
    if (!typing || !(user in typing)) return;
    this.state.update((s) => {
      const { [user]: _gone, ...rest } = s.typing[id] ?? {};
      return { ...s, typing: { ...s.typing, [id]: rest } };
    });
  }

  private expireTyping(id: string, user: string) {
    const until = this.state.get().typing[id]?.[user];
    if (until !== undefined && until <= Date.now()) this.clearTyping(id, user);
  }
}

import type { ClientEvent, Conversation, ConversationInfo, Message, User } from '@parley/api';
import { ParleyApiError, type ParleyClient } from '../../lib/api';
import { randomId } from '../../lib/ids';
import { Store } from '../../lib/store';

export interface PendingMessage {
  clientId: string;
  text: string;
  failed: boolean;
  createdAt: string;
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
}

const PAGE = 50;
const CATCH_UP_PAGE = 200;
const TYPING_MS = 6000;

const emptyThread: Thread = { messages: [], hasOlder: false, loadingOlder: false, loaded: false, pending: [] };

const byActivity = (conversations: Record<string, Conversation>) =>
  Object.values(conversations)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id))
    .map((c) => c.id);

/** Merges messages by sequence (a newer copy of the same message wins), oldest first. */
function merge(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const bySeq = new Map(existing.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

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
  });
  /** The conversation on screen: its new messages count as read while the page is visible. */
  private active: string | null = null;
  private readonly catchingUp = new Map<string, Promise<void>>();
  private readonly deliveredDue = new Map<string, number>();
  private deliveredTimer: ReturnType<typeof setTimeout> | undefined;

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
    const { conversations } = await this.api().request('conversations.list', { query: { limit: 500 } });
    const map = Object.fromEntries(conversations.map((c) => [c.id, c]));
    this.state.update((s) => ({ ...s, loaded: true, conversations: map, order: byActivity(map) }));
    this.onMembers(conversations.flatMap((c) => c.members));
  }

  private put(c: Conversation) {
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

  /** The next older page (infinite scroll upwards). */
  async loadOlder(id: string): Promise<void> {
    const t = this.state.get().threads[id];
    const oldest = t?.messages[0];
    if (!t?.loaded || !t.hasOlder || t.loadingOlder || !oldest) return;
    this.patchThread(id, (x) => ({ ...x, loadingOlder: true }));
    try {
      const page = await this.api().request('messages.list', {
        params: { id },
        query: { before: oldest.seq, limit: PAGE },
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

  /** Sends a message; it shows at once as pending and stays, marked failed, if sending fails. */
  async send(id: string, text: string, clientId = randomId()): Promise<void> {
    const createdAt = new Date().toISOString();
    this.patchThread(id, (t) => ({
      ...t,
      pending: [...t.pending.filter((p) => p.clientId !== clientId), { clientId, text, failed: false, createdAt }],
    }));
    try {
      const m = await this.api().request('messages.send', { params: { id }, body: { text, clientId } });
      this.received(id, m);
    } catch (err) {
      this.patchThread(id, (t) => ({
        ...t,
        pending: t.pending.map((p) => (p.clientId === clientId ? { ...p, failed: true } : p)),
      }));
      throw err;
    }
  }

  /** Sends a failed message again with the same idempotency key (never twice on the server). */
  retry(id: string, clientId: string): Promise<void> {
    const p = this.state.get().threads[id]?.pending.find((x) => x.clientId === clientId);
    return p ? this.send(id, p.text, clientId) : Promise.resolve();
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

  /** Everything newer than what is loaded, for every loaded conversation (after a reconnect). */
  async catchUp(): Promise<void> {
    await this.load();
    const { threads } = this.state.get();
    await Promise.all(Object.keys(threads).map((id) => this.catchUpThread(id)));
    const active = this.active;
    if (active && !this.state.get().threads[active]?.loaded) await this.open(active);
    else if (active) this.markRead(active);
  }

  private catchUpThread(id: string): Promise<void> {
    const running = this.catchingUp.get(id);
    if (running) return running;
    const run = (async () => {
      try {
        for (;;) {
          const t = this.state.get().threads[id];
          if (!t?.loaded) return;
          const after = t.messages.at(-1)?.seq ?? 0;
          const page = await this.api().request('messages.list', {
            params: { id },
            query: { after, limit: CATCH_UP_PAGE },
          });
          this.patchThread(id, (x) => ({ ...x, messages: merge(x.messages, page.messages) }));
          this.dropPending(id, page.messages);
          if (!page.hasMore || page.messages.length === 0) return;
        }
      } catch {
        // offline again: the next reconnect catches up
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
        updatedAt: isNew && m.createdAt > c.updatedAt ? m.createdAt : c.updatedAt,
        readSeq: fromMe ? Math.max(c.readSeq, m.seq) : c.readSeq,
        unread: !fromMe && isNew && m.seq > c.readSeq ? c.unread + 1 : c.unread,
      });
      if (!fromMe && isNew) {
        if (this.active === id && document.visibilityState === 'visible') this.markRead(id);
        else this.markDelivered(id, m.seq);
      }
    }
    const t = this.state.get().threads[id];
    if (!t?.loaded) return;
    const last = t.messages.at(-1)?.seq ?? 0;
    this.patchThread(id, (x) => ({
      ...x,
      messages: merge(x.messages, [m]),
      pending: x.pending.filter((p) => !(m.senderId === me && p.clientId === m.clientId)),
    }));
    if (m.seq > last + 1) void this.catchUpThread(id);
  }

  apply(event: ClientEvent): void {
    switch (event.type) {
      case 'message.created':
        void this.ensureConversation(event.conversationId).then(
          () => this.received(event.conversationId, event.message),
          () => undefined,
        );
        this.clearTyping(event.conversationId, event.message.sender);
        return;
      case 'message.updated':
        if (this.state.get().threads[event.conversationId]?.loaded)
          this.patchThread(event.conversationId, (t) => ({ ...t, messages: merge(t.messages, [event.message]) }));
        return;
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
        });
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

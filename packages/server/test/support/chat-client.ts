import { type ClientEvent, createClient, eventsPath, type Message, ParleyApiError } from '@parley/api';
import WebSocket from 'ws';

/**
 * A client that behaves as a real one must in a cluster: requests that fail because a node went
 * away (connection refused or reset, 502/503/504 from the balancer) are retried with backoff, sends
 * keep their idempotency key across retries, the event socket reconnects with exponential backoff
 * and jitter, and after every (re)connect or `resync` it catches up on each conversation from the
 * store by sequence. It records what a test asserts on: every message by id, how often each came
 * live on one connection, reconnects, and errors that were not a node going away.
 */
export class ChatClient {
  readonly messages = new Map<string, Message>();
  /** Live deliveries of the same message id on one connection (should stay empty). */
  readonly duplicates: string[] = [];
  /** Errors other than a node being unreachable or restarting. */
  readonly errors: string[] = [];
  reconnects = 0;
  resyncs = 0;
  readonly presence: Extract<ClientEvent, { type: 'presence.changed' }>[] = [];
  private api: ReturnType<ReturnType<typeof createClient>['withToken']>;
  private token = '';
  private ws: WebSocket | undefined;
  private closed = false;
  /** Per followed conversation: the sequence the last catch-up reached. */
  private readonly lastSeq = new Map<string, number>();
  /** Per conversation: the sequence numbers received. */
  private readonly seqs = new Map<string, Set<number>>();
  private connected: Promise<void> = Promise.resolve();
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(
    private readonly baseUrl: string,
    readonly address: string,
    private readonly password: string,
  ) {
    this.api = createClient({ baseUrl }).withToken('');
  }

  /** Signs in (retrying while no node answers) and opens the event socket. */
  async start(): Promise<void> {
    const { token } = await this.retry(() =>
      createClient({ baseUrl: this.baseUrl }).request('auth.login', {
        body: { user: this.address, password: this.password },
      }),
    );
    this.token = token;
    this.api = createClient({ baseUrl: this.baseUrl }).withToken(token);
    this.connected = this.connect(0);
    await this.connected;
  }

  /** Follows a conversation: its messages are caught up after each reconnect. */
  follow(conversationId: string): void {
    if (!this.lastSeq.has(conversationId)) this.lastSeq.set(conversationId, 0);
  }

  /** Sends with a fixed idempotency key, retrying until a node acknowledges it (stored). */
  send(conversationId: string, text: string, clientId: string): Promise<Message> {
    return this.retry(() =>
      this.api.request('messages.send', { params: { id: conversationId }, body: { text, clientId } }),
    );
  }

  request: ReturnType<typeof createClient>['request'] = (name, input) =>
    this.retry(() => this.api.request(name, input));

  /** Whether an error means "this node is gone or going": retry elsewhere. */
  private static transient(err: unknown): boolean {
    if (err instanceof ParleyApiError) return [502, 503, 504].includes(err.status);
    return err instanceof TypeError || /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed/i.test(String(err));
  }

  private async retry<T>(fn: () => Promise<T>, budgetMs = 60_000): Promise<T> {
    const end = Date.now() + budgetMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!ChatClient.transient(err) || Date.now() > end) {
          this.errors.push(String(err));
          throw err;
        }
        await new Promise((r) => setTimeout(r, backoff(attempt)));
      }
    }
  }

  private connect(attempt: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed) return resolve();
      const ws = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}${eventsPath}`, {
        headers: { authorization: `Bearer ${this.token}` },
      });
      this.ws = ws;
      const seen = new Set<string>();
      let opened = false;
      ws.on('message', (data) => {
        const e = JSON.parse(data.toString()) as ClientEvent;
        if (e.type === 'hello') {
          opened = true;
          resolve();
          this.catchUp();
        } else if (e.type === 'resync') {
          this.resyncs++;
          this.catchUp();
        } else if (e.type === 'message.created') {
          if (seen.has(e.message.id)) this.duplicates.push(e.message.id);
          seen.add(e.message.id);
          this.take(e.message);
          // A gap in a conversation's sequence is an event lost on the way (a bus outage): catch up.
          if (this.lastSeq.has(e.message.conversationId) && e.message.seq > this.contiguous(e.message.conversationId)) {
            this.catchUp();
          }
        } else if (e.type === 'presence.changed') this.presence.push(e);
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (this.closed) return resolve();
        this.reconnects++;
        const next = opened ? 0 : attempt + 1;
        setTimeout(() => {
          this.connected = this.connect(next);
          void this.connected.then(resolve);
        }, backoff(next));
      });
    });
  }

  private take(m: Message) {
    this.messages.set(m.id, m);
    const seqs = this.seqs.get(m.conversationId) ?? new Set<number>();
    this.seqs.set(m.conversationId, seqs);
    seqs.add(m.seq);
  }

  /**
   * The sequence up to which a conversation is known without a gap: the last catch-up's end and the
   * live messages that follow it one by one. A live message after a gap does not count, or the
   * catch-up would start behind it and never fetch what is missing.
   */
  private contiguous(conversationId: string): number {
    const seqs = this.seqs.get(conversationId);
    let seq = this.lastSeq.get(conversationId) ?? 0;
    while (seqs?.has(seq + 1)) seq++;
    return seq;
  }

  /** Everything after the last sequence seen in each followed conversation, page by page. */
  private catchUp(): void {
    this.catchingUp = this.catchingUp.then(async () => {
      for (const conversationId of this.lastSeq.keys()) {
        for (;;) {
          const after = this.contiguous(conversationId);
          const page = await this.retry(() =>
            this.api.request('messages.list', { params: { id: conversationId }, query: { after, limit: 200 } }),
          ).catch(() => undefined);
          if (!page) return;
          for (const m of page.messages) this.take(m);
          this.lastSeq.set(conversationId, Math.max(after, ...page.messages.map((m) => m.seq)));
          if (!page.hasMore) break;
        }
      }
    });
  }

  /** Waits until a catch-up in progress is done. */
  async settled(): Promise<void> {
    await this.connected;
    await this.catchingUp;
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}

/** 100 ms doubling to 2 s, with ±50 % jitter so clients of a dead node do not reconnect in step. */
const backoff = (attempt: number) => Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random());

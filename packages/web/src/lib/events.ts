import { ClientEvent, eventCloseCodes, eventsPath } from '@parley/api';
import { ParleyApiError } from './api';
import { backoffDelay } from './backoff';
import { Store } from './store';

export interface LinkState {
  status: 'connecting' | 'online' | 'offline';
  /** When the next reconnect attempt starts (epoch ms), while offline. */
  retryAt: number | null;
  /** Whether the socket was ever up in this session (the banner shows only after a loss). */
  everOnline: boolean;
  /** Failed attempts since the last successful connect. */
  failures: number;
}

export interface EventConnectionOptions {
  /** A one-time ticket for the socket (`POST /api/v1/auth/ticket`). */
  ticket: () => Promise<string>;
  onEvent: (event: ClientEvent) => void;
  /**
   * The socket is subscribed (first or again): catch up on what happened before it was, since the
   * page's first load or since the loss. Without it, a change between the first load and the
   * subscription would be missed until the next reconnect.
   */
  onSubscribed: () => void;
  /** The session is gone (closed with 4401, or the ticket was refused with 401). */
  onRevoked: () => void;
  /** Override of `ws(s)://this-origin`. */
  origin?: string;
}

/**
 * The event WebSocket (`/api/v1/events`) with automatic reconnect: exponential backoff with jitter,
 * a watchdog on the server's heartbeats, an immediate retry when the browser comes back online or
 * the page becomes visible. Every (re)connect takes a fresh one-time ticket.
 */
export class EventConnection {
  readonly state = new Store<LinkState>({ status: 'connecting', retryAt: null, everOnline: false, failures: 0 });
  private socket: WebSocket | null = null;
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private heartbeatMs = 25_000;
  private stopped = true;

  constructor(private readonly o: EventConnectionOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.retryNow);
    document.addEventListener('visibilitychange', this.onVisible);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    window.removeEventListener('online', this.retryNow);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    const ws = this.socket;
    this.socket = null;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, 'signed out');
    }
  }

  /** Skips the remaining wait of a reconnect. */
  retryNow = (): void => {
    if (this.stopped || this.state.get().status !== 'offline') return;
    void this.connect();
  };

  private onVisible = () => {
    if (document.visibilityState === 'visible') this.retryNow();
  };

  private patch(p: Partial<LinkState>) {
    this.state.update((s) => ({ ...s, ...p }));
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    clearTimeout(this.retryTimer);
    this.patch({ status: 'connecting', retryAt: null });
    let ticket: string;
    try {
      ticket = await this.o.ticket();
    } catch (err) {
      if (generation !== this.generation) return;
      if (err instanceof ParleyApiError && err.status === 401) return this.o.onRevoked();
      return this.scheduleRetry();
    }
    if (generation !== this.generation) return;
    const origin = this.o.origin ?? window.location.origin.replace(/^http/, 'ws');
    const ws = new WebSocket(`${origin}${eventsPath}?ticket=${encodeURIComponent(ticket)}`);
    this.socket = ws;
    ws.onmessage = (m) => this.receive(ws, m);
    ws.onclose = (e) => this.lost(ws, e.code);
    this.armWatchdog(ws);
  }

  private receive(ws: WebSocket, m: MessageEvent) {
    if (ws !== this.socket) return;
    this.armWatchdog(ws);
    let data: unknown;
    try {
      data = JSON.parse(String(m.data));
    } catch {
      return;
    }
    const parsed = ClientEvent.safeParse(data);
    if (!parsed.success) return; // an event type this app does not know yet
    const event = parsed.data;
    if (event.type === 'hello') {
      this.heartbeatMs = event.heartbeatSeconds * 1000;
      this.armWatchdog(ws);
      this.patch({ status: 'online', retryAt: null, everOnline: true, failures: 0 });
      this.o.onEvent(event);
      this.o.onSubscribed();
      return;
    }
    this.o.onEvent(event);
  }

  private lost(ws: WebSocket, code: number) {
    if (ws !== this.socket) return;
    this.socket = null;
    clearTimeout(this.watchdog);
    if (this.stopped) return;
    if (code === eventCloseCodes.sessionRevoked) return this.o.onRevoked();
    this.scheduleRetry();
  }

  private scheduleRetry() {
    if (this.stopped) return;
    const failures = this.state.get().failures;
    const delay = backoffDelay(failures);
    this.patch({ status: 'offline', retryAt: Date.now() + delay, failures: failures + 1 });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /** A socket that stays silent past two heartbeats is dead even if the browser has not noticed. */
  private armWatchdog(ws: WebSocket) {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(
      () => {
        if (ws !== this.socket) return;
        ws.onclose = null;
        ws.close(4000, 'no heartbeat');
        this.lost(ws, 4000);
      },
      this.heartbeatMs * 2 + 5000,
    );
  }
}

import type { WebSocket } from 'ws';
import { jsonOnce } from '../../lib/json-once.js';

/**
 * The outgoing side of one event socket: events queued by one run of event handlers (a call step
 * or presence change reaching this user) are written together, with the TCP socket corked so they
 * leave in one write instead of one per frame, as soon as those handlers have run: before the rest
 * of what caused them (a call step's presence update and its store writes), which a write deferred
 * to the next turn of the event loop would wait for.
 */
export class Outbound {
  private queue: string[] = [];
  private scheduled = false;

  constructor(private readonly ws: WebSocket) {}

  push(event: object): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.queue.push(jsonOnce(event));
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes what is queued now (also before a close, so nothing queued is lost). */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    if (this.ws.readyState !== this.ws.OPEN) return;
    const raw = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    raw?.cork();
    for (const json of batch) this.ws.send(json);
    raw?.uncork();
  }
}

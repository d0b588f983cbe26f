import type { WebSocket } from 'ws';
import { jsonOnce } from '../../lib/json-once.js';

/**
 * The outgoing side of one event socket: events queued during one turn of the event loop are
 * written together, with the TCP socket corked so they leave in one write instead of one per
 * frame.
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
      setImmediate(() => this.flush());
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

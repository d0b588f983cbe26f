import type { WebSocket } from 'ws';

const serialized = new WeakMap<object, string>();

/**
 * JSON of an event, computed once however many sockets it goes to (fan-out sends the same object
 * to every watcher).
 */
export function serialize(event: object): string {
  let json = serialized.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    serialized.set(event, json);
  }
  return json;
}

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
    this.queue.push(serialize(event));
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

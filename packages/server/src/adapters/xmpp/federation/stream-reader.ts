// Just enough XMPP stream reading for the federation check, on the adapter's one stream parser
// (`xml/parser.ts`, `jabber:server`): the stream header, then each top-level element
// (`<stream:features/>`, `<proceed/>`, `<stream:error/>`) whole, as events to wait for one by one.
// Bounded in bytes before the features and by the parser's limits; what XMPP forbids (DTDs,
// entities, processing instructions) ends it with a sentence saying what the server sent.
import type { Duplex } from 'node:stream';
import type { XmlElement } from '../xml/element.js';
import { ParseError, SERVER_NS, StreamParser } from '../xml/parser.js';

export type StreamEvent =
  | { kind: 'open'; attrs: Record<string, string> }
  | { kind: 'element'; element: XmlElement }
  | { kind: 'end' }
  | { kind: 'error'; reason: string };

const MAX_BYTES = 64 * 1024;
const LIMITS = { maxStanzaSize: MAX_BYTES, maxDepth: 16, maxAttributes: 64, maxChildren: 1000 };

/** Reads one stream from `socket` (one per TLS layer: after STARTTLS a new one on the TLS socket). */
export class StreamReader {
  private readonly events: StreamEvent[] = [];
  private waiting: ((e: StreamEvent) => void) | undefined;
  private readonly parser = new StreamParser(LIMITS, SERVER_NS);
  private bytes = 0;
  private done = false;
  private readonly onData = (chunk: Buffer | string) => this.feed(chunk);
  private readonly onEnd = () => this.push({ kind: 'end' });
  private readonly onError = (err: Error) => this.push({ kind: 'error', reason: err.message });

  constructor(private readonly socket: Duplex) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** The next event, or an error event when none came within `ms`. */
  next(ms: number): Promise<StreamEvent> {
    const queued = this.events.shift();
    if (queued) return Promise.resolve(queued);
    if (this.done) return Promise.resolve({ kind: 'end' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve({ kind: 'error', reason: `no answer within ${Math.round(ms / 1000)} s` });
      }, ms);
      this.waiting = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
    });
  }

  /** Stops reading the socket (its data goes to whoever reads it next: the TLS layer). */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
  }

  private feed(chunk: Buffer | string) {
    if (this.done) return;
    this.bytes += Buffer.byteLength(chunk);
    if (this.bytes > MAX_BYTES) {
      return this.fail(`the server sent more than ${MAX_BYTES / 1024} KiB before the features`);
    }
    try {
      for (const e of this.parser.push(chunk)) {
        this.push(e.kind === 'close' ? { kind: 'end' } : e);
      }
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      const what = err.condition === 'not-well-formed' ? 'malformed XML' : 'what XMPP forbids';
      this.fail(`the server sent ${what} (${err.message.split('\n')[0]})`);
    }
  }

  private fail(reason: string) {
    this.push({ kind: 'error', reason });
    this.done = true;
    this.detach();
  }

  private push(e: StreamEvent) {
    if (this.done) return;
    if (e.kind !== 'element' && e.kind !== 'open') this.done = true;
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w(e);
    else this.events.push(e);
  }
}

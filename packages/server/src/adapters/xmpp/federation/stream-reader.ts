// Just enough XMPP stream reading for the federation check: the stream header, then each
// top-level element (`<stream:features/>`, `<proceed/>`, `<stream:error/>`) whole. Bounded in
// bytes and depth; DTDs, entities and processing instructions end it.
// Moves onto the stream engine's parser (`adapters/xmpp/xml/parser.ts`) once that is merged.
import type { Duplex } from 'node:stream';
import { SaxesParser } from 'saxes';
import { XmlElement } from '../xml/element.js';

export type StreamEvent =
  | { kind: 'open'; attrs: Record<string, string> }
  | { kind: 'element'; element: XmlElement }
  | { kind: 'end' }
  | { kind: 'error'; reason: string };

const MAX_BYTES = 64 * 1024;
const MAX_DEPTH = 16;

/** Reads one stream from `socket` (one per TLS layer: after STARTTLS a new one on the TLS socket). */
export class StreamReader {
  private readonly events: StreamEvent[] = [];
  private waiting: ((e: StreamEvent) => void) | undefined;
  private readonly stack: XmlElement[] = [];
  private bytes = 0;
  private done = false;
  private readonly parser = new SaxesParser({ xmlns: false });
  private readonly onData = (chunk: Buffer | string) => this.feed(chunk.toString());
  private readonly onEnd = () => this.push({ kind: 'end' });
  private readonly onError = (err: Error) => this.push({ kind: 'error', reason: err.message });

  constructor(private readonly socket: Duplex) {
    const p = this.parser;
    p.on('doctype', () => this.fail('the server sent a DTD'));
    p.on('processinginstruction', () => this.fail('the server sent a processing instruction'));
    p.on('error', (err) => this.fail(`the server sent malformed XML (${err.message.split('\n')[0]})`));
    p.on('opentag', (tag) => {
      const attrs = tag.attributes as Record<string, string>;
      if (this.stack.length === 0 && tag.name === 'stream:stream' && !this.opened) {
        this.opened = true;
        this.push({ kind: 'open', attrs });
        return;
      }
      if (this.stack.length >= MAX_DEPTH) return this.fail('the server sent XML nested too deeply');
      const el = new XmlElement(tag.name, { ...attrs });
      this.stack.at(-1)?.children.push(el);
      this.stack.push(el);
    });
    p.on('text', (text) => this.stack.at(-1)?.children.push(text));
    p.on('closetag', (tag) => {
      if (this.stack.length === 0) {
        if (tag.name === 'stream:stream') this.push({ kind: 'end' });
        return;
      }
      const el = this.stack.pop() as XmlElement;
      if (this.stack.length === 0) this.push({ kind: 'element', element: el });
    });
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  private opened = false;

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

  private feed(text: string) {
    if (this.done) return;
    this.bytes += Buffer.byteLength(text);
    if (this.bytes > MAX_BYTES)
      return this.fail(`the server sent more than ${MAX_BYTES / 1024} KiB before the features`);
    try {
      this.parser.write(text);
    } catch (err) {
      this.fail(`the server sent malformed XML (${(err as Error).message.split('\n')[0]})`);
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

// A CSTA client for tests (both framings, TCP or TLS).
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { FrameReader, type Framing, renderFrame } from '../../src/adapters/csta/framing.js';
import { parseMessage, textOf, type XmlElement } from '../../src/adapters/csta/xml.js';

export interface CstaReply {
  invokeId: string | null;
  xml: string;
  root: XmlElement;
  namespace: string | null;
  /** `category/value` of a CSTAErrorCode. */
  error?: string;
  text(path: string): string | undefined;
}

const LIMITS = { maxBytes: 1_000_000, maxDepth: 64, maxElements: 100_000 };

/** Text at a `/`-separated path of child names below the root. */
function at(root: XmlElement, path: string): string | undefined {
  const parts = path.split('/');
  const last = parts.pop() as string;
  let el: XmlElement | undefined = root;
  for (const p of parts) el = el?.children.find((c) => c.name === p);
  return textOf(el, last);
}

export class CstaClient {
  private readonly reader = new FrameReader(65_535);
  private readonly inbox: CstaReply[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: Socket,
    readonly framing: Framing,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) {
        const xml = f.xml.toString('utf8');
        const { root, namespace } = parseMessage(xml, LIMITS);
        const error = root.name === 'CSTAErrorCode' ? `${root.children[0]?.name}/${root.children[0]?.text}` : undefined;
        this.inbox.push({ invokeId: f.invokeId, xml, root, namespace, error, text: (p) => at(root, p) });
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    this.closed.then(() => this.wake());
    socket.on('error', () => undefined);
  }

  static async open(port: number, framing: Framing, tls = false): Promise<CstaClient> {
    const socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new CstaClient(socket, framing);
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Sends a document; returns the invoke id it went with (header framing). */
  send(xml: string, invokeId = String(this.nextId++).padStart(4, '0')): string {
    this.socket.write(renderFrame(this.framing, invokeId, xml));
    return invokeId;
  }

  /** Writes raw bytes (broken frames in tests). */
  raw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next message `match` accepts (taken from the inbox), within `ms`. */
  async next(match: (m: CstaReply) => boolean = () => true, ms = 10_000): Promise<CstaReply> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex(match);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as CstaReply;
      if (this.socket.destroyed) throw new Error('CSTA connection closed while waiting');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching CSTA message within ${ms} ms; inbox: ${this.inbox.map((m) => m.root.name).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a request and waits for its answer (by invoke id; in NUL framing, the next non-event). */
  async ask(xml: string, invokeId?: string): Promise<CstaReply> {
    const id = this.send(xml, invokeId);
    return this.next((m) => (this.framing === 'header' ? m.invokeId === id : !/Event$/.test(m.root.name)));
  }

  /** The next event with this root name. */
  event(name: string, ms?: number): Promise<CstaReply> {
    return this.next((m) => m.root.name === name, ms);
  }

  pending(): string[] {
    return this.inbox.map((m) => m.root.name);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A StartApplicationSession with `SessionLoginInfo` (as AES applications send it). */
export const startSession = (user: string, password: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><StartApplicationSession xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><applicationInfo><applicationID>test</applicationID><applicationSpecificInfo><SessionLoginInfo xmlns="http://www.avaya.com/csta"><userName>${user}</userName><password>${password}</password></SessionLoginInfo></applicationSpecificInfo></applicationInfo>${extra}</StartApplicationSession>`;

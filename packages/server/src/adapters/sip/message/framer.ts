// Stream framing for TCP, TLS (RFC 3261 §18.3) with CRLF keep-alives (RFC 5626 §3.5.1).
import { SipParseError } from './errors.js';
import { DEFAULT_SIP_LIMITS, type SipLimits } from './limits.js';
import { completeMessage, findHeadEnd, parseHead, type SipHead, type SipMessage } from './parse.js';

export type FramerEvent =
  | { kind: 'message'; message: SipMessage }
  /** A double-CRLF ping: answer with a single CRLF (`PONG`). */
  | { kind: 'ping' }
  /** A single CRLF before a message: the pong to our ping. */
  | { kind: 'pong' }
  /** A message that failed; see `SipParseError.action`. */
  | { kind: 'error'; error: SipParseError };

/** The answer to a keep-alive ping. */
export const PONG = Buffer.from('\r\n');
const PING = Buffer.from('\r\n\r\n');

/**
 * Feeds bytes of one connection and yields whole messages. Content-Length is required on
 * streams; a missing, oversized or invalid one (or a broken header section) loses the framing:
 * the error's action is `close` (answer first when the error has a context).
 * @example
 * const framer = new SipStreamFramer();
 * for (const event of framer.push(chunk)) if (event.kind === 'ping') socket.write(PONG);
 */
export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private head: { head: SipHead; bodyAt: number } | undefined;
  private closed = false;
  /** Bytes of the pending header section already searched for its end. */
  private scanned = 0;

  constructor(private readonly limits: SipLimits = DEFAULT_SIP_LIMITS) {}

  /**
   * Appends a chunk; returns the events it completes. A message that was framed but does not
   * parse gives an `error` event (action `respond` or `drop`) and framing goes on; an `error`
   * with action `close` ends the stream: the framer takes no more bytes.
   */
  push(chunk: Buffer): FramerEvent[] {
    if (this.closed) throw new Error('SIP stream framer used after a framing error');
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: FramerEvent[] = [];
    for (;;) {
      try {
        const event = this.next();
        if (!event) return events;
        events.push(event);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
        events.push({ kind: 'error', error });
        if (error.action === 'close') {
          this.closed = true;
          return events;
        }
      }
    }
  }

  private next(): FramerEvent | undefined {
    if (!this.head) {
      const keepAlive = this.keepAlive();
      if (keepAlive !== 'message') return keepAlive;
      const end = findHeadEnd(this.buffer, this.scanned);
      if (!end) {
        // The terminator may straddle chunks: rescan its last three bytes next time.
        this.scanned = Math.max(0, this.buffer.length - 3);
        if (this.buffer.length > this.limits.maxMessageBytes) throw closing('header section too large');
        return undefined;
      }
      let head: SipHead;
      try {
        head = parseHead(this.buffer.subarray(0, end.at), this.limits);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
        // Without a trustworthy Content-Length the next message cannot be found.
        throw new SipParseError(error.reason, 'close', error.status, error.context);
      }
      if (head.contentLength === undefined) throw closing('Content-Length missing on a stream');
      if (end.at + end.length + head.contentLength > this.limits.maxMessageBytes) {
        throw closing(`message larger than ${this.limits.maxMessageBytes} bytes`);
      }
      this.head = { head, bodyAt: end.at + end.length };
      this.scanned = 0;
    }
    const { head, bodyAt } = this.head;
    const length = head.contentLength ?? 0;
    if (this.buffer.length < bodyAt + length) return undefined;
    const body = Buffer.from(this.buffer.subarray(bodyAt, bodyAt + length));
    this.head = undefined;
    this.buffer = this.buffer.subarray(bodyAt + length);
    return { kind: 'message', message: completeMessage(head, body, this.limits) };
  }

  /**
   * CRLFs between messages: CRLFCRLF is a ping, a CRLF followed by a message a pong. A CRLF
   * that may still become a ping waits for more bytes: pings come from clients (RFC 5626
   * §4.4.1) and must be answered however TCP splits them.
   */
  private keepAlive(): FramerEvent | undefined | 'message' {
    const b = this.buffer;
    if (b[0] !== 0x0d) return b.length === 0 ? undefined : 'message';
    if (b.length >= 4 && b.subarray(0, 4).equals(PING)) return this.consume(4, { kind: 'ping' });
    if (b[1] !== undefined && b[1] !== 0x0a) throw closing('bare CR between messages');
    if (b.length >= 3 && b[2] !== 0x0d) return this.consume(2, { kind: 'pong' });
    return undefined;
  }

  private consume(bytes: number, event: FramerEvent): FramerEvent {
    this.buffer = this.buffer.subarray(bytes);
    return event;
  }
}

function closing(reason: string): SipParseError {
  return new SipParseError(reason, 'close');
}

// How a stream (client or server) handles what arrives: one event at a time and in order, however
// long each takes, with a bound on how many may wait; a handler's StreamError ends the stream,
// any other failure ends it with `internal-server-error` (and a log line).
import type { Logger } from '../../platform/log.js';
import type { Transport, TransportEvents } from './c2s/transport.js';
import { StreamError } from './stream-error.js';
import type { StreamEvent } from './xml/parser.js';

export interface StreamQueueOptions {
  /** Events that may wait at most; more ends the stream (policy-violation). */
  max: number;
  handle(event: StreamEvent): Promise<void>;
  fail(err: StreamError): void;
  /** Whether the stream is over (what is queued is dropped). */
  closed(): boolean;
  log: Logger;
  /** The connection is gone. */
  lost(): void;
  /** Bytes arrived: the peer is alive. */
  active(): void;
}

/**
 * Also the transport's listener (TransportEvents): methods on the prototype, not closures per
 * stream (under tsx every named closure carries its own `name` property, ~250 bytes per stream).
 */
export class StreamQueue implements TransportEvents {
  private readonly events: StreamEvent[] = [];
  private running = false;

  constructor(private readonly o: StreamQueueOptions) {}

  event(e: StreamEvent): void {
    this.push(e);
  }

  failed(err: StreamError): void {
    this.o.fail(err);
  }

  closed(): void {
    this.o.lost();
  }

  active(): void {
    this.o.active();
  }

  push(event: StreamEvent): void {
    if (this.o.closed()) return;
    if (this.events.length >= this.o.max) {
      this.events.length = 0;
      this.o.fail(new StreamError('policy-violation', 'too many stanzas at once'));
      return;
    }
    this.events.push(event);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let e = this.events.shift(); e && !this.o.closed(); e = this.events.shift()) {
      try {
        await this.o.handle(e);
      } catch (err) {
        if (err instanceof StreamError) this.o.fail(err);
        else {
          this.o.log.error({ err }, 'XMPP stream failed');
          this.o.fail(new StreamError('internal-server-error'));
        }
      }
    }
    this.running = false;
  }
}

/**
 * Hands what `transport` parses to `o.handle` in order (a StreamQueue); the transport's failures,
 * its end and its traffic to `o.fail`, `o.lost` and `o.active`.
 */
export function listenInOrder(transport: Pick<Transport, 'listen'>, o: StreamQueueOptions): void {
  transport.listen(new StreamQueue(o));
}

/** The bound on a stream's negotiation: `onTimeout` once `seconds` pass (cleared when it is done); never keeps the process up. */
export function negotiationTimer(seconds: number, onTimeout: () => void): NodeJS.Timeout {
  const timer = setTimeout(onTimeout, seconds * 1000);
  timer.unref();
  return timer;
}

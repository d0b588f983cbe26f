// XMPP over WebSocket (RFC 7395): every message is one complete element; the stream opens and
// closes with <open/> and <close/> of the framing namespace, and stanzas carry their namespace.
import type { WebSocket } from 'ws';
import { StreamError } from '../stream-error.js';
import { type XmlElement, x } from '../xml/element.js';
import { CLIENT_NS, FRAMING_NS, type ParserLimits, parseFrame, STREAM_NS } from '../xml/parser.js';
import { type Rate, ReadThrottle } from './rate.js';
import { deliver, HANG_UP_MS, MAX_UNSENT_BYTES, type Transport, type TransportEvents } from './transport.js';

export interface WebSocketOptions {
  limits: ParserLimits;
  rate: Rate;
  now: () => number;
  address: string;
  /** WSS, or HTTPS ended at a trusted proxy. */
  secure: boolean;
}

/** An element as a WebSocket message: standalone, so it declares its namespaces. */
export function framed(element: XmlElement): XmlElement {
  if (element.name.startsWith('stream:')) return element.withAttrs({ 'xmlns:stream': STREAM_NS });
  return element.xmlns === undefined ? element.withAttrs({ xmlns: CLIENT_NS }) : element;
}

export class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  readonly canStartTls = false;
  readonly address: string;
  readonly secure: boolean;
  private readonly throttle: ReadThrottle;
  private gone = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: WebSocketOptions,
  ) {
    this.address = options.address;
    this.secure = options.secure;
    this.throttle = new ReadThrottle(this.socket, options.rate, options.now);
  }

  channelBindings(): Record<string, Buffer> {
    return {};
  }

  listen(events: TransportEvents): void {
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary)
        return events.failed(new StreamError('not-well-formed', 'binary WebSocket message (RFC 7395 §3.3.3)'));
      deliver(events, () => [parseFrame(data.toString('utf8'), this.options.limits)]);
      this.throttle.read(data.length);
    });
    this.socket.on('error', () => this.socket.terminate());
    this.socket.on('close', () => {
      this.throttle.stop();
      if (this.gone) return;
      this.gone = true;
      events.closed();
    });
  }

  header(attrs: Record<string, string>): void {
    this.send(x('open', { xmlns: FRAMING_NS, ...attrs }));
  }

  send(element: XmlElement): void {
    if (this.gone || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_UNSENT_BYTES) return void this.socket.terminate();
    this.socket.send(framed(element).toString());
  }

  /** Every message is parsed on its own: nothing carries over to the next stream. */
  restart(): void {}

  startTls(): void {
    throw new Error('no STARTTLS over WebSocket');
  }

  end(): void {
    this.send(x('close', { xmlns: FRAMING_NS }));
    this.socket.close(1000);
    setTimeout(() => this.socket.terminate(), HANG_UP_MS).unref();
  }
}

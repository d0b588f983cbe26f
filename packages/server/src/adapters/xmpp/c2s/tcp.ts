// XMPP over TCP (RFC 6120): one XML stream per direction, restarted after STARTTLS and SASL;
// reading pauses while the client is over its byte rate.
import type { Socket } from 'node:net';
import {
  type ConnectionOptions,
  createServer as createTlsServer,
  type SecureContextOptions,
  TLSSocket,
  type TlsOptions,
  connect as tlsConnect,
} from 'node:tls';
import type { XmlElement } from '../xml/element.js';
import { escapeAttr } from '../xml/element.js';
import { CLIENT_NS, type ParserLimits, STREAM_NS, StreamParser } from '../xml/parser.js';
import { type Rate, ReadThrottle } from './rate.js';
import {
  deliver,
  HANG_UP_MS,
  MAX_UNSENT_BYTES,
  type Transport,
  type TransportEvents,
  tlsChannelBindings,
} from './transport.js';

export interface TcpOptions {
  limits: ParserLimits;
  rate: Rate;
  now: () => number;
  /** The server side of STARTTLS (certificates by SNI); absent when none may be offered. */
  tls?: TlsOptions & SecureContextOptions;
  /**
   * The server side of STARTTLS that asks for the peer's certificate (s2s): the connection goes
   * through a node:tls server, which judges that certificate (`authorized`) as for its own sockets.
   */
  peerTls?: TlsOptions & SecureContextOptions;
  /** The client side of STARTTLS instead (a stream this server opened to another server). */
  tlsClient?: ConnectionOptions;
  /** The server certificate's `tls-server-end-point` by the name the client asked for (SNI). */
  endPoint?: (servername: string | undefined) => Buffer | undefined;
  /** The stream's content namespace (`jabber:server` between servers); `jabber:client` by default. */
  namespace?: string;
}

export class TcpTransport implements Transport {
  readonly kind = 'tcp';
  readonly address: string;
  private readonly parser: StreamParser;
  private readonly throttle: ReadThrottle;
  private events: TransportEvents | undefined;
  private gone = false;
  private bindings: { socket: TLSSocket; value: Record<string, Buffer> } | undefined;
  /** The socket whose writes wait for the end of this turn (one write, one TLS record, for all). */
  private corked: Socket | undefined;
  /** Bound, not an arrow function: no `name` property of its own per connection (see C2sStream). */
  private readonly onData = this.read.bind(this);

  constructor(
    private socket: Socket,
    private readonly options: TcpOptions,
  ) {
    this.address = socket.remoteAddress ?? '-';
    this.parser = new StreamParser(options.limits, options.namespace);
    // The socket it pauses is the current one: STARTTLS replaces it, the bucket goes on.
    const transport = this;
    const current = {
      pause() {
        transport.socket.pause();
      },
      resume() {
        transport.socket.resume();
      },
    };
    this.throttle = new ReadThrottle(current, options.rate, options.now);
    socket.setNoDelay(true);
  }

  get secure(): boolean {
    return this.socket instanceof TLSSocket;
  }

  get canStartTls(): boolean {
    const { tls, peerTls, tlsClient } = this.options;
    return !this.secure && (tls !== undefined || peerTls !== undefined || tlsClient !== undefined);
  }

  /** The TLS socket once the connection is encrypted (its peer's certificate, whether it verified). */
  get tls(): TLSSocket | undefined {
    return this.socket instanceof TLSSocket ? this.socket : undefined;
  }

  channelBindings(): Record<string, Buffer> {
    if (!(this.socket instanceof TLSSocket)) return {};
    // Asked for the stream features and again by SASL: once per TLS connection.
    if (this.bindings?.socket !== this.socket) {
      const { endPoint } = this.options;
      const value = tlsChannelBindings(this.socket, endPoint && ((s) => endPoint(s.servername || undefined)));
      this.bindings = { socket: this.socket, value };
    }
    return this.bindings.value;
  }

  listen(events: TransportEvents): void {
    this.events = events;
    this.attach(this.socket);
  }

  header(attrs: Record<string, string>): void {
    const rendered = Object.entries(attrs)
      .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
      .join('');
    const ns = this.options.namespace ?? CLIENT_NS;
    this.write(`<?xml version='1.0'?><stream:stream${rendered} xmlns="${ns}" xmlns:stream="${STREAM_NS}">`);
  }

  send(element: XmlElement): void {
    this.write(element.toString());
  }

  restart(): void {
    this.parser.reset();
  }

  startTls(): void {
    const raw = this.socket;
    this.uncork(); // `<proceed/>` goes out in the clear, before the handshake
    raw.off('data', this.onData);
    if (this.options.peerTls) {
      const server = createTlsServer(this.options.peerTls);
      server.once('secureConnection', (tls: TLSSocket) => {
        this.socket = tls;
        this.parser.reset();
        tls.on('data', this.onData);
        tls.on('error', () => tls.destroy());
      });
      server.once('tlsClientError', () => raw.destroy());
      server.emit('connection', raw);
      return;
    }
    const client = this.options.tlsClient;
    const tls = client
      ? tlsConnect({ ...client, socket: raw })
      : new TLSSocket(raw, { ...this.options.tls, isServer: true });
    this.socket = tls;
    this.parser.reset();
    tls.on('data', this.onData);
    tls.on('error', () => tls.destroy());
  }

  end(): void {
    if (this.gone) return;
    this.write('</stream:stream>');
    this.uncork();
    const socket = this.socket;
    socket.end(() => socket.destroy());
    setTimeout(() => socket.destroy(), HANG_UP_MS).unref();
  }

  private read(chunk: Buffer): void {
    deliver(this.events, () => this.parser.push(chunk));
    this.throttle.read(chunk.length);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.throttle.stop();
      if (this.gone) return;
      this.gone = true;
      this.events?.closed();
    });
  }

  /**
   * Writes what the stream sends; everything sent in the same turn (a stream header and its
   * features, a stanza and its acknowledgement request) leaves in one write at its end.
   */
  private write(text: string): void {
    const socket = this.socket;
    if (this.gone || socket.destroyed) return;
    if (socket.writableLength > MAX_UNSENT_BYTES) {
      socket.destroy();
      return;
    }
    if (this.corked !== socket) {
      this.corked = socket;
      socket.cork();
      process.nextTick(() => this.uncork());
    }
    socket.write(text);
  }

  private uncork(): void {
    const socket = this.corked;
    this.corked = undefined;
    socket?.uncork();
  }
}

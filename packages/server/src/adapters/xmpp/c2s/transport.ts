// What a client stream runs over: TCP (with STARTTLS, or direct TLS), a WebSocket (RFC 7395) or BOSH (XEP-0206).
// A transport parses what arrives into stream events and writes what the stream engine sends.
import type { TLSSocket } from 'node:tls';
import { StreamError } from '../stream-error.js';
import type { XmlElement } from '../xml/element.js';
import { ParseError, type StreamEvent } from '../xml/parser.js';
import { tlsServerEndPoint } from './end-point-hash.js';

export interface TransportEvents {
  event(event: StreamEvent): void;
  /** The input broke the stream (not well-formed, over a limit): the stream ends with this error. */
  failed(err: StreamError): void;
  /** The connection is gone. */
  closed(): void;
  /** Bytes arrived (whitespace keepalives included): the client is alive. */
  active(): void;
}

export interface Transport {
  readonly kind: 'tcp' | 'websocket' | 'bosh';
  /** The client's address (for the login throttle, limits and logs). */
  readonly address: string;
  /** Encrypted now (TLS, WSS, or HTTPS at a trusted proxy). */
  readonly secure: boolean;
  /** STARTTLS may be offered (plain TCP with a certificate). */
  readonly canStartTls: boolean;
  /** The TLS channel's binding data by type (RFC 5929, RFC 9266); empty without TLS. */
  channelBindings(): Record<string, Buffer>;
  listen(events: TransportEvents): void;
  /** Opens this server's side of a stream with these attributes. */
  header(attrs: Record<string, string>): void;
  send(element: XmlElement): void;
  /** A new stream begins on the connection (after STARTTLS or SASL): the parser starts over. */
  restart(): void;
  /** Upgrades to TLS (after `<proceed/>` was sent). */
  startTls(): void;
  /** Closes this server's stream and then the connection. */
  end(): void;
}

/** Bytes waiting for a client before it counts as not reading (and is cut off). */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;
/** How long a closing connection may take to deliver what is queued for it. */
export const HANG_UP_MS = 2000;

/** Hands parsed events to `events`; a ParseError becomes the stream error that ends the stream. */
export function deliver(events: TransportEvents | undefined, parse: () => StreamEvent[]): void {
  if (!events) return;
  events.active();
  let parsed: StreamEvent[];
  try {
    parsed = parse();
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    events.failed(StreamError.fromParse(err));
    return;
  }
  for (const e of parsed) events.event(e);
}

/**
 * The channel binding data of a server-side TLS socket: `tls-exporter` (RFC 9266) on TLS 1.3,
 * `tls-server-end-point` (RFC 5929 §4.1, end-point-hash.ts; not for certificates it leaves it
 * undefined for, e.g. Ed25519) on every version, and `tls-unique`
 * (RFC 5929 §3: the first Finished message of the handshake — the client's, or the server's when
 * the session was resumed). RFC 9266 leaves `tls-unique` undefined on TLS 1.3, but clients on
 * OpenSSL (Python's ssl, hence slixmpp; LuaSec) compute it there in just this way and ask for it
 * whatever the version, as Prosody answers them; clients that read XEP-0440 pick `tls-exporter`.
 * `endPointOf` gives the socket's `tls-server-end-point` (the listener's certificates know it
 * without parsing the certificate anew for every connection); by default it is read off the socket.
 */
export function tlsChannelBindings(
  socket: TLSSocket,
  endPointOf: (socket: TLSSocket) => Buffer | undefined = presentedEndPoint,
): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (socket.getProtocol() === 'TLSv1.3') {
    out['tls-exporter'] = socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
  }
  const endPoint = endPointOf(socket);
  if (endPoint) out['tls-server-end-point'] = endPoint;
  const unique = socket.isSessionReused() ? socket.getFinished() : socket.getPeerFinished();
  if (unique) out['tls-unique'] = unique;
  return out;
}

/** The `tls-server-end-point` of the certificate the socket presented, parsed from it. */
function presentedEndPoint(socket: TLSSocket): Buffer | undefined {
  const cert = socket.getCertificate();
  return cert && 'raw' in cert ? tlsServerEndPoint(cert.raw) : undefined;
}

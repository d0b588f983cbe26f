// Transport flows (RFC 3261 §18, RFC 5626 §3): the way a message came in and the way back.
import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export type TransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

export interface Peer {
  address: string;
  port: number;
}

/**
 * One transport flow: a UDP socket and peer, or one TCP, TLS or WebSocket connection. Responses
 * and requests to a device registered over it go back the same way.
 */
export interface Flow {
  /** Node-local id; bindings name it so requests to the device reuse the connection. */
  readonly id: string;
  readonly transport: TransportName;
  /** TCP, TLS and WebSocket: no retransmissions (RFC 3261 §17.1.1.2). */
  readonly reliable: boolean;
  readonly remote: Peer;
  /** The local address (or `sip.advertise`) and port the flow uses (what Via, Record-Route and Contact name). */
  readonly local: Peer;
  /** TLS: the DNS names of the peer's certificate, when it verified against the trusted CAs (RFC 5922). */
  readonly peerNames?: readonly string[];
  send(data: Buffer): void;
  /** Closes a connection (a no-op for UDP). */
  close(): void;
}

const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.)/, '');

/** The flow of a UDP peer on `socket`: every datagram to and from that address and port. */
export function udpFlow(socket: UdpSocket, remote: Peer, local: Peer): Flow {
  const peer = { address: plain(remote.address), port: remote.port };
  return {
    id: `udp|${local.port}|${peer.address}|${peer.port}`,
    transport: 'UDP',
    reliable: false,
    remote: peer,
    local,
    send: (data) => {
      try {
        socket.send(data, peer.port, peer.address);
      } catch {
        // The socket closed (the server is stopping): dropped, as UDP may drop any datagram.
      }
    },
    close() {},
  };
}

let nextConnection = 1;

/**
 * The flow of a TCP or TLS connection; `o.localPort` names our listening port instead of the
 * socket's own (a connection we opened), `o.localAddress` the host we advertise instead of the
 * socket's address, `o.peerNames` the verified names of a TLS peer.
 */
export function streamFlow(
  socket: Socket,
  transport: 'TCP' | 'TLS',
  o: { localPort?: number; localAddress?: string; peerNames?: readonly string[] } = {},
): Flow {
  return {
    id: `${transport.toLowerCase()}|${nextConnection++}`,
    transport,
    reliable: true,
    remote: { address: plain(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 },
    local: { address: o.localAddress ?? plain(socket.localAddress ?? ''), port: o.localPort ?? socket.localPort ?? 0 },
    ...(o.peerNames && { peerNames: o.peerNames }),
    send: (data) => void (socket.writable && socket.write(data)),
    close: () => socket.destroy(),
  };
}

/** The flow of a SIP WebSocket (RFC 7118): one message per frame, text frames. */
export function webSocketFlow(socket: WebSocket, secure: boolean, remote: Peer, local: Peer): Flow {
  return {
    id: `ws|${nextConnection++}`,
    transport: secure ? 'WSS' : 'WS',
    reliable: true,
    remote: { address: plain(remote.address), port: remote.port },
    local,
    send: (data) => socket.readyState === socket.OPEN && socket.send(data.toString('utf8')),
    close: () => socket.close(1000),
  };
}

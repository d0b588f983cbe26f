// TCP links from this node to the other nodes of the cluster: requests to a phone whose connection
// another node holds go there (RFC 5626 §5.3: that node is the phone's edge proxy), and requests a
// phone sends in such a dialog come from there. One link per node, opened when first used and
// again after it closed; what arrives on it (responses) goes to the endpoint like any message.
import { connect, type Socket } from 'node:net';
import type { Logger } from '../../../platform/log.js';
import type { StreamSink } from '../transport/endpoint.js';
import { type Flow, type Peer, streamFlow } from '../transport/flow.js';

/** A node's SIP address as the registry has it: host:port, IPv6 hosts in brackets, lower case. */
export const nodeAddress = (host: string, port: number): string =>
  `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`.toLowerCase();

const peerOf = (address: string): Peer => {
  const colon = address.lastIndexOf(':');
  return { address: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
};

export interface NodeLinksOptions {
  /** This node's own SIP address: what Via and Contact name on a link (where the others reach us). */
  local(): Peer;
  /** Takes a new connection into the endpoint (undefined: the connection table is full). */
  open(flow: Flow): StreamSink | undefined;
  log: Logger;
}

export class NodeLinks {
  private readonly links = new Map<string, Flow>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly o: NodeLinksOptions) {}

  /** The flow to the node at `address` (host:port): messages sent on it go over its current connection. */
  to(address: string): Flow {
    const key = address.toLowerCase();
    let link = this.links.get(key);
    if (!link) {
      link = this.link(key);
      this.links.set(key, link);
    }
    return link;
  }

  private link(address: string): Flow {
    const remote = peerOf(address);
    const local = this.o.local;
    let socket: Socket | undefined;
    const open = (): Socket | undefined => {
      const s = connect(remote.port, remote.address);
      s.setNoDelay(true);
      const sink = this.o.open({ ...streamFlow(s, 'TCP'), remote });
      if (!sink) {
        s.destroy();
        return undefined;
      }
      this.sockets.add(s);
      s.on('data', (chunk: Buffer) => sink.data(chunk));
      s.on('error', (err) => {
        this.o.log.warn({ err, node: address }, 'SIP link to another node failed');
        s.destroy();
      });
      s.on('close', () => {
        this.sockets.delete(s);
        sink.closed();
        if (socket === s) socket = undefined;
      });
      return s;
    };
    return {
      id: `node|${address}`,
      transport: 'TCP',
      reliable: true,
      remote,
      get local() {
        return local();
      },
      send: (data) => {
        socket ??= open();
        socket?.write(data);
      },
      close: () => socket?.destroy(),
    };
  }

  /** Closes every link (the node stops). */
  close(): void {
    for (const s of this.sockets) s.destroy();
  }
}

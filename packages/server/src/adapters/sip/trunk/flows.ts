// The ways to a tenant's SIP trunk: over UDP from the node's SIP socket, over TCP or TLS on a
// connection of ours (reused while it is open). The address is the one the outbound policy
// allowed (core.trunks.route); nothing here looks a name up again.
import type { Socket as UdpSocket } from 'node:dgram';
import { type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TrunkRoute } from '../../../core/trunks/model.js';
import { connected } from '../transport/connect.js';
import { type Flow, type Peer, udpFlow } from '../transport/flow.js';

export interface TrunkFlowOptions {
  /** The node's UDP socket and what Via names for it, once it listens. */
  udp(): { socket: UdpSocket; local: Peer } | undefined;
  /** Takes a connection we opened into the endpoint; its flow, or undefined when refused. */
  attach?: (socket: Socket, transport: 'TCP' | 'TLS') => Flow | undefined;
  connectTimeoutMs?: number;
}

export class TrunkFlows {
  private readonly open = new Map<string, Flow>();
  private readonly connecting = new Map<string, Promise<Flow | undefined>>();

  constructor(private readonly o: TrunkFlowOptions) {}

  /** Connections are taken into the endpoint by `attach` (set once the listeners are up). */
  set attach(attach: NonNullable<TrunkFlowOptions['attach']>) {
    this.o.attach = attach;
  }

  /** The flow to the trunk's checked address; undefined when this node has no way there. */
  flow = async (route: TrunkRoute): Promise<Flow | undefined> => {
    const { address, trunk } = route;
    if (trunk.transport === 'udp') {
      const udp = this.o.udp();
      return udp && udpFlow(udp.socket, { address: address.host, port: address.port }, udp.local);
    }
    const key = `${trunk.transport}|${address.host}|${address.port}|${trunk.host}`;
    const open = this.open.get(key);
    if (open) return open;
    let pending = this.connecting.get(key);
    if (!pending) {
      pending = this.connect(route)
        .then((flow) => {
          if (flow) this.open.set(key, flow);
          return flow;
        })
        .finally(() => this.connecting.delete(key));
      this.connecting.set(key, pending);
    }
    return pending;
  };

  /** A connection closed: the next call opens a new one. */
  closed(flow: Flow): void {
    for (const [key, f] of this.open) if (f === flow) this.open.delete(key);
  }

  private async connect(route: TrunkRoute): Promise<Flow | undefined> {
    const attach = this.o.attach;
    if (!attach) return undefined;
    const { host, port } = route.address;
    const tls = route.trunk.transport === 'tls';
    // TLS: the provider's certificate must chain to a system CA and name the trunk's host.
    const socket = tls ? tlsConnect({ host, port, servername: route.trunk.host }) : tcpConnect({ host, port });
    await connected(socket, tls ? 'secureConnect' : 'connect', this.o.connectTimeoutMs ?? 10_000);
    return attach(socket, tls ? 'TLS' : 'TCP');
  }
}

// The federation's connections: TLS to a peer's server (found as route.ts says, every address
// through the outbound policy, its certificate verified and matched to the domain per RFC 5922,
// ours presented as client certificate), and verified connections a peer opened to us, which
// carry our requests to that domain too (RFC 5923's reuse, with both ends authenticated).
import { promises as dns } from 'node:dns';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Logger } from '../../../platform/log.js';
import { type OutboundPolicy, OutboundRefusedError, pinnedLookup } from '../../../platform/outbound.js';
import { connected } from '../transport/connect.js';
import type { Flow } from '../transport/flow.js';
import { type HostPort, peerRoutes, type SrvRecord } from './route.js';
import {
  certificateNames,
  type FederationPeer,
  type ForeignSender,
  foreignSender,
  namesDomain,
  peerOf,
} from './trust.js';

export interface FederationOptions {
  peers: readonly FederationPeer[];
  log: Logger;
  outbound: OutboundPolicy;
  /** Certificate authorities a peer's certificate may chain to (PEM): the system's and `sip.federation.caFile`. */
  ca: readonly string[];
  /** SRV lookup; an error means "none published". */
  resolveSrv?: (name: string) => Promise<SrvRecord[]>;
  connectTimeoutMs?: number;
}

/** What the TLS listener gives the federation once it is up. */
export interface FederationTls {
  /** Our certificate and key, presented as client certificate. */
  cert: string;
  key: string;
  /** Takes a connection we opened into the endpoint; its flow, or undefined when refused. */
  attach(socket: TLSSocket, peerNames: readonly string[]): Flow | undefined;
}

export class SipFederation {
  tls: FederationTls | undefined;
  /** Open verified flows by peer domain. */
  private readonly flows = new Map<string, Flow>();
  private readonly connecting = new Map<string, Promise<Flow>>();

  constructor(private readonly o: FederationOptions) {}

  /** The authorities a peer's certificate may chain to (none: no peers). */
  get ca(): readonly string[] {
    return this.o.ca;
  }

  peer(domain: string): FederationPeer | undefined {
    return peerOf(this.o.peers, domain);
  }

  /** Whether a request whose From names `domain` (no tenant's) comes from that domain; a refusal is logged. */
  sender(domain: string, flow: Flow, method: string): ForeignSender {
    const verdict = foreignSender(domain, flow, this.o.peers);
    if (!verdict.trusted) {
      this.o.log.info(
        { domain, method, remote: flow.remote, transport: flow.transport, reason: verdict.reason },
        'SIP request from another domain refused (403)',
      );
    }
    return verdict;
  }

  /** A connection opened (either way) with a verified certificate: it reaches every peer it names. */
  opened(flow: Flow): void {
    for (const name of flow.peerNames ?? []) if (this.peer(name)) this.flows.set(name, flow);
  }

  closed(flow: Flow): void {
    for (const [domain, f] of this.flows) if (f === flow) this.flows.delete(domain);
  }

  /** A flow to the peer's server: an open one, else a new TLS connection (tried route after route). */
  flowTo(domain: string): Promise<Flow> {
    const open = this.flows.get(domain);
    if (open) return Promise.resolve(open);
    let pending = this.connecting.get(domain);
    if (!pending) {
      pending = this.connect(domain).finally(() => this.connecting.delete(domain));
      this.connecting.set(domain, pending);
    }
    return pending;
  }

  private async connect(domain: string): Promise<Flow> {
    const peer = this.peer(domain);
    const tls = this.tls;
    if (!peer) throw new Error(`${domain} is not a federation peer`);
    if (!tls) throw new Error('SIP federation needs the TLS listener (sip.tls.enabled)');
    const srv = peer.address ? undefined : await this.srv(`_sips._tcp.${domain}`);
    let last: unknown;
    for (const route of peerRoutes(peer, srv)) {
      try {
        const socket = await this.open(domain, route, tls);
        const flow = tls.attach(socket, certificateNames(socket.getPeerCertificate()));
        if (!flow) throw new Error('connection table full');
        this.opened(flow);
        this.o.log.info({ domain, host: route.host, port: route.port }, 'SIP federation: connected to a peer');
        return flow;
      } catch (err) {
        last = err;
        this.o.log.warn(
          { domain, host: route.host, port: route.port, err: err instanceof Error ? err.message : String(err) },
          'SIP federation: peer not reached',
        );
      }
    }
    throw last instanceof OutboundRefusedError ? last : new Error(`no server of ${domain} reached`);
  }

  private async srv(name: string): Promise<SrvRecord[] | undefined> {
    try {
      return await (this.o.resolveSrv ?? ((n: string) => dns.resolveSrv(n)))(name);
    } catch {
      return undefined;
    }
  }

  /** One TLS connection to `route`, to an address the outbound policy allowed, the certificate naming `domain`. */
  private async open(domain: string, route: HostPort, tls: FederationTls): Promise<TLSSocket> {
    const addresses = await this.o.outbound.resolve(route.host);
    const socket = connect({
      host: route.host,
      port: route.port,
      lookup: pinnedLookup(addresses),
      servername: domain,
      ca: [...this.o.ca],
      cert: tls.cert,
      key: tls.key,
      checkServerIdentity: (_host: string, cert: PeerCertificate) =>
        namesDomain(certificateNames(cert), domain)
          ? undefined
          : Object.assign(new Error(`the certificate does not name ${domain}`), {
              code: 'ERR_TLS_CERT_ALTNAME_INVALID',
            }),
    });
    const timeoutMs = this.o.connectTimeoutMs ?? 10_000;
    await connected(socket, 'secureConnect', timeoutMs);
    return socket;
  }
}

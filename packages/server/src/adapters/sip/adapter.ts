// The SIP adapter: UDP and TCP on one port, and WebSocket at /sip-ws (RFC 7118), over the
// transaction layer, registrar and switch. DESIGN §8: the engine is ours, written against the RFCs.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { ParleyError } from '../../core/errors.js';
import type { Binding } from '../../core/registrations/model.js';
import { pooledRandomBytes } from '../../lib/random-pool.js';
import type { SipConfig } from '../../platform/config/sip-schema.js';
import { OutboundPolicy } from '../../platform/outbound.js';
import { loadCertificate, trustedCas } from '../../platform/tls.js';
import type { Adapter, AdapterContext } from '../adapter.js';
import { ListenError } from '../adapter.js';
import { CallSwitch } from './b2bua/switch.js';
import { CoreCallSink } from './calls.js';
import { SipCallDriver } from './control.js';
import { SipFederation } from './federation/peers.js';
import { certificateNames } from './federation/trust.js';
import { InstantMessages } from './im.js';
import { mediaSettings } from './media/index.js';
import { DEFAULT_SIP_LIMITS, sipLimits } from './message/index.js';
import { FlowTokens } from './proxy/flow-token.js';
import { NodeLinks, nodeAddress } from './proxy/links.js';
import { held, type Reach, SipRelay } from './proxy/relay.js';
import { NonceBook } from './registrar/nonce.js';
import { Registrar } from './registrar/registrar.js';
import { SipRouter } from './router.js';
import { SimpleNotifier } from './simple/notifier.js';
import { SimplePublisher } from './simple/publisher.js';
import { DEFAULT_TIMERS, timerScheduler } from './transaction/index.js';
import { SipEndpoint } from './transport/endpoint.js';
import { type Flow, streamFlow, udpFlow, webSocketFlow } from './transport/flow.js';
import { isStun, stunBindingResponse } from './transport/stun.js';
import { TrunkFlows } from './trunk/flows.js';
import { CHECK_MS as TRUNK_CHECK_MS, TrunkRegistrar } from './trunk/register.js';

export const SIP_WS_PATH = '/sip-ws';

/** Tries for a TCP port equal to the UDP one when both were asked as 0 (a free UDP port may be taken on TCP). */
const PORT_ATTEMPTS = 10;

/** One node's SIP service: the endpoint and the UDP socket requests to UDP devices leave from. */
interface SipNode {
  endpoint: SipEndpoint;
  udp?: UdpSocket;
  im: InstantMessages;
  federation: SipFederation;
  /** Flows to tenants' SIP trunks, and their registrations with the providers. */
  trunks: TrunkFlows;
  trunkRegistrar: TrunkRegistrar;
  /** Links to the other nodes (requests to phones whose connection another node holds). */
  links: NodeLinks;
  /** Where the other nodes reach this node's SIP over TCP, once it listens. */
  address: { host: string; port: number };
  /** SUBSCRIBE/NOTIFY and PUBLISH state of this node (timers and watches end on stop). */
  simple: { stop(): void }[];
  /** Ends call control through this node's switch. */
  detach: () => void;
}

/** The SIP section with the data folder (where a generated TLS certificate is kept) and `outbound.allow`. */
type SipSettings = SipConfig & { dataDir: string; outboundAllow: readonly string[] };

export function sipAdapter(): Adapter<SipSettings> {
  const sockets = new Set<Socket>();
  let im: InstantMessages | undefined;
  let links: NodeLinks | undefined;
  let simple: SipNode['simple'] = [];
  let detach: (() => void) | undefined;
  let registering: NodeJS.Timeout | undefined;
  return {
    name: 'sip',
    config: (config) => ({ ...config.sip, dataDir: config.dataDir, outboundAllow: config.outbound.allow }),
    async start(ctx) {
      if (!ctx.config.enabled) return;
      const keys = {
        nonce: await ctx.core.auth.clusterKey('sip-nonce'),
        flow: await ctx.core.auth.clusterKey('sip-flow'),
      };
      const node = build(ctx, keys);
      simple = node.simple;
      links = node.links;
      detach = node.detach;
      const ep = node.endpoint;
      im = node.im;
      im.start();
      const idleMs = ctx.config.limits.idleSeconds * 1000;
      /** Takes a connection (accepted, or opened to a federated peer) into the endpoint. */
      const serve = (socket: Socket, flow: Flow): Flow | undefined => {
        sockets.add(socket);
        socket.setTimeout(idleMs, () => socket.destroy());
        const sink = ep.open(flow);
        if (!sink) return void socket.destroy();
        socket.on('data', (chunk: Buffer) => sink.data(chunk));
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          sockets.delete(socket);
          sink.closed();
          node.federation.closed(flow);
          node.trunks.closed(flow);
        });
        node.federation.opened(flow);
        return flow;
      };
      // Via, Record-Route, Path and Contact name `sip.advertise` when set (phones and peers reach us there).
      const { host, advertise } = ctx.config;
      const stream = (transport: 'TCP' | 'TLS') => (socket: Socket) =>
        void serve(
          socket,
          streamFlow(socket, transport, { localAddress: advertise, peerNames: verifiedNames(socket) }),
        );
      const port = ctx.config.port;
      for (let attempt = 1; ; attempt++) {
        const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
        // The local address is read once bound (a system call per datagram otherwise).
        let local: ReturnType<typeof localOf> | undefined;
        udp.on('message', (bytes, remote) => {
          if (isStun(bytes)) return keepAlive(udp, bytes, remote);
          local ??= localOf(udp, host, advertise);
          ep.datagram(bytes, udpFlow(udp, remote, local));
        });
        udp.on('error', (err) => ctx.log.warn({ err }, 'SIP UDP socket error'));
        const at = { name: 'sip-udp', setting: 'sip', host, port, scheme: 'sip', serves: 'SIP over UDP' };
        const bound = await ctx.listen(udp, at);
        try {
          const tcp = { ...at, name: 'sip-tcp', port: bound.port, serves: 'SIP over TCP' };
          await ctx.listen(createServer(stream('TCP')), tcp);
          node.udp = udp;
          node.address.port = bound.port;
          break;
        } catch (err) {
          udp.close();
          if (!(port === 0 && err instanceof ListenError && attempt < PORT_ATTEMPTS)) throw err;
        }
      }
      if (ctx.config.tls.enabled) {
        const { certificate, port: tlsPort } = await listenTls(ctx, stream('TLS'), node.federation.ca);
        node.federation.tls = {
          ...certificate,
          attach: (socket, peerNames) =>
            serve(socket, streamFlow(socket, 'TLS', { localPort: tlsPort, localAddress: advertise, peerNames })),
        };
      }
      node.trunks.attach = (socket, transport) =>
        serve(socket, streamFlow(socket, transport, { localPort: node.address.port, localAddress: advertise }));
      if (ctx.config.websocket) mountWebSocket(ctx, ep);
      const register = () =>
        void node.trunkRegistrar.check().catch((err: unknown) => ctx.log.warn({ err }, 'SIP trunk registrations'));
      registering = setInterval(register, TRUNK_CHECK_MS);
      register();
      await ctx.core.registrations.announce(nodeAddress(node.address.host, node.address.port));
    },
    stop() {
      clearInterval(registering);
      detach?.();
      im?.stop();
      links?.close();
      for (const socket of sockets) socket.destroy();
      for (const s of simple) s.stop();
    },
  };
}

/** A STUN keep-alive on the SIP port (RFC 5626 §8) is answered; other STUN messages are dropped. */
function keepAlive(udp: UdpSocket, bytes: Buffer, remote: { address: string; port: number }): void {
  const response = stunBindingResponse(bytes, remote);
  if (response) udp.send(response, remote.port, remote.address);
}

const localOf = (udp: UdpSocket, host: string, advertise: string | undefined) => {
  const a = udp.address();
  return { address: advertise ?? (['0.0.0.0', '::'].includes(a.address) ? host : a.address), port: a.port };
};

/** The host the other nodes reach this node's SIP at: `sip.nodeHost`, `sip.advertise`, the bind address or host name. */
const nodeHostOf = (config: SipConfig) =>
  config.nodeHost ?? config.advertise ?? (['0.0.0.0', '::'].includes(config.host) ? hostname() : config.host);

function build(ctx: AdapterContext<SipSettings>, keys: { nonce: Buffer; flow: Buffer }): SipNode {
  const { config, core, log } = ctx;
  const now = () => core.ctx.clock.now();
  const newTag = () => pooledRandomBytes(6).toString('hex');
  const limits = sipLimits({
    maxMessageBytes: config.limits.maxMessageBytes,
    maxBodyBytes: Math.min(DEFAULT_SIP_LIMITS.maxBodyBytes, config.limits.maxMessageBytes - 1024),
  });
  const nonces = new NonceBook({ key: keys.nonce, lifetimeSeconds: config.nonceSeconds, now });
  const trustedProxies = new Set(config.trustedProxies);
  const digest = { core, nonces, algorithms: config.digestAlgorithms, newTag, trustedProxies };
  const address = { host: nodeHostOf(config), port: config.port };
  const node: Partial<SipNode> = { address };
  const federation = new SipFederation({
    peers: config.federation.peers,
    log,
    outbound: new OutboundPolicy(config.outboundAllow),
    ca: config.federation.peers.length > 0 ? trustedCas(config.federation.caFile) : [],
  });
  node.federation = federation;
  const trunks = new TrunkFlows({
    udp: () => node.udp && { socket: node.udp, local: localOf(node.udp, node.udp.address().address, config.advertise) },
  });
  node.trunks = trunks;
  const links = new NodeLinks({
    local: () => ({ address: address.host, port: address.port }),
    open: (flow) => node.endpoint?.open(flow),
    log,
  });
  node.links = links;
  const reachOf = (binding: Binding): Promise<Reach | undefined> =>
    reach(node as SipNode, relay, binding, core.registrations.node, config.advertise);
  const sink = new CoreCallSink(core, log);
  const calls = new CallSwitch({
    core,
    log,
    digest,
    federation,
    sink,
    media: () => mediaSettings(config),
    reach: reachOf,
    trunkFlows: trunks.flow,
    ringSeconds: config.ringSeconds,
    t1: DEFAULT_TIMERS.t1,
    t2: DEFAULT_TIMERS.t2,
  });
  node.trunkRegistrar = new TrunkRegistrar({ core, log, flows: trunks.flow, sender: calls, now });
  const relay = new SipRelay({
    log,
    tokens: new FlowTokens(keys.flow, core.registrations.node),
    self: () => nodeAddress(address.host, address.port),
    sender: calls,
    connection: (id) => node.endpoint?.connection(id),
    links,
    nodeAddresses: (fresh) => core.registrations.nodeAddresses(fresh),
    newTag,
  });
  const registrar = new Registrar({
    core,
    limits: config.registration,
    newTag,
    now,
    digest,
    pathOf: (f) => relay.path(f),
  });
  node.im = new InstantMessages({
    core,
    log,
    digest,
    sender: calls,
    reach: reachOf,
  });
  const notifier = new SimpleNotifier({
    core,
    log,
    digest,
    federation,
    sender: calls,
    newTag,
    earlyDialog: (d) => {
      const id = sink.switched(d.callId);
      const party = {
        ...(d.userId !== undefined && { userId: d.userId }),
        ...(d.deviceId !== undefined && { deviceId: d.deviceId }),
      };
      return id === undefined ? undefined : calls.call(id)?.earlyDialogAt(party);
    },
  });
  const publisher = new SimplePublisher({ core, log, digest, newTag });
  node.simple = [notifier, publisher];
  const router = new SipRouter({ log, registrar, calls, im: node.im, notifier, publisher, relay, newTag });
  node.endpoint = new SipEndpoint({
    limits,
    maxTransactions: config.limits.maxTransactions,
    maxTransactionsPerSource: config.limits.maxTransactionsPerSource,
    maxConnections: config.limits.maxConnections,
    scheduler: timerScheduler(),
    log,
    tu: router,
  });
  router.endpoint = node.endpoint;
  calls.endpoint = node.endpoint;
  node.detach = core.control.attach(new SipCallDriver(core, calls, sink));
  return node as SipNode;
}

/**
 * How this node reaches a registered device: over the connection it registered on (RFC 5626),
 * through the node holding that connection (its Path), or for UDP from our socket to the address
 * its REGISTER came from (which crosses its NAT).
 */
async function reach(
  node: SipNode,
  relay: SipRelay,
  binding: Binding,
  self: string,
  advertise: string | undefined,
): Promise<Reach | undefined> {
  if (held(binding.flow.transport)) return relay.reach(binding, self);
  if (!node.udp) return undefined;
  const { address, port } = binding.flow;
  const flow = udpFlow(node.udp, { address, port }, localOf(node.udp, node.udp.address().address, advertise));
  return { flow, route: binding.path ?? [] };
}

/** SIP over TLS (RFC 3261 §26.2.1) with the configured certificate, or a generated one. */
async function listenTls(
  ctx: AdapterContext<SipSettings>,
  onConnection: (socket: Socket) => void,
  peerCas: readonly string[],
): Promise<{ certificate: { cert: string; key: string }; port: number }> {
  const { tls, host, advertise, dataDir } = ctx.config;
  const certificate = await loadCertificate({
    certFile: tls.cert,
    keyFile: tls.key,
    dataDir,
    name: 'sip',
    hosts: [advertise ?? host, 'localhost', '127.0.0.1'],
  });
  if (certificate.selfSigned)
    ctx.log.info(
      { dataDir },
      'SIP over TLS uses a self-signed certificate (set sip.tls.cert and sip.tls.key for a real one)',
    );
  // With federation peers, a client certificate is asked for (phones send none and are served as before).
  const clientCertificates =
    peerCas.length > 0 ? { requestCert: true, rejectUnauthorized: false, ca: [...peerCas] } : {};
  const server = createTlsServer({ cert: certificate.cert, key: certificate.key, ...clientCertificates }, onConnection);
  const bound = await ctx.listen(server, {
    name: 'sip-tls',
    setting: 'sip.tls',
    host,
    port: tls.port,
    scheme: 'sips',
    serves: 'SIP over TLS',
  });
  return { certificate, port: bound.port };
}

/** The names of a TLS client's certificate, when it verified against the trusted authorities. */
const verifiedNames = (socket: Socket) =>
  socket instanceof TLSSocket && socket.authorized ? certificateNames(socket.getPeerCertificate()) : undefined;

/** SIP over WebSocket (RFC 7118): the client must ask for the `sip` subprotocol. */
function mountWebSocket(ctx: AdapterContext<SipSettings>, ep: SipEndpoint): void {
  ctx.http.websocket(SIP_WS_PATH, {
    authenticate: async (req) => {
      const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(/\s*,\s*/);
      if (!protocols.includes('sip')) {
        throw new ParleyError('PARLEY_ERR_VALIDATION', 'SIP over WebSocket needs the "sip" subprotocol (RFC 7118)');
      }
      return { secure: req.headers['x-forwarded-proto'] === 'https' };
    },
    accept(socket, auth, req) {
      const flow = webSocketFlow(socket, auth.secure, { address: req.ip, port: 0 }, { address: req.host, port: 0 });
      const conn = ep.openFramed(flow);
      if (!conn) return void socket.close(1013, 'too many SIP connections');
      socket.on('message', (data: Buffer) => ep.datagram(Buffer.from(data), flow));
      socket.on('close', () => conn.closed());
    },
  });
}

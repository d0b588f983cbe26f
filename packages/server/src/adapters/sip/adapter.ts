// The SIP adapter: UDP and TCP on one port, and WebSocket at /sip-ws (RFC 7118), over the
// transaction layer, registrar and switch. DESIGN §8: the engine is ours, written against the RFCs.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ParleyError } from '../../core/errors.js';
import type { Binding } from '../../core/registrations/model.js';
import { pooledRandomBytes } from '../../lib/random-pool.js';
import type { SipConfig } from '../../platform/config/sip-schema.js';
import { loadCertificate } from '../../platform/tls.js';
import type { Adapter, AdapterContext } from '../adapter.js';
import { ListenError } from '../adapter.js';
import { CallSwitch } from './b2bua/switch.js';
import { coreCallSink } from './calls.js';
import { InstantMessages } from './im.js';
import { DEFAULT_SIP_LIMITS, sipLimits } from './message/index.js';
import { NonceBook } from './registrar/nonce.js';
import { Registrar } from './registrar/registrar.js';
import { SipRouter } from './router.js';
import { SimpleNotifier } from './simple/notifier.js';
import { SimplePublisher } from './simple/publisher.js';
import { DEFAULT_TIMERS, timerScheduler } from './transaction/index.js';
import { SipEndpoint } from './transport/endpoint.js';
import { type Flow, streamFlow, udpFlow, webSocketFlow } from './transport/flow.js';

export const SIP_WS_PATH = '/sip-ws';

/** Tries for a TCP port equal to the UDP one when both were asked as 0 (a free UDP port may be taken on TCP). */
const PORT_ATTEMPTS = 10;

/** One node's SIP service: the endpoint and the UDP socket requests to UDP devices leave from. */
interface SipNode {
  endpoint: SipEndpoint;
  udp?: UdpSocket;
  im: InstantMessages;
  /** SUBSCRIBE/NOTIFY and PUBLISH state of this node (timers and watches end on stop). */
  simple: { stop(): void }[];
}

/** The SIP section with the data folder, where a generated TLS certificate is kept. */
type SipSettings = SipConfig & { dataDir: string };

export function sipAdapter(): Adapter<SipSettings> {
  const sockets = new Set<Socket>();
  let im: InstantMessages | undefined;
  let simple: SipNode['simple'] = [];
  return {
    name: 'sip',
    config: (config) => ({ ...config.sip, dataDir: config.dataDir }),
    async start(ctx) {
      if (!ctx.config.enabled) return;
      const node = build(ctx, await ctx.core.auth.clusterKey('sip-nonce'));
      simple = node.simple;
      const ep = node.endpoint;
      im = node.im;
      im.start();
      const idleMs = ctx.config.limits.idleSeconds * 1000;
      const stream = (transport: 'TCP' | 'TLS') => (socket: Socket) => {
        sockets.add(socket);
        socket.setTimeout(idleMs, () => socket.destroy());
        const flow = streamFlow(socket, transport);
        const sink = ep.open(flow);
        if (!sink) return void socket.destroy();
        socket.on('data', (chunk: Buffer) => sink.data(chunk));
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          sockets.delete(socket);
          sink.closed();
        });
      };
      const { host } = ctx.config;
      const port = ctx.config.port;
      for (let attempt = 1; ; attempt++) {
        const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
        // The local address is read once bound (a system call per datagram otherwise).
        let local: ReturnType<typeof localOf> | undefined;
        udp.on('message', (bytes, remote) => {
          local ??= localOf(udp, host);
          ep.datagram(bytes, udpFlow(udp, remote, local));
        });
        udp.on('error', (err) => ctx.log.warn({ err }, 'SIP UDP socket error'));
        const at = { name: 'sip-udp', setting: 'sip', host, port, scheme: 'sip', serves: 'SIP over UDP' };
        const bound = await ctx.listen(udp, at);
        try {
          const tcp = { ...at, name: 'sip-tcp', port: bound.port, serves: 'SIP over TCP' };
          await ctx.listen(createServer(stream('TCP')), tcp);
          node.udp = udp;
          break;
        } catch (err) {
          udp.close();
          if (!(port === 0 && err instanceof ListenError && attempt < PORT_ATTEMPTS)) throw err;
        }
      }
      if (ctx.config.tls.enabled) await listenTls(ctx, stream('TLS'));
      if (ctx.config.websocket) mountWebSocket(ctx, ep);
    },
    stop() {
      im?.stop();
      for (const socket of sockets) socket.destroy();
      for (const s of simple) s.stop();
    },
  };
}

const localOf = (udp: UdpSocket, host: string) => {
  const a = udp.address();
  return { address: ['0.0.0.0', '::'].includes(a.address) ? host : a.address, port: a.port };
};

function build(ctx: AdapterContext<SipSettings>, nonceKey: Buffer): SipNode {
  const { config, core, log } = ctx;
  const now = () => core.ctx.clock.now();
  const newTag = () => pooledRandomBytes(6).toString('hex');
  const limits = sipLimits({
    maxMessageBytes: config.limits.maxMessageBytes,
    maxBodyBytes: Math.min(DEFAULT_SIP_LIMITS.maxBodyBytes, config.limits.maxMessageBytes - 1024),
  });
  const nonces = new NonceBook({ key: nonceKey, lifetimeSeconds: config.nonceSeconds, now });
  const digest = { core, nonces, algorithms: config.digestAlgorithms, newTag };
  const registrar = new Registrar({ core, limits: config.registration, newTag, now, digest });
  const node: Partial<SipNode> = {};
  const reach = (binding: Binding) => flowOf(node as SipNode, binding, core.registrations.node);
  const calls = new CallSwitch({
    core,
    log,
    digest,
    sink: coreCallSink(core, log),
    flowOf: reach,
    ringSeconds: config.ringSeconds,
    t1: DEFAULT_TIMERS.t1,
    t2: DEFAULT_TIMERS.t2,
  });
  node.im = new InstantMessages({ core, log, digest, sender: calls, flowOf: reach });
  const notifier = new SimpleNotifier({ core, log, digest, sender: calls, newTag });
  const publisher = new SimplePublisher({ core, log, digest, newTag });
  node.simple = [notifier, publisher];
  const router = new SipRouter({ log, registrar, calls, im: node.im, notifier, publisher, newTag });
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
  return node as SipNode;
}

/**
 * How this node reaches a registered device: over the connection it registered on (RFC 5626),
 * or for UDP from our socket to the address its REGISTER came from (which crosses its NAT).
 * A connection held by another node is not reachable from here.
 */
function flowOf(node: SipNode, binding: Binding, self: string): Flow | undefined {
  if (binding.flow.transport !== 'UDP')
    return binding.node === self ? node.endpoint.connection(binding.flow.id) : undefined;
  if (!node.udp) return undefined;
  const { address, port } = binding.flow;
  return udpFlow(node.udp, { address, port }, localOf(node.udp, node.udp.address().address));
}

/** SIP over WebSocket (RFC 7118): the client must ask for the `sip` subprotocol. */
/** SIP over TLS (RFC 3261 §26.2.1) with the configured certificate, or a generated one. */
async function listenTls(ctx: AdapterContext<SipSettings>, onConnection: (socket: Socket) => void): Promise<void> {
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
  const server = createTlsServer({ cert: certificate.cert, key: certificate.key }, onConnection);
  await ctx.listen(server, {
    name: 'sip-tls',
    setting: 'sip.tls',
    host,
    port: tls.port,
    scheme: 'sips',
    serves: 'SIP over TLS',
  });
}

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

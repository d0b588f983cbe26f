// The XMPP adapter (issue 15): client streams over TCP with STARTTLS (RFC 6120), direct TLS
// (XEP-0368), WebSocket (RFC 7395) at /xmpp-websocket and BOSH (XEP-0206) at /http-bind, and the
// modules that serve their stanzas.
import { createServer, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { createServer as createTlsServer } from 'node:tls';
import { ParleyError } from '../../core/errors.js';
import type { Config } from '../../platform/config/schema.js';
import type { XmppConfig } from '../../platform/config/xmpp-schema.js';
import type { Adapter, AdapterContext, MountedRequest } from '../adapter.js';
import { BoshEndpoint, XMPP_BOSH_PATH } from './c2s/bosh/endpoint.js';
import { BOSH_MAX_PAUSE_SECONDS, BOSH_POLLING_SECONDS } from './c2s/bosh/session.js';
import { type C2sHub, parserLimits, replace } from './c2s/hub.js';
import { ConnectionLimit } from './c2s/rate.js';
import type { Session } from './c2s/session.js';
import { UNACKED_KEY } from './c2s/sm.js';
import { C2sStream } from './c2s/stream.js';
import { TcpTransport } from './c2s/tcp.js';
import type { Transport } from './c2s/transport.js';
import { WebSocketTransport } from './c2s/websocket.js';
import { type XmppCertificates, xmppCertificates } from './certificates.js';
import { xmppCluster } from './cluster.js';
import { COMPONENT_KIND, Components } from './component/components.js';
import { errorReply, StanzaError } from './errors.js';
import { federationNet } from './federation/checker.js';
import type { ModuleContext, Stop, XmppModule } from './module.js';
import { xmppModules } from './modules.js';
import { hostedDomains, standaloneOnward } from './onward.js';
import { Router } from './router.js';
import type { S2sHub } from './s2s/hub.js';
import { listenS2s } from './s2s/listen.js';
import { S2sManager } from './s2s/manager.js';
import type { S2sProbe } from './s2s/probe.js';
import type { S2sInStream } from './s2s/stream-in.js';
import { Sessions } from './sessions.js';
import { StreamError } from './stream-error.js';
import type { XmlElement } from './xml/element.js';

export const XMPP_WS_PATH = '/xmpp-websocket';

type XmppSettings = XmppConfig & { dataDir: string; trustProxy: boolean; publicUrl: string | undefined } & Pick<
    Config,
    'federation' | 'outbound'
  >;

/**
 * The XMPP adapter; `modules` replaces the server's module list (tests). `probe` is the federation
 * check's authentication and ping on this server's s2s streams (undefined while s2s is not running).
 */
export function xmppAdapter(
  modules: readonly XmppModule[] = xmppModules(),
): Adapter<XmppSettings> & { probe: S2sProbe } {
  const streams = new Set<C2sStream>();
  const s2sStreams = new Set<S2sInStream>();
  const stops: Stop[] = [];
  let hub: C2sHub | undefined;
  let s2s: S2sManager | undefined;
  let components: Components | undefined;
  return {
    name: 'xmpp',
    probe: (local, remote) => s2s?.probe(local, remote),
    config: (config) => ({
      ...config.xmpp,
      dataDir: config.dataDir,
      trustProxy: config.http.trustProxy,
      publicUrl: config.http.publicUrl,
      federation: config.federation,
      outbound: config.outbound,
    }),
    async start(ctx) {
      if (!ctx.config.enabled) return;
      const sessions = new Sessions();
      const route = (stanza: XmlElement): Promise<boolean> => router.route(stanza);
      const cluster = xmppCluster({
        core: ctx.core,
        log: ctx.log,
        sessions,
        limits: parserLimits(ctx.config),
        deliver: (stanza, to) => router.deliver(stanza, to),
        route: (stanza) => void route(stanza),
        replaced: (session) => replace(started, session),
      });
      const external = new Components(
        ctx.config,
        ctx.core,
        ctx.log.child({ xmpp: 'component' }),
        cluster.holdings(COMPONENT_KIND),
      );
      components = external;
      const all = [...modules, cluster.module, external.module()];
      const hosts = hostedDomains(ctx.core, all);
      const standalone = {
        ...standaloneOnward(hosts, route),
        nodes: cluster.nodes,
        component: (domain: string) =>
          external.serves(domain) ? (stanza: XmlElement) => external.send(domain, stanza) : undefined,
      };
      let s2sHub: S2sHub | undefined;
      const manager = ctx.config.s2s.enabled ? new S2sManager(() => s2sHub as S2sHub) : undefined;
      const onward = manager ? { ...standalone, remote: manager.remote.bind(manager) } : standalone;
      const router = new Router(all, sessions, ctx.log, onward);
      const started: C2sHub = {
        core: ctx.core,
        log: ctx.log,
        config: ctx.config,
        sessions,
        router,
        modules: all,
        ended: (session) => void ended(started, session),
      };
      hub = started;
      const moduleContext: ModuleContext = {
        core: ctx.core,
        log: ctx.log,
        sessions,
        route: (stanza) => void route(stanza),
        modules: all,
        httpUrl: () => httpUrl(ctx),
        holdings: cluster.holdings,
      };
      for (const m of all)
        if (m.start) stops.push(await m.start({ ...moduleContext, log: ctx.log.child({ module: m.name }) }));
      const certificates = await listen(ctx, started, streams);
      await external.listen(ctx, router, new ConnectionLimit(ctx.config.limits.connectionsPerAddress));
      if (manager) {
        s2sHub = {
          core: ctx.core,
          log: ctx.log.child({ xmpp: 's2s' }),
          config: ctx.config,
          router,
          net: federationNet(ctx.config),
          certificates,
          hosts,
          verifyDialback: manager.verifyDialback.bind(manager),
          pingAnswered: (stanza) => manager.pingAnswered(stanza),
          bidi: manager.bidi,
        };
        await listenS2s(ctx, s2sHub, new ConnectionLimit(ctx.config.limits.connectionsPerAddress), s2sStreams);
        s2s = manager;
        stops.push(ctx.core.ctx.bus.subscribe('federation.changed', (e) => manager.trustChanged(e.tenantId)));
        stops.push(ctx.core.ctx.bus.subscribe('federation.check.answered', (a) => void manager.pings.take(a)));
      }
    },
    stop() {
      for (const stream of streams) stream.fail(new StreamError('system-shutdown'));
      for (const stream of s2sStreams) stream.fail(new StreamError('system-shutdown'));
      for (const stream of components?.streams ?? []) stream.fail(new StreamError('system-shutdown'));
      s2s?.stop();
      if (hub) {
        for (const session of hub.sessions.all()) {
          if (session.transport) continue;
          clearTimeout(session.expiry);
          hub.ended(session);
        }
      }
      for (const stop of stops.splice(0)) stop?.();
    },
  };
}

/** `http.publicUrl`, else the HTTP listener's address (by host name when it listens on every address). */
function httpUrl(ctx: AdapterContext<XmppSettings>): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/+$/, '');
  const http = ctx.listeners().find((l) => l.name === 'http');
  if (!http) throw new StanzaError('service-unavailable', 'the HTTP listener is not running');
  const wildcard = ['0.0.0.0', '::', ''].includes(http.host);
  return wildcard ? `http://${hostname()}:${http.port}` : http.url;
}

/** A session is over: out of the registry, its unacknowledged IQs refused, the modules told. */
async function ended(hub: C2sHub, session: Session): Promise<void> {
  hub.sessions.remove(session);
  const unacked = session.sm?.unacked() ?? [];
  session.data.set(
    UNACKED_KEY,
    unacked.filter((s) => s.name === 'message'),
  );
  for (const s of unacked) {
    if (s.name === 'iq' && (s.attrs.type === 'get' || s.attrs.type === 'set')) {
      void hub.router.route(errorReply(s, new StanzaError('service-unavailable')));
    }
  }
  for (const m of hub.modules) {
    try {
      await m.sessionEnded?.(session);
    } catch (err) {
      hub.log.error({ err, module: m.name }, 'XMPP module failed on an ended session');
    }
  }
}

async function listen(
  ctx: AdapterContext<XmppSettings>,
  hub: C2sHub,
  streams: Set<C2sStream>,
): Promise<XmppCertificates> {
  const { c2s, c2sTls, limits } = ctx.config;
  const domains = (await ctx.core.tenants.list({ limit: 100 })).flatMap((t) => t.domains);
  const certificates = await xmppCertificates(ctx.config, {
    dataDir: ctx.config.dataDir,
    domains,
    hosted: hostedDomains(ctx.core, hub.modules),
  });
  if (certificates.selfSigned) {
    ctx.log.info('XMPP uses a self-signed certificate (set xmpp.certificates for real ones)');
  }
  const perAddress = new ConnectionLimit(limits.connectionsPerAddress);
  const rate = { bytesPerSecond: limits.bytesPerSecond, burstSeconds: limits.burstSeconds };
  const now = () => ctx.core.ctx.clock.now();
  /** HTTPS ended at a trusted proxy (WebSocket and BOSH). */
  const viaHttps = (req: MountedRequest) => ctx.config.trustProxy && req.headers['x-forwarded-proto'] === 'https';
  const open = (transport: Transport, refuse: () => void, allowPlain = false) => {
    const release = perAddress.take(transport.address);
    if (!release) {
      ctx.log.warn({ address: transport.address }, 'XMPP connection refused: too many from this address');
      refuse();
      return undefined;
    }
    const stream = new C2sStream(hub, transport, allowPlain);
    streams.add(stream);
    return () => {
      streams.delete(stream);
      release();
    };
  };
  const serve = (tls: boolean) => (socket: Socket) => {
    const transport = new TcpTransport(socket, {
      limits: parserLimits(ctx.config),
      rate,
      now,
      tls: tls ? undefined : certificates.options,
      endPoint: certificates.endPoint,
    });
    const done = open(transport, () => socket.destroy());
    if (done) socket.once('close', done);
  };
  await ctx.listen(createServer(serve(false)), {
    name: 'xmpp-c2s',
    setting: 'xmpp.c2s',
    host: c2s.host,
    port: c2s.port,
    scheme: 'xmpp',
    serves: 'XMPP clients (STARTTLS)',
  });
  if (c2sTls.enabled) {
    await ctx.listen(createTlsServer(certificates.options, serve(true)), {
      name: 'xmpp-c2s-tls',
      setting: 'xmpp.c2sTls',
      host: c2sTls.host,
      port: c2sTls.port,
      scheme: 'xmpps',
      serves: 'XMPP clients (direct TLS, XEP-0368)',
    });
  }
  if (ctx.config.websocket.enabled) {
    ctx.http.websocket(XMPP_WS_PATH, {
      authenticate: async (req) => {
        const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(/\s*,\s*/);
        if (!protocols.includes('xmpp')) {
          throw new ParleyError('PARLEY_ERR_VALIDATION', 'XMPP over WebSocket needs the "xmpp" subprotocol (RFC 7395)');
        }
        return { secure: viaHttps(req) };
      },
      accept(socket, auth, req) {
        const transport = new WebSocketTransport(socket, {
          limits: parserLimits(ctx.config),
          rate,
          now,
          address: req.ip,
          secure: auth.secure,
        });
        const done = open(transport, () => socket.close(1008, 'too many connections'), ctx.config.websocket.allowPlain);
        if (done) socket.once('close', done);
      },
    });
  }
  if (ctx.config.bosh.enabled) {
    const { allowPlain, waitSeconds, inactivitySeconds } = ctx.config.bosh;
    const bosh = new BoshEndpoint({
      limits: parserLimits(ctx.config),
      rate,
      now,
      settings: {
        maxWaitSeconds: waitSeconds,
        inactivitySeconds,
        maxPauseSeconds: BOSH_MAX_PAUSE_SECONDS,
        pollingSeconds: BOSH_POLLING_SECONDS,
      },
      log: ctx.log,
      secure: viaHttps,
      open: (session) => open(session, () => {}, allowPlain),
    });
    ctx.http.route('POST', XMPP_BOSH_PATH, bosh.handle);
    ctx.http.route('OPTIONS', XMPP_BOSH_PATH, bosh.handle);
  }
  return certificates;
}

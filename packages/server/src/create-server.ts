import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { type Adapter, AdapterHost, type Listener } from './adapters/adapter.js';
import { cstaAdapter } from './adapters/csta/server.js';
import { metricsAdapter } from './adapters/http/metrics.js';
import { httpAdapter } from './adapters/http/server.js';
import { ldapAdapter } from './adapters/ldap/server.js';
import { sipAdapter } from './adapters/sip/adapter.js';
import { EventSockets, eventSocketAdapter } from './adapters/ws/events.js';
import { federationChecker } from './adapters/xmpp/federation/checker.js';
import { xmppAdapter } from './adapters/xmpp/server.js';
import { createServices, type Services } from './compose.js';
import { seedDemoTenant } from './core/bootstrap.js';
import { calendarPolling } from './core/calendar/feature.js';
import { callBacksFeature } from './core/callbacks/feature.js';
import { callsFeature } from './core/calls/feature.js';
import type { CoreContext } from './core/context.js';
import type { EventMap } from './core/events.js';
import { type Feature, FeatureHost } from './core/feature.js';
import { Hooks } from './core/hooks.js';
import type { Core } from './core/index.js';
import { journalFeature } from './core/journal/feature.js';
import { attachmentHousekeeping } from './core/messaging/housekeeping.js';
import { presenceFeature } from './core/presence/feature.js';
import { readCacheInvalidation } from './core/read-cache-feature.js';
import { sessionHousekeeping } from './core/sessions/housekeeping.js';
import { Store } from './core/store.js';
import { connectorFor } from './directory/connectors.js';
import { directoryFeature } from './directory/feature.js';
import { LocalFiles } from './directory/local-files.js';
import { MemoryBus } from './platform/bus/memory.js';
import { connectNatsBus, type NatsBus } from './platform/bus/nats.js';
import { type Clock, systemClock } from './platform/clock.js';
import type { Cluster } from './platform/cluster/cluster.js';
import { LocalCluster } from './platform/cluster/local.js';
import { NatsCluster } from './platform/cluster/nats.js';
import { type Config, clusterEnabled } from './platform/config/schema.js';
import { privateDataDir } from './platform/data-dir.js';
import { createLogger, type Logger } from './platform/log.js';
import { createMetrics } from './platform/metrics.js';
import { OutboundPolicy } from './platform/outbound.js';
import { lazySecretBox } from './platform/secrets.js';
import { SmtpMailer } from './platform/smtp.js';
import { connect, defaultDatabaseUrl, sqliteFiles } from './platform/store/connect.js';

export const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** The features every server runs, in start order (then the directory's, which is given the directory). */
const coreFeatures: Feature[] = [
  readCacheInvalidation,
  sessionHousekeeping,
  attachmentHousekeeping,
  presenceFeature,
  callsFeature,
  callBacksFeature,
  journalFeature,
  calendarPolling,
];

export interface ServerOptions {
  config: Config;
  log?: Logger;
  clock?: Clock;
  /** PostgreSQL schema (tests isolate themselves in one). */
  dbSchema?: string;
  /** Adapters started after the built-in ones (HTTP, the event socket, the metrics listener). */
  adapters?: Adapter[];
}

/** The platform and core without any listener: what the CLI's admin commands work on. */
export async function openCore(options: ServerOptions): Promise<Services> {
  const { config } = options;
  const log = options.log ?? createLogger(config.log);
  privateDataDir(config.dataDir, log);
  const url = config.database.url ?? defaultDatabaseUrl(config.dataDir);
  const { db, engine, schema } = connect({
    url,
    poolSize: config.database.poolSize,
    log,
    ...(options.dbSchema && { schema: options.dbSchema }),
  });
  const store = new Store(db, engine, schema);
  try {
    const applied = await store.migrate();
    if (applied.length > 0) log.info({ engine, applied }, 'database migrated');
  } catch (err) {
    await store.close();
    throw err;
  }
  const clock = options.clock ?? systemClock;
  let bus: CoreContext['bus'];
  let cluster: Cluster;
  try {
    ({ bus, cluster } = await openBus(config, clock, log));
  } catch (err) {
    await store.close();
    throw err;
  }
  const ctx: CoreContext = { store, bus, cluster, hooks: new Hooks(log), clock, log };
  const { attachments } = config.messaging;
  const messaging = {
    ...config.messaging,
    attachments: { ...attachments, dir: attachments.dir ?? join(config.dataDir, 'attachments') },
  };
  const keyFile = config.secrets.keyFile ?? join(config.dataDir, 'secrets.key');
  const secrets = lazySecretBox(keyFile);
  // One policy for every server-side connection the core makes (DESIGN §9).
  const outbound = new OutboundPolicy(config.outbound.allow);
  // Directory sources never read Parley's own data, whatever directory.localFolders lists.
  const local = new LocalFiles({
    folders: config.directory.localFolders,
    privateFolders: [config.dataDir, messaging.attachments.dir, dirname(keyFile)],
    privateFiles: [keyFile, ...(engine === 'sqlite' ? sqliteFiles(url.slice('sqlite:'.length)) : [])],
  });
  const { smtp } = config;
  const missedCallMail = config.journal.missedCallMail;
  return createServices(ctx, {
    ...config.auth,
    messaging,
    calendar: { ...config.calendar, secrets, outbound },
    trunks: { secrets, outbound },
    journal: {
      // The schema refuses a missed-call mail without a server and a sender.
      ...(missedCallMail.enabled &&
        smtp.host !== undefined &&
        smtp.from !== undefined && {
          missedCallMail: {
            ...missedCallMail,
            mailer: new SmtpMailer({ ...smtp, host: smtp.host, from: smtp.from }, outbound),
          },
        }),
    },
    directory: {
      secrets,
      connect: (source, secret) => connectorFor(source, secret, { outbound }),
      local,
      limits: config.directory.limits,
      snapshots: join(config.dataDir, 'directory-index'),
    },
  });
}

/** This node's id in a cluster: configured, or host name and HTTP port (process id for port 0). */
export const nodeIdOf = (config: Config) => config.cluster.nodeId ?? `${hostname()}-${config.http.port || process.pid}`;

/**
 * The in-process bus and a one-node cluster; in a cluster NATS for both: events on per-user and
 * per-tenant subjects, membership, leases and shared state in JetStream key-value buckets.
 */
async function openBus(config: Config, clock: Clock, log: Logger): Promise<Pick<CoreContext, 'bus' | 'cluster'>> {
  const busLog = log.child({ component: 'bus' });
  const nodeId = nodeIdOf(config);
  if (!clusterEnabled(config))
    return { bus: new MemoryBus<EventMap>(busLog), cluster: new LocalCluster(nodeId, clock) };
  const url = (config.cluster.nats.url as string).split(',').map((u) => u.trim());
  const bus: NatsBus<EventMap> = await connectNatsBus<EventMap>(url, busLog, {
    name: `parley-${nodeId}`,
    prefix: config.cluster.nats.subjectPrefix,
  });
  const { heartbeatSeconds, nodeTimeoutSeconds, leaseSeconds } = config.cluster;
  const cluster = new NatsCluster(
    bus.connection,
    {
      nodeId,
      prefix: config.cluster.nats.subjectPrefix,
      heartbeatMs: heartbeatSeconds * 1000,
      nodeTimeoutMs: nodeTimeoutSeconds * 1000,
      leaseMs: leaseSeconds * 1000,
    },
    clock,
    log.child({ component: 'cluster' }),
  );
  log.info({ nodeId, nats: url }, 'cluster mode: events go through NATS');
  return { bus, cluster };
}

/** Closes what openCore opened. */
export async function closeCore(core: Core): Promise<void> {
  await core.calendar.close();
  await core.ctx.cluster.stop();
  await core.ctx.bus.close();
  await core.ctx.store.close();
}

export interface ParleyServer {
  core: Services;
  /**
   * Starts every adapter and binds its listeners; resolves with the HTTP and metrics listeners'
   * URLs and every listener's bound address.
   */
  start(): Promise<{ http: string; metrics?: string; listeners: Listener[] }>;
  /** Graceful stop: readiness goes false, listeners stop accepting, in-flight work finishes, the store closes. */
  stop(): Promise<void>;
}

/**
 * The composition root: config → platform → core → adapters. No module-level singletons; tests
 * create as many servers as they like.
 */
export async function createServer(options: ServerOptions): Promise<ParleyServer> {
  const { config } = options;
  const core = await openCore(options);
  const log = core.ctx.log;
  const { cluster } = core.ctx;
  /** The stop under way or done; readiness is false from its start. */
  let stopped: Promise<void> | undefined;
  const metrics = createMetrics({ hashing: () => core.auth.hashing.stats() });
  const sockets = new EventSockets();
  const check = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: Error) => `unreachable: ${err.message}`,
    );
  const xmpp = xmppAdapter();
  /** The protocols this server speaks, in start order: the HTTP adapter first, whose listener the others mount on. */
  const adapters: Adapter[] = [
    httpAdapter({
      version,
      directoryUploadBytes: config.directory.maxUploadMegabytes * 1024 * 1024,
      federationCheck: federationChecker(config, xmpp.probe),
      readiness: async () => ({
        shutdown: stopped ? 'stopping' : 'ok',
        store: await check(core.ctx.store.ping()),
        bus: await check(cluster.ping()),
      }),
    }),
    eventSocketAdapter(sockets),
    metricsAdapter,
    sipAdapter(),
    cstaAdapter(),
    xmpp,
    ldapAdapter(),
    ...(options.adapters ?? []),
  ];
  const host = new AdapterHost({ core, config, metrics });
  const features = new FeatureHost(core);
  const drainSeconds = config.http.drainSeconds ?? (cluster.enabled ? 3 : 0);

  return {
    core,
    async start() {
      // Join the cluster before accepting connections: the others must see this node's heartbeat
      // before any of its clients' presence inputs.
      await cluster.start({ version, connections: () => sockets.count });
      // Bind first: a taken port must fail before the demo accounts (and their one-time passwords) exist.
      const listeners = await host.start(adapters);
      if (config.bootstrap.demoTenant) await seedDemoTenant(core);
      await features.start([...coreFeatures, directoryFeature(core.directory)]);
      const http = listeners.find((l) => l.name === 'http') as Listener;
      // Bound to every address: the others reach this node by its host name.
      const wildcard = ['0.0.0.0', '::', ''].includes(config.http.host);
      await cluster.announce(wildcard ? `http://${hostname()}:${http.port}` : http.url);
      for (const { name, adapter, transport, url, host, port, serves } of listeners) {
        log.info({ listener: name, adapter, transport, url, host, port }, `listening on ${url} (${serves})`);
      }
      const metricsUrl = listeners.find((l) => l.name === 'metrics')?.url;
      return { http: http.url, ...(metricsUrl && { metrics: metricsUrl }), listeners };
    },
    stop() {
      // A second call (a second signal, a failed start) waits for the same stop.
      stopped ??= (async () => {
        if (drainSeconds > 0) {
          log.info({ drainSeconds }, 'shutting down: not ready any more, waiting for the load balancer to notice');
          await new Promise((resolve) => setTimeout(resolve, drainSeconds * 1000));
        }
        log.info('shutting down: no new connections, closing event sockets, finishing requests in flight');
        await features.stop();
        await host.stop();
        await closeCore(core);
        log.info('stopped');
      })();
      return stopped;
    },
  };
}

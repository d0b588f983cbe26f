import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttp } from './adapters/http/server.js';
import { seedDemoTenant } from './core/bootstrap.js';
import { calendarPolling } from './core/calendar/feature.js';
import type { CoreContext } from './core/context.js';
import type { EventMap } from './core/events.js';
import { type Feature, FeatureHost } from './core/feature.js';
import { Hooks } from './core/hooks.js';
import { type Core, createCore } from './core/index.js';
import { presenceFeature } from './core/presence/feature.js';
import { sessionHousekeeping } from './core/sessions/housekeeping.js';
import { Store } from './core/store.js';
import { MemoryBus } from './platform/bus/memory.js';
import { connectNatsBus } from './platform/bus/nats.js';
import { type Clock, systemClock } from './platform/clock.js';
import { type Config, clusterEnabled } from './platform/config/schema.js';
import { createLogger, type Logger } from './platform/log.js';
import { createMetrics } from './platform/metrics.js';
import { lazySecretBox } from './platform/secrets.js';
import { connect, defaultDatabaseUrl } from './platform/store/connect.js';

export const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** The features every server runs; later capabilities (presence, directory sync …) join this list. */
const coreFeatures: Feature[] = [sessionHousekeeping, presenceFeature, calendarPolling];

export interface ServerOptions {
  config: Config;
  log?: Logger;
  clock?: Clock;
  /** PostgreSQL schema (tests isolate themselves in one). */
  dbSchema?: string;
}

/** The platform and core without any listener: what the CLI's admin commands work on. */
export async function openCore(options: ServerOptions): Promise<Core> {
  const { config } = options;
  const log = options.log ?? createLogger(config.log);
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
  let bus: CoreContext['bus'];
  try {
    bus = await openBus(config, log);
  } catch (err) {
    await store.close();
    throw err;
  }
  const ctx: CoreContext = {
    store,
    bus,
    hooks: new Hooks(log),
    clock: options.clock ?? systemClock,
    log,
  };
  const { attachments } = config.messaging;
  const messaging = {
    ...config.messaging,
    attachments: { ...attachments, dir: attachments.dir ?? join(config.dataDir, 'attachments') },
  };
  const secrets = lazySecretBox(config.secrets.keyFile ?? join(config.dataDir, 'secrets.key'));
  return createCore(ctx, { ...config.auth, messaging, calendar: { ...config.calendar, secrets } });
}

/** This node's id in a cluster: configured, or host name and HTTP port (process id for port 0). */
export const nodeIdOf = (config: Config) => config.cluster.nodeId ?? `${hostname()}-${config.http.port || process.pid}`;

/** The in-process bus for one node; NATS (per-user and per-tenant subjects) in a cluster. */
async function openBus(config: Config, log: Logger): Promise<CoreContext['bus']> {
  const busLog = log.child({ component: 'bus' });
  if (!clusterEnabled(config)) return new MemoryBus<EventMap>(busLog);
  const nodeId = nodeIdOf(config);
  const url = (config.cluster.nats.url as string).split(',').map((u) => u.trim());
  const bus = await connectNatsBus<EventMap>(url, busLog, {
    name: `parley-${nodeId}`,
    prefix: config.cluster.nats.subjectPrefix,
  });
  log.info({ nodeId, nats: url }, 'cluster mode: events go through NATS');
  return bus;
}

/** Closes what openCore opened. */
export async function closeCore(core: Core): Promise<void> {
  await core.ctx.bus.close();
  await core.ctx.store.close();
}

export interface ParleyServer {
  core: Core;
  http: FastifyInstance;
  /** Starts every listener; resolves with their URLs. */
  start(): Promise<{ http: string }>;
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
  let stopping = false;
  const metrics = createMetrics();
  const http = await buildHttp({
    core,
    config: config.http,
    log,
    metrics,
    version,
    readiness: async () => ({
      shutdown: stopping ? 'stopping' : 'ok',
      store: await core.ctx.store.ping().then(
        () => 'ok',
        (err: Error) => `unreachable: ${err.message}`,
      ),
    }),
  });
  const features = new FeatureHost(core);

  return {
    core,
    http,
    async start() {
      // Bind first: a taken port must fail before the demo accounts (and their one-time passwords) exist.
      await http.listen({ host: config.http.host, port: config.http.port });
      if (config.bootstrap.demoTenant) await seedDemoTenant(core);
      await features.start(coreFeatures);
      const address = http.server.address();
      const port = typeof address === 'object' && address ? address.port : config.http.port;
      const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
      const url = `http://${host}:${port}`;
      log.info(
        { listener: 'http', url, host: config.http.host, port },
        `listening on ${url} (HTTP API, /api/v1/events, web app)`,
      );
      return { http: url };
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      log.info('shutting down: no new connections, finishing requests in flight');
      const grace = setTimeout(() => {
        log.warn('shutdown grace period over; closing remaining connections');
        http.server.closeAllConnections();
      }, config.http.shutdownGraceSeconds * 1000);
      grace.unref();
      await http.close();
      clearTimeout(grace);
      await features.stop();
      await closeCore(core);
      log.info('stopped');
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@parley/api';
import pino from 'pino';
import type { Adapter, Listener } from '../../src/adapters/adapter.js';
import type { Services } from '../../src/compose.js';
import { createServer, type ParleyServer } from '../../src/create-server.js';
import type { Clock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config/load.js';
import type { Config } from '../../src/platform/config/schema.js';
import type { Logger } from '../../src/platform/log.js';

export interface TestServer {
  url: string;
  /** The separate /metrics listener, when `http.metrics.port` is set. */
  metricsUrl?: string;
  /** Every listener's bound address. */
  listeners: Listener[];
  server: ParleyServer;
  core: Services;
  config: Config;
  dataDir: string;
  /** An API client without a token. */
  api: ReturnType<typeof createClient>;
  /** Creates tenant + user through the core and returns a signed-in client for them. */
  user(
    address: string,
    options?: { role?: 'user' | 'tenant-admin' | 'system-admin'; password?: string },
  ): Promise<{
    api: ReturnType<typeof createClient>;
    token: string;
    userId: string;
    tenantId: string;
    password: string;
  }>;
  stop(): Promise<void>;
}

/**
 * A real server on a free loopback port with a fresh SQLite data folder, cheap password hashing
 * and no demo tenant. `overrides` are dotted config paths; `clock` replaces the system clock;
 * `adapters` start after the built-in ones; `log` replaces the silent logger.
 */
export async function startTestServer(
  overrides: Record<string, unknown> = {},
  options: { clock?: Clock; adapters?: Adapter[]; log?: Logger } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'http.port': 0,
      'sip.port': 0,
      'csta.port': 0,
      'sip.tls.port': 0,
      'xmpp.c2s.port': 0,
      'xmpp.c2sTls.port': 0,
      'xmpp.s2s.port': 0,
      'xmpp.component.port': 0,
      'auth.scryptCost': 1024,
      'bootstrap.demoTenant': false,
      'log.level': 'silent',
      ...overrides,
    },
  });
  const server = await createServer({
    config,
    clock: options.clock,
    adapters: options.adapters,
    log: options.log ?? pino({ level: process.env.PARLEY_TEST_LOG ?? 'silent' }),
  });
  const { http: url, metrics: metricsUrl, listeners } = await server.start();
  const core = server.core;
  const api = createClient({ baseUrl: url });
  return {
    url,
    metricsUrl,
    listeners,
    server,
    core,
    config,
    dataDir,
    api,
    async user(address, options = {}) {
      const [local, domain] = address.split('@') as [string, string];
      const tenant = (await core.ctx.store.repos.tenants.byDomain(domain)) ?? (await core.tenants.create({ domain }));
      const password = options.password ?? `pw-${local}-secret`;
      const { user } = await core.users.create(tenant.id, { local, domain, role: options.role ?? 'user', password });
      const { token } = await api.request('auth.login', { body: { user: address, password } });
      return { api: api.withToken(token), token, userId: user.id, tenantId: tenant.id, password };
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

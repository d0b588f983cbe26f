// Nodes of one cluster in this test process: one PostgreSQL schema, one NATS (the machine's), a
// data folder each. The schema and the run's key-value buckets go when the test file ends, after
// every node (also one still starting) has stopped.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pino from 'pino';
import { createServer, type ParleyServer } from '../../src/create-server.js';
import { loadConfig } from '../../src/platform/config/load.js';
import { tempDir } from './cluster.js';
import { postgresAdmin, postgresUrl, requirePeer } from './interop.js';
import { phoneFor } from './sip-phone.js';

const natsUrl = process.env.PARLEY_TEST_NATS ?? 'nats://127.0.0.1:4222';

export interface ClusterNode {
  server: ParleyServer;
  url: string;
  listeners: Awaited<ReturnType<ParleyServer['start']>>['listeners'];
}

export interface InProcessCluster {
  /** Starts a node with this node id (HTTP and SIP on free ports); `overrides` are dotted config paths. */
  node(id: string, overrides?: Record<string, unknown>): Promise<ClusterNode>;
  /** The nodes started, in order. */
  readonly started: ClusterNode[];
}

/** The cluster, or undefined when PostgreSQL or NATS is not there (the test file then skips, saying why). */
export async function inProcessCluster(): Promise<InProcessCluster | undefined> {
  const pgSkipped = await requirePeer('PostgreSQL', () => postgresAdmin('select 1'));
  const natsSkipped = await requirePeer('NATS', async () => {
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: natsUrl, timeout: 2000 });
    await nc.close();
  });
  if (pgSkipped || natsSkipped) return undefined;
  const run = randomBytes(5).toString('hex');
  const schema = `parley_test_${run}`;
  await postgresAdmin(`create schema ${schema}`);
  const started: ClusterNode[] = [];
  // Every node made, started or not, and the starts still running: a test that failed or timed out
  // while a node was starting leaves that start running, and the schema may go only once no node
  // can still be migrating in it or using it.
  const made: ParleyServer[] = [];
  const starting = new Set<Promise<unknown>>();
  after(async () => {
    await Promise.allSettled([...starting]);
    for (const server of made) await server.stop().catch(() => undefined);
    await postgresAdmin(`drop schema ${schema} cascade`);
    // The run's key-value buckets (membership, leases, shared state) go too.
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: natsUrl });
    const jsm = await jetstreamManager(nc);
    for await (const s of jsm.streams.list()) {
      if (s.config.name.startsWith(`KV_t${run}_`)) await jsm.streams.delete(s.config.name);
    }
    await nc.close();
  });
  return {
    started,
    async node(id, overrides = {}) {
      const config = loadConfig({
        env: { PARLEY_NATS: natsUrl, PARLEY_DB: postgresUrl, PARLEY_NODE_ID: id },
        overrides: {
          dataDir: tempDir('parley-node-'),
          'http.port': 0,
          'sip.port': 0,
          'csta.port': 0,
          'xmpp.c2s.port': 0,
          'xmpp.c2sTls.port': 0,
          'xmpp.s2s.port': 0,
          'sip.tls.port': 0,
          'auth.scryptCost': 1024,
          'bootstrap.demoTenant': false,
          'cluster.nats.subjectPrefix': `t${run}`,
          'http.drainSeconds': 0,
          ...overrides,
        },
      });
      const start = (async () => {
        const server = await createServer({ config, dbSchema: schema, log: pino({ level: 'error' }) });
        made.push(server);
        const { http: url, listeners } = await server.start();
        const n = { server, url, listeners };
        started.push(n);
        return n;
      })();
      starting.add(start);
      return start.finally(() => starting.delete(start));
    },
  };
}

/** A new user with a device, as a phone registered through node `n` over `transport`. */
export async function phoneOn(n: ClusterNode, tenantId: string, address: string, transport: 'udp' | 'tcp' = 'udp') {
  const user = async () => {
    const { user } = await n.server.core.users.create(tenantId, { local: address.split('@')[0] as string });
    return { userId: user.id, tenantId };
  };
  const phone = await phoneFor({ core: n.server.core, listeners: n.listeners, user }, address, transport);
  // A phone left open keeps the test process alive past its tests: closed if it cannot register.
  try {
    assert.equal((await phone.register(600)).status, 200);
  } catch (err) {
    phone.close();
    throw err;
  }
  return phone;
}

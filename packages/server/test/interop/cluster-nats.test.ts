import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import {
  LoginThrottle,
  type ThrottleEntry,
  type ThrottleOptions,
  throttleTtlMs,
} from '../../src/core/auth/throttle.js';
import { systemClock } from '../../src/platform/clock.js';
import type { Cluster } from '../../src/platform/cluster/cluster.js';
import { NatsCluster } from '../../src/platform/cluster/nats.js';
import { clusterContract } from '../contract/cluster.contract.js';
import { waitUntil } from '../support/cluster.js';
import { requirePeer } from '../support/interop.js';

// Membership, leases and shared state of the cluster against a real NATS JetStream, with short
// timings: what a node sees when another joins, leaves cleanly or stops without a word.
const natsUrl = process.env.PARLEY_TEST_NATS ?? 'nats://127.0.0.1:4222';
const timing = { heartbeatMs: 200, nodeTimeoutMs: 1200, leaseMs: 900 };

const skipped = await requirePeer('NATS JetStream', async () => {
  const nc = await connect({ servers: natsUrl, timeout: 2000, reconnect: false });
  try {
    await (await jetstreamManager(nc)).getAccountInfo();
  } finally {
    await nc.close();
  }
});

/**
 * Bound for what takes the cluster's own times (a node timeout, a lease time): a liveness bound,
 * generous so that a busy machine passes; what the timings promise is asserted as "not before".
 */
const settleMs = 20_000;

/** Removes the key-value buckets whose names start with `prefix` (one test run's or one cluster's). */
async function removeBuckets(prefix: string) {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const s of jsm.streams.list())
      if (s.config.name.startsWith(`KV_${prefix}`)) await jsm.streams.delete(s.config.name);
  } finally {
    await nc.close();
  }
}

if (!skipped) {
  /** Every cluster of this run has its own bucket prefix, so runs and tests never share state. */
  const run = `ct${randomBytes(4).toString('hex')}`;
  const connections: NatsConnection[] = [];
  const clusters: NatsCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.stop();
    for (const nc of connections) if (!nc.isClosed()) await nc.close();
    await removeBuckets(run);
  });

  /** Each node's own connection, so the contract can break it. */
  const connectionOf = new Map<Cluster, NatsConnection>();
  let fixtures = 0;
  clusterContract('nats', {
    enabled: true,
    multiNode: true,
    settleMs,
    reconnect: async (c) => {
      const nc = connectionOf.get(c);
      assert.ok(nc, 'a node of this suite');
      await nc.reconnect();
    },
    open: async () => {
      const clusterPrefix = `${run}_c${++fixtures}`;
      const opened: { nc: NatsConnection; c: NatsCluster }[] = [];
      return {
        node: async (nodeId) => {
          const nc = await connect({ servers: natsUrl });
          const c = new NatsCluster(
            nc,
            { nodeId, prefix: clusterPrefix, ...timing },
            systemClock,
            pino({ level: 'silent' }),
          );
          opened.push({ nc, c });
          connectionOf.set(c, nc);
          return c;
        },
        close: async () => {
          for (const { nc, c } of opened) {
            await c.stop();
            await nc.close();
            connectionOf.delete(c);
          }
          await removeBuckets(clusterPrefix);
        },
      };
    },
  });

  const node = async (nodeId: string) => {
    const nc = await connect({ servers: natsUrl });
    connections.push(nc);
    const c = new NatsCluster(nc, { nodeId, prefix: run, ...timing }, systemClock, pino({ level: 'silent' }));
    clusters.push(c);
    await c.start({ version: 'test', connections: () => 7 });
    return { nc, c };
  };

  test('nodes see each other; one that stops heartbeating is gone once its last heartbeat expired', async () => {
    const beforeA = Date.now();
    const a = await node('a');
    const b = await node('b');
    const live = await waitUntil(() => a.c.liveInstances(), settleMs, 'settled');
    const judgedAfter = Date.now() - beforeA;
    assert.ok(
      judgedAfter >= timing.nodeTimeoutMs,
      `a node does not judge before a whole timeout has passed (it did after ${judgedAfter} ms)`,
    );
    assert.deepEqual([...live].sort(), [a.c.instance, b.c.instance].sort());
    await a.c.announce('http://127.0.0.1:1');
    const status = await a.c.status();
    const self = status.nodes.find((n) => n.instance === a.c.instance);
    assert.equal(self?.url, 'http://127.0.0.1:1');
    assert.equal(self?.connections, 7);
    assert.ok(status.nodes.some((n) => n.nodeId === 'b'));

    // b dies: its connection goes, nothing is cleaned up. Its entry lives on until the node
    // timeout (less a heartbeat) after its last heartbeat, which is this one or a later one.
    const lastSeen = (await a.c.status()).nodes.find((n) => n.instance === b.c.instance)?.heartbeatAt;
    assert.ok(lastSeen, 'b has a heartbeat');
    await b.nc.close();
    await waitUntil(async () => !(await a.c.liveInstances())?.includes(b.c.instance), settleMs, 'b expired');
    const expiredAfter = Date.now() - lastSeen;
    assert.ok(
      expiredAfter >= timing.nodeTimeoutMs - timing.heartbeatMs,
      `b expired ${expiredAfter} ms after a heartbeat, before its time`,
    );

    // A clean stop leaves at once.
    const c = await node('c');
    await waitUntil(async () => (await a.c.liveInstances())?.includes(c.c.instance), settleMs, 'c seen');
    await c.c.stop();
    assert.ok(!(await a.c.liveInstances())?.includes(c.c.instance), 'c left');
  });

  test('a lease is held by one node at a time and moves when its holder dies or stops', async () => {
    const nodes = [await node('l1'), await node('l2'), await node('l3')];
    for (const n of nodes) n.c.want('job');
    const holders = async () => {
      await new Promise((r) => setTimeout(r, timing.leaseMs / 3 + 50));
      return nodes.filter((n) => !n.nc.isClosed() && n.c.holds('job'));
    };
    const first = await waitUntil(
      async () => ((await holders()).length === 1 ? (await holders())[0] : undefined),
      settleMs,
      'taken',
    );
    const status = await first.c.status();
    assert.deepEqual(
      status.leases.filter((l) => l.name === 'job').map((l) => l.instance),
      [first.c.instance],
    );
    for (let i = 0; i < 5; i++) assert.equal((await holders()).length, 1, 'never two holders');

    // The holder dies: another takes the lease once it expired, a lease time after the holder's
    // last renewal (this one or a later one), not before.
    const renewed = (await (await new Kvm(first.nc).open(`${run}_leases`)).get('job'))?.created.getTime();
    assert.ok(renewed, 'the lease is stored');
    await first.nc.close();
    const second = await waitUntil(async () => (await holders())[0], settleMs, 'taken over');
    assert.notEqual(second.c.instance, first.c.instance);
    const takenAfter = Date.now() - renewed;
    assert.ok(takenAfter >= timing.leaseMs, `taken over ${takenAfter} ms after a renewal, before the lease expired`);

    // The holder stops cleanly: the lease is released and taken at the next attempt.
    await second.c.stop();
    second.nc.close();
    const third = await waitUntil(async () => (await holders())[0], settleMs, 'taken after release');
    assert.ok(![first.c.instance, second.c.instance].includes(third.c.instance));
  });

  test('the login throttle is one across the nodes: guesses through one node count on the other', async () => {
    const [x, y] = [await node('t1'), await node('t2')];
    const options: ThrottleOptions = {
      maxFailures: 3,
      maxFailuresPerAddress: 5,
      maxFailuresPerAccount: 0,
      trustedDays: 1,
      windowSeconds: 60,
      baseDelaySeconds: 30,
      maxDelaySeconds: 60,
    };
    const throttleOn = (n: { c: NatsCluster }) =>
      new LoginThrottle(
        options,
        systemClock,
        n.c.shared<ThrottleEntry>('auth_throttle', throttleTtlMs(options)),
        n.c.shared<number>('auth_trusted', 86_400_000),
      );
    const [tx, ty] = [throttleOn(x), throttleOn(y)];
    await ty.succeeded('alice@x.test', '192.0.2.1');
    for (let i = 0; i < 3; i++) await (i % 2 ? tx : ty).failed('alice@x.test', '10.0.0.1');
    assert.ok((await tx.admit('alice@x.test', '10.0.0.1')).retryAfter > 0, 'the pair is locked on both nodes');
    assert.ok((await ty.admit('alice@x.test', '10.0.0.1')).retryAfter > 0);
    for (let i = 0; i < 2; i++) await tx.failed(`other${i}@x.test`, '10.0.0.1');
    assert.ok((await ty.admit('bob@x.test', '10.0.0.1')).retryAfter > 0, 'the address is locked on both nodes');
    assert.deepEqual(await tx.admit('alice@x.test', '192.0.2.1'), { retryAfter: 0, rank: -1 }, 'trusted on both');
  });
}

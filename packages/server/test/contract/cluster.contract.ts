import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cluster } from '../../src/platform/cluster/cluster.js';
import { waitUntil } from '../support/cluster.js';

/** One cluster under test: the nodes made by `node` belong to it; `close` removes everything. */
export interface ClusterFixture {
  /** A new node of this cluster, not started. */
  node(nodeId: string): Promise<Cluster>;
  /** Stops the nodes still running and removes what the cluster stored. */
  close(): Promise<void>;
}

export interface ClusterContractOptions {
  /** Whether the implementation is a real cluster (`Cluster.enabled`). */
  enabled: boolean;
  /** Capability: nodes see each other (otherwise every node is a cluster of its own). */
  multiNode: boolean;
  /**
   * Capability: breaks a node's connection to the cluster, which the client then restores.
   * Undefined where there is no connection to lose.
   */
  reconnect?: (node: Cluster) => Promise<void>;
  /** A fresh, empty cluster (its own buckets or memory). */
  open(): Promise<ClusterFixture>;
  /**
   * Bound for what takes the implementation's own times (a node timeout, a lease time, an
   * entry's expiry), generous so that a busy machine passes.
   */
  settleMs: number;
}

const report = { version: '9.9.9-contract', connections: () => 7 };

/**
 * The contract of `Cluster` (src/platform/cluster/cluster.ts): what the one-node `LocalCluster`
 * passes in `npm test` and `NatsCluster` passes unchanged against a real NATS JetStream.
 */
export function clusterContract(kind: string, options: ClusterContractOptions): void {
  const { settleMs } = options;

  /** Runs `fn` on a fresh cluster, closed afterwards whatever happens. */
  const withCluster = async (fn: (f: ClusterFixture) => Promise<void>) => {
    const f = await options.open();
    try {
      await fn(f);
    } finally {
      await f.close();
    }
  };
  const started = async (f: ClusterFixture, nodeId: string) => {
    const c = await f.node(nodeId);
    await c.start(report);
    return c;
  };
  /** A test of several nodes in one cluster: only for implementations whose nodes can be more than one. */
  const multiNodeTest = (name: string, fn: (f: ClusterFixture) => Promise<void>) => {
    if (options.multiNode) test(name, () => withCluster(fn));
  };
  const ownStatus = async (c: Cluster) => (await c.status()).nodes.find((n) => n.instance === c.instance);

  describe(`cluster contract (${kind})`, () => {
    test('a node has its id, a new instance id per run, and says whether it is a real cluster', () =>
      withCluster(async (f) => {
        const [a, b] = [await f.node('node/1'), await f.node('node/1')];
        assert.equal(a.nodeId, 'node/1');
        assert.equal(a.enabled, options.enabled);
        assert.match(a.instance, /^node_1\.[0-9a-f]{8}$/, 'the node id made a valid key, plus a random suffix');
        assert.notEqual(a.instance, b.instance, 'two runs of one node id are two instances');
      }));

    test('status shows the node as its heartbeat reports it; announce adds its URL, announceSip its SIP address', () =>
      withCluster(async (f) => {
        const before = Date.now();
        const c = await started(f, 'n1');
        const status = await c.status();
        assert.equal(status.enabled, options.enabled);
        assert.equal(status.self, c.instance);
        const self = await ownStatus(c);
        assert.ok(self, 'the node is in its own status');
        assert.equal(self.nodeId, 'n1');
        assert.equal(self.version, report.version);
        assert.equal(self.connections, 7);
        assert.equal(self.url, null);
        assert.ok(self.startedAt >= before - 1000 && self.startedAt <= self.heartbeatAt, 'startedAt <= heartbeatAt');
        await c.announce('http://127.0.0.1:1');
        assert.equal((await ownStatus(c))?.url, 'http://127.0.0.1:1');
        assert.equal(self.sip, null);
        await c.announceSip('10.0.0.2:5060');
        assert.equal((await ownStatus(c))?.sip, '10.0.0.2:5060');
        await c.ping();
        await c.stop();
      }));

    test('live instances, once the node can judge, include itself', () =>
      withCluster(async (f) => {
        const c = await started(f, 'n1');
        const live = await waitUntil(() => c.liveInstances(), settleMs, 'the node can judge who is live');
        assert.ok(live.includes(c.instance), `${c.instance} in ${live.join(', ')}`);
        await c.stop();
      }));

    test('a wanted lease is held and listed with its holder', () =>
      withCluster(async (f) => {
        const c = await started(f, 'n1');
        c.want('job');
        c.want('job');
        await waitUntil(() => c.holds('job'), settleMs, 'the lease is taken');
        const lease = (await c.status()).leases.find((l) => l.name === 'job');
        assert.deepEqual(lease && { instance: lease.instance, nodeId: lease.nodeId }, {
          instance: c.instance,
          nodeId: 'n1',
        });
        await c.stop();
      }));

    test('shared state: absent until written, updated from the current value, removed by undefined', () =>
      withCluster(async (f) => {
        const c = await started(f, 'n1');
        const m = c.shared<{ n: number }>('contract_state', 60_000);
        assert.equal(await m.get('k'), undefined);
        await m.update('k', (cur) => ({ n: (cur?.n ?? 0) + 1 }));
        await m.update('k', (cur) => ({ n: (cur?.n ?? 0) + 1 }));
        assert.deepEqual(await m.get('k'), { n: 2 });
        assert.equal(await c.shared('contract_other', 60_000).get('k'), undefined, 'maps are separate by name');
        assert.deepEqual(await c.shared('contract_state', 60_000).get('k'), { n: 2 }, 'one name, one map');
        let seen: unknown = 'not called';
        await m.update('absent', (cur) => {
          seen = cur;
          return undefined;
        });
        assert.equal(seen, undefined, 'fn sees undefined for an absent key');
        await m.update('k', () => undefined);
        assert.equal(await m.get('k'), undefined, 'removed');
        await c.stop();
      }));

    test('shared state: concurrent updates of one key lose nothing', () =>
      withCluster(async (f) => {
        const nodes = options.multiNode ? [await started(f, 'n1'), await started(f, 'n2')] : [await started(f, 'n1')];
        const maps = nodes.map((n) => n.shared<number>('contract_counter', 60_000));
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => maps[i % maps.length]?.update('k', (n) => (n ?? 0) + 1)),
        );
        for (const m of maps) assert.equal(await m.get('k'), 40);
        for (const n of nodes) await n.stop();
      }));

    test('shared state: an entry expires after its time', () =>
      withCluster(async (f) => {
        const c = await started(f, 'n1');
        const m = c.shared<number>('contract_expiring', 1000);
        await m.update('k', () => 1);
        await waitUntil(async () => (await m.get('k')) === undefined, settleMs, 'the entry expired');
        await c.stop();
      }));

    // Only where there is a connection to lose.
    if (options.reconnect)
      test('onReconnect listeners are called after the connection came back, until removed', () =>
        withCluster(async (f) => {
          const { reconnect } = options;
          assert.ok(reconnect);
          const c = await started(f, 'n1');
          let kept = 0;
          let removed = 0;
          c.onReconnect(() => kept++);
          const off = c.onReconnect(() => removed++);
          await reconnect(c);
          await waitUntil(() => kept === 1, settleMs, 'the listener was called');
          assert.equal(removed, 1);
          off();
          await reconnect(c);
          await waitUntil(() => kept === 2, settleMs, 'the listener was called again');
          assert.equal(removed, 1, 'a removed listener is not called');
          await waitUntil(
            () =>
              c.ping().then(
                () => true,
                () => false,
              ),
            settleMs,
            'ping answers after reconnecting',
          );
          await c.stop();
        }));

    multiNodeTest('nodes see each other; a node that stops is gone for the others at once', async (f) => {
      const [a, b] = [await started(f, 'a'), await started(f, 'b')];
      const live = await waitUntil(
        async () => {
          const l = await a.liveInstances();
          return l?.includes(b.instance) && l;
        },
        settleMs,
        'a sees b',
      );
      assert.deepEqual([...live].sort(), [a.instance, b.instance].sort());
      assert.deepEqual((await b.status()).nodes.map((n) => n.nodeId).sort(), ['a', 'b']);
      await b.stop();
      assert.ok(!(await a.liveInstances())?.includes(b.instance), 'b left');
      assert.deepEqual(
        (await a.status()).nodes.map((n) => n.nodeId),
        ['a'],
      );
      await a.stop();
    });

    multiNodeTest('a lease is held by one node at a time and passes on when its holder stops', async (f) => {
      const nodes = [await started(f, 'l1'), await started(f, 'l2')];
      for (const n of nodes) n.want('job');
      const holder = await waitUntil(() => nodes.find((n) => n.holds('job')), settleMs, 'the lease is taken');
      const other = nodes.find((n) => n !== holder);
      assert.ok(other);
      assert.equal(other.holds('job'), false, 'never two holders');
      const listed = (await other.status()).leases.filter((l) => l.name === 'job').map((l) => l.instance);
      assert.deepEqual(listed, [holder.instance]);
      await holder.stop();
      await waitUntil(() => other.holds('job'), settleMs, 'the other node takes the released lease');
      await other.stop();
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

// One embedded node is a cluster of one: the cluster view shows it with its jobs, and the client
// presence left by an earlier run of the process (a crash) is dropped at once, not after its TTL.
describe('the embedded node as a cluster of one', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  test('GET /api/v1/admin/cluster: this node, its jobs; system admins only', async () => {
    const root = await t.user('root@node.test', { role: 'system-admin' });
    const status = await root.api.request('admin.cluster.status', {});
    assert.equal(status.enabled, false);
    assert.equal(status.nodes.length, 1);
    assert.equal(status.nodes[0]?.self, true);
    assert.equal(status.nodes[0]?.url, t.url);
    assert.ok(status.leases.some((l) => l.name === 'calendar-polling'));
    const admin = await t.user('admin@node.test', { role: 'tenant-admin' });
    const denied = await call(t.url, 'GET', '/api/v1/admin/cluster', { token: admin.token });
    assert.equal(denied.status, 403);
  });

  test("a crashed run's client inputs go at once; this run's stay", async () => {
    const alice = await t.user('alice@node.test');
    const presence = t.core.ctx.store.repos.presence;
    const now = Date.now();
    const client = (key: string, holder: string) => ({
      source: 'client' as const,
      key,
      value: { mobile: false, idle: false, since: now, sessionId: null },
      expiresAt: now + 120_000,
      holder,
    });
    await presence.putInput(alice.tenantId, alice.userId, client('old', 'earlier-run.0000'), now);
    await presence.putInput(alice.tenantId, alice.userId, client('mine', t.core.ctx.cluster.instance), now);
    await t.core.presence.recompute(alice.tenantId, alice.userId);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const keys = (await presence.inputs(alice.tenantId, alice.userId, Date.now())).map((i) => i.key);
      if (!keys.includes('old')) {
        assert.deepEqual(keys, ['mine']);
        break;
      }
      assert.ok(Date.now() < deadline, 'the earlier run’s input was not dropped within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await t.core.presence.get(alice.tenantId, alice.userId)).availability, 'available');
  });
});

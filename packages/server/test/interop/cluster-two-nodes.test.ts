import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@parley/api';
import { PRINCIPAL_CACHE_MS } from '../../src/core/sessions/service.js';
import { inProcessCluster, phoneOn } from '../support/cluster-nodes.js';
import { listen } from '../support/events.js';
import { eventually, SDP } from '../support/sip-phone.js';

// Two nodes of one cluster in this process: one PostgreSQL schema, one NATS. What a user does on
// one node reaches the other user's event socket on the other node.
const cluster = await inProcessCluster();

if (cluster) {
  const { node, started } = cluster;

  test('two nodes: messages and presence reach users connected to the other node', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    const tenant = await a.server.core.tenants.create({ domain: 'cluster.test' });
    for (const local of ['alice', 'bob']) {
      await a.server.core.users.create(tenant.id, { local, password: `${local}-password` });
    }
    const signIn = async (url: string, local: string) => {
      const api = createClient({ baseUrl: url });
      const { token } = await api.request('auth.login', {
        body: { user: `${local}@cluster.test`, password: `${local}-password` },
      });
      return { api: api.withToken(token), token };
    };
    const alice = await signIn(a.url, 'alice');
    const bob = await signIn(b.url, 'bob');
    const aliceEvents = await listen(a.url, alice.token);
    const bobEvents = await listen(b.url, bob.token);
    try {
      // bob's socket on node B makes him available; alice on node A sees it.
      await aliceEvents.next(
        'presence.changed',
        (e) => e.user === 'bob@cluster.test' && e.presence.availability === 'available',
      );

      const conversation = await bob.api.request('conversations.create', { body: { members: ['alice@cluster.test'] } });
      const sent = await bob.api.request('messages.send', {
        params: { id: conversation.id },
        body: { text: 'hello across nodes', clientId: 'x-1' },
      });
      const got = await aliceEvents.next('message.created', (e) => e.message.id === sent.id);
      assert.equal(got.message.text, 'hello across nodes');

      await bob.api.request('presence.me.set', { query: {}, body: { availability: 'busy', note: 'on node B' } });
      const changed = await aliceEvents.next(
        'presence.changed',
        (e) => e.user === 'bob@cluster.test' && e.presence.note === 'on node B',
      );
      assert.equal(changed.presence.availability, 'busy');
      // The computed presence is shared: node A answers with what node B computed.
      const seen = await alice.api.request('presence.list', { query: { users: 'bob@cluster.test' } });
      assert.equal(seen.presence[0]?.availability, 'busy');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(
        aliceEvents.received.filter((e) => e.type === 'presence.changed' && e.presence.note === 'on node B').length,
        1,
        'published once in the cluster',
      );

      // And back: alice's reply on node A reaches bob on node B, once.
      const reply = await alice.api.request('messages.send', {
        params: { id: conversation.id },
        body: { text: 'hello back', clientId: 'y-1' },
      });
      await bobEvents.next('message.created', (e) => e.message.id === reply.id);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(
        bobEvents.received.filter((e) => e.type === 'message.created' && e.message.id === reply.id).length,
        1,
        'delivered exactly once',
      );

      // A session ended on one node is refused by the other as soon as the event arrives, though it
      // served it a moment ago: while the principal it cached then (its first request on node B)
      // would still be valid, so the event did it and not the cache's expiry.
      const onB = createClient({ baseUrl: b.url }).withToken(alice.token);
      const cachedFrom = Date.now();
      assert.equal((await onB.request('me.get', {})).address, 'alice@cluster.test');
      await alice.api.request('auth.logout', {});
      for (;;) {
        const asked = Date.now();
        const status = await onB.request('me.get', {}).then(
          () => 200,
          (err: { status?: number }) => err.status,
        );
        assert.ok(
          asked - cachedFrom < PRINCIPAL_CACHE_MS,
          `node B still accepted the ended session when its cached principal expired (status ${status})`,
        );
        if (status === 401) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      aliceEvents.close();
      bobEvents.close();
    }
  });

  test('the cluster view lists both nodes and the job leases; a stopped node leaves it', async () => {
    const [a, b] = started;
    assert.ok(a && b);
    const tenant = (await a.server.core.tenants.list())[0];
    assert.ok(tenant);
    await a.server.core.users.create(tenant.id, { local: 'root', password: 'root-password', role: 'system-admin' });
    const api = createClient({ baseUrl: b.url });
    const { token } = await api.request('auth.login', {
      body: { user: 'root@cluster.test', password: 'root-password' },
    });
    const status = await api.withToken(token).request('admin.cluster.status', {});
    assert.equal(status.enabled, true);
    assert.deepEqual(status.nodes.map((n) => n.nodeId).sort(), ['node-a', 'node-b']);
    assert.deepEqual(
      status.nodes.filter((n) => n.self).map((n) => n.nodeId),
      ['node-b'],
    );
    assert.equal(status.nodes.find((n) => n.nodeId === 'node-a')?.url, a.url);
    const leases = status.leases.map((l) => l.name);
    for (const job of ['calendar-polling', 'presence-schedule']) assert.ok(leases.includes(job), job);

    // A directory import on node B reaches node A's index (built before it).
    const onA = createClient({ baseUrl: a.url }).withToken(token);
    assert.deepEqual((await onA.request('directory.lookup', { query: { number: '+49 30 1234567' } })).candidates, []);
    const admin = api.withToken(token);
    const source = await admin.request('admin.directory.sources.create', { body: { name: 'book', kind: 'file' } });
    const res = await fetch(`${b.url}/api/v1/admin/directory/sources/${source.id}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: 'Name,Phone\nCarla Cross,+49 30 1234567\n',
    });
    assert.equal(res.status, 200);
    let found: string | null | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      found = (await onA.request('directory.lookup', { query: { number: '+49 30 1234567' } })).candidates[0]?.name;
      if (!found) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(found, 'Carla Cross');

    await a.server.stop();
    const after = await api.withToken(token).request('admin.cluster.status', {});
    assert.deepEqual(
      after.nodes.map((n) => n.nodeId),
      ['node-b'],
    );
  });

  test('two nodes: a phone registered through one node is called through the other (registrations are cluster state)', async () => {
    const a = await node('sip-a');
    const b = await node('sip-b');
    const tenant = await a.server.core.tenants.create({ domain: 'sip-cluster.test' });
    const alice = await phoneOn(a, tenant.id, 'alice@sip-cluster.test');
    const bob = await phoneOn(b, tenant.id, 'bob@sip-cluster.test');
    // Registered through node B, found from node A.
    assert.equal((await a.server.core.registrations.of(tenant.id, bob.userId)).length, 1);
    try {
      const placed = alice.invite('bob@sip-cluster.test');
      const invite = await bob.next('INVITE');
      invite.reply(200, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: SDP(41000) });
      const { response, dialog } = await placed;
      assert.equal(response.status, 200);
      assert.ok(dialog);
      await bob.next('ACK');
      // The call's state reaches node B's replica, so presence and BLF there see it too.
      await eventually(
        () => (b.server.core.calls.ofUser(tenant.id, bob.userId).some((c) => c.answeredAt !== null) ? true : undefined),
        "node B's replica of the call switched on node A",
      );
      const end = alice.sendInDialog(dialog, 'BYE');
      (await bob.next('BYE')).reply(200, 'OK');
      assert.equal((await end).status, 200);
    } finally {
      alice.close();
      bob.close();
    }
  });
}

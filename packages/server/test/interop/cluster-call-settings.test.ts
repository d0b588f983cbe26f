// Call settings in a cluster (docs/call-settings.md): set through one node, they are what every
// node decides with and shows — the presence input is shared state, and `callsettings.changed`
// reaches the user's sockets on the other node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from '@parley/api';
import { inProcessCluster } from '../support/cluster-nodes.js';
import { listen } from '../support/events.js';

const cluster = await inProcessCluster();

if (cluster) {
  test('DND and forwarding set through node A: node B decides with them, shows them and tells the sockets it holds', async () => {
    const a = await cluster.node('node-a');
    const b = await cluster.node('node-b');
    const tenant = await a.server.core.tenants.create({ domain: 'cs-cluster.test' });
    const users: Record<string, string> = {};
    for (const local of ['alice', 'bob']) {
      users[local] = (await a.server.core.users.create(tenant.id, { local, password: `${local}-password` })).user.id;
    }
    const signIn = async (url: string, local: string) => {
      const api = createClient({ baseUrl: url });
      const { token } = await api.request('auth.login', {
        body: { user: `${local}@cs-cluster.test`, password: `${local}-password` },
      });
      return { api: api.withToken(token), token };
    };
    const aliceOnA = await signIn(a.url, 'alice');
    const aliceOnB = await signIn(b.url, 'alice');
    const bobOnB = await signIn(b.url, 'bob');
    const aliceSocketB = await listen(b.url, aliceOnB.token);
    const bobSocketB = await listen(b.url, bobOnB.token);
    try {
      await aliceOnA.api.request('me.dnd.set', { body: { enabled: true } });
      await aliceOnA.api.request('me.forwarding.set', {
        body: { immediate: { enabled: true, to: 'bob@cs-cluster.test' } },
      });

      const changed = await aliceSocketB.next('callsettings.changed', (e) => e.settings.forwarding.immediate.enabled);
      assert.equal(changed.settings.dnd, true);
      await bobSocketB.next(
        'presence.changed',
        (e) =>
          e.user === 'alice@cs-cluster.test' &&
          e.presence.availability === 'dnd' &&
          e.presence.flags.includes('forwarded'),
      );
      assert.deepEqual(await aliceOnB.api.request('me.dnd.get', {}), { enabled: true });
      const alice = users.alice as string;
      assert.deepEqual(await b.server.core.forwarding.decide(tenant.id, alice), {
        kind: 'refuse',
        cause: 'doNotDisturb',
      });
      const seen = await bobOnB.api.request('presence.list', { query: { users: 'alice@cs-cluster.test' } });
      assert.deepEqual([seen.presence[0]?.availability, seen.presence[0]?.flags], ['dnd', ['forwarded']]);

      // Switched off through node B: node A forwards now, and shows no DND.
      await aliceOnB.api.request('me.dnd.set', { body: { enabled: false } });
      assert.deepEqual(await a.server.core.forwarding.decide(tenant.id, alice), {
        kind: 'forward',
        to: 'bob@cs-cluster.test',
        cause: 'callForwardImmediate',
      });
      assert.equal((await a.server.core.presence.get(tenant.id, alice)).availability, 'available');
    } finally {
      aliceSocketB.close();
      bobSocketB.close();
    }
  });
}

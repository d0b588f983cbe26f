// The federation check in a cluster (docs/xmpp.md#clusters): node A runs it against a real Prosody,
// whose own stream back to parley.test reaches node B (the SRV record names node B's s2s port).
// The XEP-0199 ping's answer arrives on node B, which relays it to node A: the ping step passes,
// with SASL EXTERNAL and with dialback (Prosody verifies the key node A gave with node B).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type FederationCheckResult } from '@parley/api';
import { freePort } from '../support/cluster.js';
import { type ClusterNode, inProcessCluster } from '../support/cluster-nodes.js';
import { requirePeer } from '../support/interop.js';
import {
  createXmppNet,
  parleyOnNet,
  probeXmppPeers,
  startXmppPeer,
  type XmppNet,
  type XmppPeer,
} from './support/xmpp-peers.js';

const skip = await requirePeer('Prosody', () => probeXmppPeers(['prosody']));
const cluster = skip ? undefined : await inProcessCluster();
const EXTERNAL = 'a.test';
const DIALBACK = 'c.test';

// A missing Prosody, PostgreSQL or NATS is reported as a skipped test by requirePeer (and fails
// the run under PARLEY_REQUIRE_INTEROP=1), as in the other cluster files.
if (!skip && cluster)
  describe('the federation check on a cluster of two nodes', () => {
    let net: XmppNet;
    let a: ClusterNode;
    const peers: XmppPeer[] = [];
    let admin: ReturnType<typeof createClient>;

    before(async () => {
      const [portA, portB] = [await freePort(), await freePort()];
      net = await createXmppNet({
        domains: [EXTERNAL, DIALBACK],
        outside: [{ domain: 'parley.test', s2sPort: portB }],
      });
      peers.push(
        await startXmppPeer(net, 'prosody', { domain: EXTERNAL, s2s: 'external' }),
        await startXmppPeer(net, 'prosody', { domain: DIALBACK, s2s: 'dialback' }),
      );
      const check = { 'federation.checkTimeoutSeconds': 15 };
      a = await cluster.node('fed-a', { ...parleyOnNet(net, portA), ...check });
      await cluster.node('fed-b', { ...parleyOnNet(net, portB), ...check });
      const tenant = await a.server.core.tenants.create({ domain: 'parley.test', name: 'Parley' });
      const password = 'secret-password';
      await a.server.core.users.create(tenant.id, { local: 'admin', role: 'tenant-admin', password });
      const api = createClient({ baseUrl: a.url });
      const { token } = await api.request('auth.login', { body: { user: 'admin@parley.test', password } });
      admin = api.withToken(token);
    });

    after(async () => {
      await Promise.all(peers.map((p) => p.stop()));
      net?.close();
    });

    const codes = (r: FederationCheckResult) =>
      Object.fromEntries(r.steps.map((s) => [s.step, `${s.outcome} ${s.code}`]));

    for (const [domain, how] of [
      [EXTERNAL, 'external'],
      [DIALBACK, 'dialback'],
    ] as const) {
      test(`${how}: the ping's answer comes back through node B to node A`, async () => {
        const result = await admin.request('admin.federation.check', { body: { domain } });
        const steps = codes(result);
        assert.equal(steps.authentication, `ok authenticated-${how}`, JSON.stringify(result, null, 2));
        assert.equal(steps.ping, 'ok pong', JSON.stringify(result, null, 2));
        assert.equal(result.ok, true);
      });
    }
  });

// The federation check (issue 15) run by a Parley server through its REST API against real Prosody
// and ejabberd servers (Debian's, in a network namespace): every step passes, including an authentication as
// the tenant's domain on a real s2s stream and an XEP-0199 ping, once with SASL EXTERNAL and once
// with dialback; and dialback fails, and the check says so at the authentication step, when the
// tenant's domain cannot be reached back from the peer (no DNS for it in the namespace).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FederationCheckResult } from '@parley/api';
import { freePort } from '../support/cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { xmppPeersMissing } from './support/xmpp-client.js';
import { createXmppNet, parleyOnNet, startXmppPeer, type XmppNet, type XmppPeer } from './support/xmpp-peers.js';

const skip = await xmppPeersMissing();

type Kind = 'prosody' | 'ejabberd';
/** Per peer: a server for SASL EXTERNAL (trusts the run's CA), one for dialback (trusts none). */
const DOMAINS: Record<Kind, { external: string; dialback: string }> = {
  prosody: { external: 'a.test', dialback: 'c.test' },
  ejabberd: { external: 'd.test', dialback: 'f.test' },
};
/** A tenant's domain the namespace has no DNS for: a peer cannot connect back to it. */
const UNREACHABLE = 'lost.test';

// Skipped only when a peer is missing (the reason says which); PARLEY_REQUIRE_INTEROP=1 fails instead.
describe('parley federation check against Prosody and ejabberd', { skip }, () => {
  let net: XmppNet;
  let server: TestServer;
  const peers = new Map<string, XmppPeer>();

  before(async () => {
    const s2sPort = await freePort();
    net = await createXmppNet({
      domains: Object.values(DOMAINS).flatMap((d) => [d.external, d.dialback]),
      outside: [{ domain: 'parley.test', s2sPort }],
    });
    const started = await Promise.all(
      (Object.entries(DOMAINS) as [Kind, (typeof DOMAINS)[Kind]][]).flatMap(([kind, d]) => [
        startXmppPeer(net, kind, { domain: d.external, s2s: 'external' }),
        startXmppPeer(net, kind, { domain: d.dialback, s2s: 'dialback' }),
      ]),
    );
    for (const p of started) peers.set(p.domain, p);
    server = await startTestServer({ ...parleyOnNet(net, s2sPort), 'federation.checkTimeoutSeconds': 15 });
  });

  after(async () => {
    await server?.stop();
    await Promise.all([...peers.values()].map((p) => p.stop()));
    net?.close();
  });

  /** The check of `domain` as a tenant admin of `tenant` asks for it in the admin UI. */
  const admins = new Map<string, Awaited<ReturnType<TestServer['user']>>>();
  const check = async (tenant: string, domain: string): Promise<FederationCheckResult> => {
    const admin = admins.get(tenant) ?? (await server.user(`admin@${tenant}`, { role: 'tenant-admin' }));
    admins.set(tenant, admin);
    return admin.api.request('admin.federation.check', { body: { domain } });
  };
  const codes = (r: FederationCheckResult) =>
    Object.fromEntries(r.steps.map((s) => [s.step, `${s.outcome} ${s.code}`]));

  for (const kind of ['prosody', 'ejabberd'] as const) {
    const { external, dialback } = DOMAINS[kind];

    test(`${kind}: SASL EXTERNAL, every step passes, the ping is answered`, async () => {
      const result = await check('parley.test', external);
      assert.deepEqual(codes(result), {
        dns: 'ok srv',
        tcp: 'ok connected',
        tls: 'ok starttls',
        certificate: 'ok cert-valid',
        authentication: 'ok authenticated-external',
        ping: 'ok pong',
      });
      assert.equal(result.ok, true);
      if (kind === 'prosody')
        assert.match(peers.get(external)?.log() ?? '', /Accepting SASL EXTERNAL identity from parley\.test/);
    });

    test(`${kind}: dialback, the peer connects back to verify the key, the ping is answered`, async () => {
      const result = await check('parley.test', dialback);
      assert.equal(codes(result).authentication, 'ok authenticated-dialback', JSON.stringify(result, null, 2));
      assert.equal(codes(result).ping, 'ok pong');
      assert.equal(result.ok, true);
    });

    test(`${kind}: dialback fails when the peer cannot connect back; the authentication step says so`, async () => {
      const result = await check(UNREACHABLE, dialback);
      const auth = result.steps.find((s) => s.step === 'authentication');
      assert.equal(auth?.outcome, 'failed', JSON.stringify(result, null, 2));
      // The peer cannot resolve lost.test to verify our key: Prosody 0.12 then never answers, ejabberd says so.
      assert.match(auth?.code ?? '', /^dialback-(timeout|error)$/);
      assert.match(auth?.message ?? '', /connect back to lost\.test/);
      if (kind === 'prosody')
        assert.match(peers.get(dialback)?.log() ?? '', /asking lost\.test if key \w+ belongs to them/);
      assert.equal(result.steps.find((s) => s.step === 'ping')?.code, 'after-failure');
      assert.equal(result.ok, false);
    });
  }
});

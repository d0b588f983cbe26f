// A SIP trunk against sipp as the provider's gateway: sipp (UAS) challenges Parley's INVITE for an
// outside number and checks the digest answer with the trunk's credentials, then answers; sipp
// (UAC) delivers a call to a DID, which rings that line's phone with the caller as E.164, named
// from the directory.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../support/cluster.js';
import { call } from '../support/http.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { phoneFor, SDP, type SipPhone } from '../support/sip-phone.js';
import { freeSipPort, logValue, probeSipp, runSipp, type SippResult, spawnSipp } from './support/sip-peers.js';

const DOMAIN = 'trunk.test';
const TRUNK_USER = 'parley-trunk';
const TRUNK_PASSWORD = 'trunk-secret-42';

const ok = (r: SippResult) =>
  assert.equal(r.code, 0, `sipp exit ${r.code}\n${r.errors}\n${r.output.split('\n').slice(-30).join('\n')}`);

const skip = await requirePeer('sipp', probeSipp);

describe('a SIP trunk with sipp as the provider', { skip }, () => {
  let t: TestServer;
  let target: string;
  let alice: SipPhone & { userId: string; tenantId: string };
  let bob: SipPhone & { userId: string; tenantId: string };
  let uasPort: number;
  let uacPort: number;

  before(async () => {
    // The provider's gateway is on loopback: allowed here as a system admin would.
    t = await startTestServer({ 'outbound.allow': ['127.0.0.1'] });
    const listener = t.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(listener);
    target = `127.0.0.1:${listener.port}`;
    const tenant = await t.core.tenants.create({ domain: DOMAIN, country: 'DE', areaCode: '711' });
    const admin = await t.user(`admin@${DOMAIN}`, { role: 'tenant-admin' });
    alice = await phoneFor(t, `alice@${DOMAIN}`);
    bob = await phoneFor(t, `bob@${DOMAIN}`);
    await t.core.lines.add(tenant.id, { number: '201', did: '+4971112345201', userId: alice.userId });
    await t.core.lines.add(tenant.id, { number: '202', did: '+4971112345202', userId: bob.userId });
    for (const p of [alice, bob]) assert.equal((await p.register(600)).status, 200);
    uasPort = await freeSipPort();
    uacPort = await freeSipPort();
    await admin.api.request('admin.trunks.create', {
      body: {
        name: 'itsp',
        host: '127.0.0.1',
        port: uasPort,
        username: TRUNK_USER,
        password: TRUNK_PASSWORD,
        numberFormat: 'national',
        inboundSources: [`127.0.0.1:${uacPort}`],
      },
    });
    const source = await admin.api.request('admin.directory.sources.create', {
      body: { name: 'phonebook', kind: 'file', config: {} },
    });
    const imported = await call(t.url, 'POST', `/api/v1/admin/directory/sources/${source.id}/import`, {
      token: admin.token,
      headers: { 'content-type': 'text/csv' },
      body: 'Name;Firma;Telefon\nAnna Berger;Muster GmbH;+49 711 9876543\n',
    });
    assert.equal(imported.status, 200, imported.text);
  });
  after(async () => {
    alice?.close();
    bob?.close();
    await t?.stop();
  });

  test("Parley calls out over the trunk: sipp's 401 is answered with the trunk's credentials", async () => {
    // [field0] the user sipp checks, [field2] (the peer column) the password it checks with.
    const provider = await spawnSipp({
      scenario: 'uas-trunk.xml',
      target,
      domain: DOMAIN,
      accounts: [{ user: TRUNK_USER, password: 'unused', peer: TRUNK_PASSWORD }],
      localPort: uasPort,
    });
    const placed = alice.invite(`07119876543@${DOMAIN}`);
    const { response, dialog } = await placed;
    assert.equal(response.status, 200, `${response.status} ${response.reason}`);
    assert.ok(dialog);
    await alice.sendInDialog(dialog, 'BYE');
    const r = await provider.result;
    ok(r);
    assert.equal(logValue(r, 'ruri'), `sip:07119876543@127.0.0.1:${uasPort}`, 'the number as the trunk wants it');
    assert.equal(logValue(r, 'from'), '071112345201', "alice's DID, national");
  });

  test("sipp delivers a call to a DID: the line's phone answers, the caller named from the directory", async () => {
    const events: { name: string | null | undefined; number: string | undefined }[] = [];
    const stop = t.core.ctx.bus.subscribe(
      'call.established',
      (e) => void events.push({ name: e.call.caller.resolved?.name, number: e.call.caller.number }),
      { userId: bob.userId },
    );
    bob.autoAnswer = (request) => (request.method === 'INVITE' ? { status: 200, sdp: SDP(47000) } : undefined);
    try {
      const run = runSipp({
        scenario: 'uac-trunk.xml',
        target,
        domain: DOMAIN,
        accounts: [{ user: '07119876543', password: 'unused', peer: '071112345202' }],
        localPort: uacPort,
        pauseMs: 200,
      });
      ok(await run);
      const invite = bob.incoming.find((i) => i.request.method === 'INVITE');
      assert.match(invite?.request.headers.find((h) => h.name === 'From')?.value ?? '', /sip:\+497119876543@/);
      await waitUntil(
        () => (events.length > 0 ? true : undefined),
        30_000,
        () => 'no call.established',
      );
      assert.deepEqual(events[0], { name: 'Anna Berger', number: '+497119876543' });
    } finally {
      bob.autoAnswer = undefined;
      stop();
    }
  });
});

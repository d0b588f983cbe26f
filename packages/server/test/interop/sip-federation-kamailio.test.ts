// SIP federation against a real Kamailio playing another company's server for `other.test`: both
// servers hold certificates of one throwaway CA (Parley's names example.test, Kamailio's
// other.test), present them as clients too, and trust each other's domain by them. A Parley
// device calls bob@other.test (registered on Kamailio) and bob calls alice@example.test, each
// through the other server over TLS; carol@other.test watches alice's presence through Kamailio
// and sees her availability only. Unlisted domains and certificates that name another domain are
// refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { singleHeader } from '../../src/adapters/sip/message/index.js';
import { removeTemp, tempDir } from '../support/cluster.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually, phoneFor, SDP, SipPhone } from '../support/sip-phone.js';
import { SipWatcher } from '../support/sip-watcher.js';
import { issueCertificate, makeCertificates } from '../support/slapd.js';
import { freeSipPort, type Kamailio, probeSippKamailio, type SipAccount, startKamailio } from './support/sip-peers.js';

const skip = await requirePeer('Kamailio', probeSippKamailio);

const bob: SipAccount = { user: 'bob', password: 'bob-secret' };
const carol: SipAccount = { user: 'carol', password: 'carol-secret' };
const WAIT = 30_000;
const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];

describe('SIP federation: Parley (example.test) and Kamailio (other.test) over TLS', { skip }, () => {
  let kam: Kamailio;
  let t: TestServer;
  let certDir: string;
  let alice: Awaited<ReturnType<typeof phoneFor>>;
  let bobPhone: SipPhone;
  const logs: string[] = [];
  const phones: { close(): void }[] = [];

  /** Parley's TLS listener as a phone or a stranger's server reaches it. */
  const parleyTls = () => {
    const l = t.listeners.find((x) => x.name === 'sip-tls');
    if (!l) throw new Error('no sip-tls listener');
    return { host: l.host, port: l.port };
  };
  /** Someone at `aor` connecting to Parley over TLS, presenting `certName`'s certificate of the test CA. */
  const stranger = async (aor: string, certName?: string) => {
    const phone = await SipPhone.open({
      server: parleyTls(),
      transport: 'tls',
      ca: readFileSync(join(certDir, 'ca.crt'), 'utf8'),
      ...(certName && {
        cert: readFileSync(join(certDir, `${certName}.crt`), 'utf8'),
        key: readFileSync(join(certDir, `${certName}.key`), 'utf8'),
      }),
      aor,
      username: 'nobody',
      password: 'nothing',
    });
    phones.push(phone);
    return phone;
  };
  const logged = (text: string) => eventually(() => logs.find((l) => l.includes(text)), `a log line "${text}"`);

  before(async () => {
    certDir = tempDir('parley-federation-ca-');
    await makeCertificates(certDir);
    const parleyCert = await issueCertificate(certDir, 'parley', ['example.test', 'localhost']);
    const tlsPort = await freeSipPort();
    kam = await startKamailio({
      domain: 'other.test',
      users: [bob, carol],
      tls: { caDir: certDir, names: ['other.test', 'localhost'] },
      federation: { domain: 'example.test', target: `127.0.0.1:${tlsPort}` },
    });
    const peerAt = `127.0.0.1:${kam.tlsPort}`;
    const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    t = await startTestServer(
      {
        'log.level': 'info',
        'sip.tls.port': tlsPort,
        'sip.tls.cert': parleyCert.certFile,
        'sip.tls.key': parleyCert.keyFile,
        'sip.federation.peers': [
          { domain: 'other.test', address: peerAt },
          // Kamailio's certificate does not name these two.
          { domain: 'mismatch.test', address: peerAt },
          { domain: 'third.test', address: peerAt },
        ],
        'sip.federation.caFile': join(certDir, 'ca.crt'),
        'outbound.allow': ['127.0.0.1'],
      },
      { log },
    );
    alice = await phoneFor(t, 'alice@example.test');
    phones.push(alice);
    assert.equal((await alice.register()).status, 200);
    bobPhone = await SipPhone.open({
      server: { host: '127.0.0.1', port: kam.port },
      aor: 'bob@other.test',
      username: bob.user,
      password: bob.password,
    });
    phones.push(bobPhone);
    assert.equal((await bobPhone.register()).status, 200);
  });
  after(async () => {
    for (const p of phones) p.close();
    await t?.stop();
    await kam?.stop();
    if (certDir) removeTemp(certDir);
  });

  /** The live core call of alice's with a party at `uri`, once it is in `state`. */
  const coreCall = (uri: string, state: string) =>
    eventually(
      () =>
        t.core.calls
          .ofUser(alice.tenantId, alice.userId)
          .find((c) =>
            c.connections.some((x) => x.party.uri === uri && x.party.userId === undefined && x.state === state),
          ),
      `a call with ${uri} ${state}`,
      WAIT,
    );

  test('a Parley device calls bob@other.test: Kamailio rings bob, he answers, alice hangs up', async () => {
    const placed = alice.invite('bob@other.test');
    const invite = await bobPhone.next('INVITE', WAIT);
    assert.match(singleHeader(invite.request.headers, 'From') ?? '', /<sip:alice@example\.test>/);
    assert.match(singleHeader(invite.request.headers, 'To') ?? '', /<sip:bob@other\.test>/);
    invite.reply(180, 'Ringing');
    invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), /m=audio 41000/, 'bob’s SDP reached alice');
    assert.ok(dialog);
    const call = await coreCall('sip:bob@other.test', 'connected');
    assert.equal(call.dialled, 'bob@other.test');
    const bye = alice.sendInDialog(dialog, 'BYE');
    (await bobPhone.next('BYE', WAIT)).reply(200, 'OK');
    assert.equal((await bye).status, 200);
    await eventually(
      () => (t.core.calls.ofUser(alice.tenantId, alice.userId).length === 0 ? true : undefined),
      'the call ended',
      WAIT,
    );
  });

  test('bob@other.test calls alice through Kamailio: her device rings, she answers, bob hangs up', async () => {
    const placed = bobPhone.invite('alice@example.test');
    const invite = await alice.next('INVITE', WAIT);
    assert.match(singleHeader(invite.request.headers, 'From') ?? '', /<sip:bob@other\.test>/);
    invite.reply(180, 'Ringing');
    await coreCall('sip:bob@other.test', 'initiated');
    invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(42000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.ok(dialog);
    const call = await coreCall('sip:bob@other.test', 'connected');
    assert.equal(call.caller.uri, 'sip:bob@other.test');
    const bye = bobPhone.sendInDialog(dialog, 'BYE');
    (await alice.next('BYE', WAIT)).reply(200, 'OK');
    assert.equal((await bye).status, 200);
  });

  test('carol@other.test watches alice through Kamailio: PIDF with availability only, again on a change', async () => {
    await t.core.presence.setManual(alice.tenantId, alice.userId, { availability: 'away', note: 'Lunch' });
    const watcher = await SipWatcher.open(
      { host: '127.0.0.1', port: kam.port },
      { user: 'carol', domain: 'other.test', username: carol.user, password: carol.password },
    );
    phones.push(watcher);
    const { response, dialog } = await watcher.subscribe('sip:alice@example.test', 'presence');
    assert.equal(response.status, 200);
    const first = await watcher.nextNotify(undefined, { dialog });
    assert.equal(singleHeader(first.headers, 'Content-Type'), 'application/pidf+xml');
    const body = first.body.toString();
    assert.match(body, /entity="sip:alice@example\.test"/);
    assert.match(body, /<basic>open<\/basic>/);
    assert.match(body, /away/);
    assert.doesNotMatch(body, /Lunch/, 'a federated watcher sees no note');
    const seen = watcher.notifies.length;
    await t.core.presence.setManual(alice.tenantId, alice.userId, { availability: 'busy', note: 'Budget review' });
    const second = await watcher.nextNotify((n) => /busy/.test(n.body.toString()), { after: seen, dialog });
    assert.doesNotMatch(second.body.toString(), /Budget review/);
    assert.ok(dialog?.route?.length, 'the dialog passes Kamailio (Record-Route)');
    const ended = await watcher.resubscribe(dialog, 0, 'sip:alice@example.test');
    assert.equal(ended.status, 200);
    const last = await watcher.nextNotify(
      (n) => /terminated/.test(singleHeader(n.headers, 'Subscription-State') ?? ''),
      {
        dialog,
      },
    );
    assert.ok(last);
  });

  test('a domain that is not a peer gets 403, over TLS or not, and the refusal is logged', async () => {
    const eve = await stranger('eve@unlisted.test', 'kamailio');
    const r = await eve.invite('alice@example.test');
    assert.equal(r.response.status, 403);
    assert.equal(singleHeader(r.response.headers, 'Proxy-Authenticate'), undefined, 'no challenge');
    await logged('not a federation peer');
    // bob's address, but over UDP straight to Parley: no certificate proves it.
    const spoof = await SipPhone.open({
      server: { host: '127.0.0.1', port: t.listeners.find((l) => l.name === 'sip-udp')?.port ?? 0 },
      aor: 'bob@other.test',
      username: 'bob',
      password: 'guess',
    });
    phones.push(spoof);
    assert.equal((await spoof.invite('alice@example.test')).response.status, 403);
    await logged('a peer must come over TLS');
  });

  test('a certificate that does not name the domain is refused both ways', async () => {
    // Outbound: mismatch.test's configured server presents other.test's certificate.
    const out = await alice.invite('bob@mismatch.test');
    assert.equal(out.response.status, 503);
    await logged('does not name mismatch.test');
    // Inbound: other.test's certificate, a From of third.test (a peer, but not this one).
    const eve = await stranger('eve@third.test', 'kamailio');
    assert.equal((await eve.invite('alice@example.test')).response.status, 403);
    await logged('the certificate does not name the domain');
    // No certificate at all: refused too.
    const anon = await stranger('bob@other.test');
    assert.equal((await anon.invite('alice@example.test')).response.status, 403);
    await logged('no verified client certificate');
  });
});

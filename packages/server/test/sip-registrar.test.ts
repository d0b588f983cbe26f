import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { headerValues } from '../src/adapters/sip/message/index.js';
import { startTestServer, type TestServer } from './support/server.js';
import { phoneFor, SipPhone } from './support/sip-phone.js';

describe('SIP registrar (RFC 3261 §10, RFC 8760 digest)', () => {
  let s: TestServer;
  let alice: SipPhone & { userId: string; tenantId: string };
  before(async () => {
    s = await startTestServer({ 'sip.digestAlgorithms': ['SHA-256', 'MD5'] });
    alice = await phoneFor(s, 'alice@example.test');
  });
  after(async () => {
    alice.close();
    await s.stop();
  });

  test('an unauthenticated REGISTER is challenged with every configured algorithm, SHA-256 first', async () => {
    const r = await alice.request(
      'REGISTER',
      'sip:example.test',
      [
        { name: 'From', value: `<sip:alice@example.test>;tag=${alice.tag}` },
        { name: 'To', value: '<sip:alice@example.test>' },
        { name: 'Call-ID', value: 'unauth@phone' },
        { name: 'Contact', value: alice.contact },
      ],
      { auth: false },
    );
    assert.equal(r.status, 401);
    const challenges = headerValues(r.headers, 'WWW-Authenticate');
    assert.deepEqual(
      challenges.map((c) => /algorithm=([\w-]+)/.exec(c)?.[1]),
      ['SHA-256', 'MD5'],
    );
  });

  test('a device registers, is found in the core, refreshes and unregisters', async () => {
    const r = await alice.register(600);
    assert.equal(r.status, 200);
    assert.match(headerValues(r.headers, 'Contact')[0] ?? '', /;expires=(600|599)$/);
    const [binding] = await s.core.registrations.of(alice.tenantId, alice.userId);
    assert.equal(binding?.flow.transport, 'UDP');
    assert.equal(binding?.flow.port, alice.local.port);
    assert.equal((await alice.register(0)).status, 200);
    assert.deepEqual(await s.core.registrations.of(alice.tenantId, alice.userId), []);
  });

  test('too short an interval gets 423 with Min-Expires; too long is cut to the maximum', async () => {
    const short = await alice.register(5);
    assert.equal(short.status, 423);
    assert.deepEqual(headerValues(short.headers, 'Min-Expires'), ['60']);
    const long = await alice.register(999_999);
    assert.equal(long.status, 200);
    assert.match(headerValues(long.headers, 'Contact')[0] ?? '', /;expires=(3600|3599)$/);
  });

  test('several contacts per address; Contact * with Expires 0 removes them all', async () => {
    await alice.register(600, { contact: '<sip:alice@127.0.0.1:40001>' });
    const both = await alice.register(600, { contact: '<sip:alice@127.0.0.1:40002>' });
    assert.equal(headerValues(both.headers, 'Contact').length >= 2, true);
    assert.equal((await alice.register(0, { contact: '*' })).status, 200);
    assert.deepEqual(await s.core.registrations.of(alice.tenantId, alice.userId), []);
  });

  test('a wrong secret gets 403 and counts against the login throttle', async () => {
    const impostor = await SipPhone.open({ ...alice.settings, password: 'wrong' });
    const r = await impostor.register(600);
    impostor.close();
    assert.equal(r.status, 403);
    assert.deepEqual(await s.core.registrations.of(alice.tenantId, alice.userId), []);
  });

  test('a device cannot register another user’s address', async () => {
    const bob = await s.user('bob@example.test');
    const r = await alice.request('REGISTER', 'sip:example.test', [
      { name: 'From', value: `<sip:bob@example.test>;tag=${alice.tag}` },
      { name: 'To', value: '<sip:bob@example.test>' },
      { name: 'Call-ID', value: 'other@phone' },
      { name: 'Contact', value: alice.contact },
    ]);
    assert.equal(r.status, 403);
    assert.deepEqual(await s.core.registrations.of(bob.tenantId, bob.userId), []);
  });

  test('a replayed nonce count is challenged again with stale=true', async () => {
    const headers = [
      { name: 'From', value: `<sip:alice@example.test>;tag=${alice.tag}` },
      { name: 'To', value: '<sip:alice@example.test>' },
      { name: 'Call-ID', value: 'replay@phone' },
      { name: 'Contact', value: alice.contact },
    ];
    const challenge = await alice.request('REGISTER', 'sip:example.test', headers, { auth: false });
    const credentials = alice.credentials('REGISTER', 'sip:example.test', challenge);
    const first = await alice.request('REGISTER', 'sip:example.test', [...headers, credentials], { auth: false });
    assert.equal(first.status, 200);
    const again = await alice.request('REGISTER', 'sip:example.test', [...headers, credentials], { auth: false });
    assert.equal(again.status, 401);
    assert.match(headerValues(again.headers, 'WWW-Authenticate')[0] ?? '', /stale=true/);
  });

  test('a REGISTER for a domain not served here gets 404', async () => {
    const r = await alice.request(
      'REGISTER',
      'sip:elsewhere.test',
      [
        { name: 'From', value: `<sip:alice@elsewhere.test>;tag=${alice.tag}` },
        { name: 'To', value: '<sip:alice@elsewhere.test>' },
        { name: 'Call-ID', value: 'foreign@phone' },
        { name: 'Contact', value: alice.contact },
      ],
      { auth: false },
    );
    assert.equal(r.status, 404);
  });

  test('over TLS with the self-signed certificate kept in the data folder', async () => {
    const ca = readFileSync(join(s.dataDir, 'tls', 'sip.cert.pem'), 'utf8');
    const tls = await phoneFor(s, 'alice@example.test', 'tls', alice, ca);
    assert.equal((await tls.register(600)).status, 200);
    const bindings = await s.core.registrations.of(alice.tenantId, alice.userId);
    assert.equal(bindings.find((b) => b.flow.transport === 'TLS')?.flow.port, tls.local.port);
    assert.equal((await tls.register(0)).status, 200);
    tls.close();
  });

  test('over TCP the binding names the connection', async () => {
    const tcp = await phoneFor(s, 'alice@example.test', 'tcp', alice);
    assert.equal((await tcp.register(600)).status, 200);
    const bindings = await s.core.registrations.of(alice.tenantId, alice.userId);
    assert.equal(bindings.find((b) => b.flow.transport === 'TCP')?.flow.port, tcp.local.port);
    assert.equal((await tcp.register(0)).status, 200);
    tcp.close();
  });
});

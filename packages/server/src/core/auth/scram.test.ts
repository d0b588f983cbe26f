import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scramClient } from '../../../test/support/scram.js';
import { scramKeys } from '../users/credentials.js';
import { decodeSaslname, encodeSaslname, type ScramMechanism, ScramServer } from './scram.js';

/** The RFC example exchanges, byte for byte, with the server nonce the RFC's server chose. */
const examples = [
  {
    rfc: 'RFC 5802 §5 (SCRAM-SHA-1)',
    mechanism: 'SCRAM-SHA-1',
    hash: 'sha1',
    salt: 'QSXCR+Q6sek8bf92',
    serverNonce: '3rfcNHYJY1ZVvWVs7j',
    clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
    serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
    clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
  },
  {
    rfc: 'RFC 7677 §3 (SCRAM-SHA-256)',
    mechanism: 'SCRAM-SHA-256',
    hash: 'sha256',
    salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
    serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
    serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    clientFinal:
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  },
] as const;

const keysOf = (hash: 'sha1' | 'sha256', password: string, salt = 'c2FsdHNhbHRzYWx0') =>
  scramKeys(hash, password, Buffer.from(salt, 'base64'), 4096);

const exporter = Buffer.from('tls-exporter data of this TLS connection');

describe('SCRAM server: the RFC example exchanges verify byte for byte', () => {
  for (const e of examples) {
    test(e.rfc, async () => {
      const server = new ScramServer(e.mechanism, { nonce: () => e.serverNonce });
      const first = server.clientFirst(e.clientFirst);
      assert.ok(first.ok);
      assert.equal(first.username, 'user');
      assert.equal(server.serverFirst(await keysOf(e.hash, 'pencil', e.salt)), e.serverFirst);
      assert.deepEqual(server.clientFinal(e.clientFinal), { ok: true, message: e.serverFinal });
    });

    test(`${e.rfc} with another password: invalid-proof`, async () => {
      const server = new ScramServer(e.mechanism, { nonce: () => e.serverNonce });
      assert.ok(server.clientFirst(e.clientFirst).ok);
      server.serverFirst(await keysOf(e.hash, 'pencil2', e.salt));
      assert.deepEqual(server.clientFinal(e.clientFinal), {
        ok: false,
        error: 'invalid-proof',
        message: 'e=invalid-proof',
      });
    });
  }
});

describe('SCRAM server: client-first-message', () => {
  const cases: [message: string, expected: Record<string, unknown>][] = [
    ['n,,n=user,r=abc', { username: 'user', authzid: null, cbindFlag: 'n', clientNonce: 'abc' }],
    ['n,a=ad=2Cmin,n=us=3Der=2Cx,r=a+b', { username: 'us=er,x', authzid: 'ad,min', clientNonce: 'a+b' }],
    ['n,,n=user,r=abc,ext=ignored', { username: 'user', clientNonce: 'abc' }],
    ['n,,n=jürgen,r=abc', { username: 'jürgen' }],
    ['x,,n=user,r=abc', { error: 'invalid-encoding' }],
    ['p=bad name,,n=user,r=abc', { error: 'invalid-encoding' }],
    ['n,,m=ext,n=user,r=abc', { error: 'extensions-not-supported' }],
    ['n,,n=us=2Xer,r=abc', { error: 'invalid-username-encoding' }],
    ['n,,n=us=er,r=abc', { error: 'invalid-username-encoding' }],
    ['n,,n=,r=abc', { error: 'invalid-username-encoding' }],
    ['n,b=admin,n=user,r=abc', { error: 'invalid-username-encoding' }],
    ['n,,n=user', { error: 'invalid-encoding' }],
    ['n,,n=user,r=', { error: 'invalid-encoding' }],
    ['n,,n=user,r=a b', { error: 'invalid-encoding' }],
    ['n,,r=abc,n=user', { error: 'invalid-encoding' }],
    ['n,,', { error: 'invalid-encoding' }],
    ['n', { error: 'invalid-encoding' }],
    ['', { error: 'invalid-encoding' }],
  ];
  for (const [message, expected] of cases) {
    test(JSON.stringify(message), () => {
      const got = new ScramServer('SCRAM-SHA-256').clientFirst(message);
      if ('error' in expected)
        assert.deepEqual(got, { ok: false, error: expected.error, message: `e=${expected.error}` });
      else for (const [k, v] of Object.entries(expected)) assert.deepEqual(got[k as keyof typeof got], v, k);
    });
  }

  test('saslname escaping round-trips', () => {
    assert.equal(encodeSaslname('a,b=c'), 'a=2Cb=3Dc');
    assert.equal(decodeSaslname('a=2Cb=3Dc'), 'a,b=c');
    assert.equal(decodeSaslname('a=2cb'), null, 'escapes are upper case');
  });
});

describe('SCRAM server: channel binding flags against the mechanism and what was offered', () => {
  const none = {};
  const tls = { 'tls-exporter': exporter };
  const cases: [mechanism: ScramMechanism, offered: Record<string, Buffer>, gs2: string, outcome: string][] = [
    ['SCRAM-SHA-256', none, 'n,,', 'ok'],
    ['SCRAM-SHA-256', none, 'y,,', 'ok'],
    ['SCRAM-SHA-256', none, 'p=tls-exporter,,', 'invalid-encoding'],
    ['SCRAM-SHA-256', tls, 'n,,', 'ok'],
    ['SCRAM-SHA-256', tls, 'y,,', 'server-does-support-channel-binding'],
    ['SCRAM-SHA-256-PLUS', tls, 'p=tls-exporter,,', 'ok'],
    ['SCRAM-SHA-1-PLUS', tls, 'p=tls-exporter,,', 'ok'],
    ['SCRAM-SHA-256-PLUS', tls, 'p=tls-unique,,', 'unsupported-channel-binding-type'],
    ['SCRAM-SHA-256-PLUS', tls, 'n,,', 'invalid-encoding'],
    ['SCRAM-SHA-256-PLUS', tls, 'y,,', 'invalid-encoding'],
    ['SCRAM-SHA-256-PLUS', none, 'p=tls-exporter,,', 'channel-binding-not-supported'],
  ];
  for (const [mechanism, offered, gs2, outcome] of cases) {
    test(`${mechanism}, offering [${Object.keys(offered)}], client ${gs2}: ${outcome}`, async () => {
      const hash = mechanism.startsWith('SCRAM-SHA-1') ? 'sha1' : 'sha256';
      const server = new ScramServer(mechanism, { channelBindings: offered });
      const client = scramClient(hash, 'user', 'pencil', {
        gs2Header: gs2,
        ...(gs2.startsWith('p=') && { bindingData: exporter }),
      });
      const first = server.clientFirst(client.first);
      if (outcome !== 'ok') {
        assert.deepEqual(first, { ok: false, error: outcome, message: `e=${outcome}` });
        return;
      }
      assert.ok(first.ok);
      const final = server.clientFinal(client.final(server.serverFirst(await keysOf(hash, 'pencil'))));
      assert.ok(final.ok);
      assert.ok(client.verify(final.message), 'the client verifies the server signature');
    });
  }

  test('-PLUS: a client bound to another channel (a man in the middle) is refused', async () => {
    const server = new ScramServer('SCRAM-SHA-256-PLUS', { channelBindings: { 'tls-exporter': exporter } });
    const client = scramClient('sha256', 'user', 'pencil', {
      gs2Header: 'p=tls-exporter,,',
      bindingData: Buffer.from('the attacker’s TLS connection'),
    });
    assert.ok(server.clientFirst(client.first).ok);
    const final = server.clientFinal(client.final(server.serverFirst(await keysOf('sha256', 'pencil'))));
    assert.deepEqual(final, {
      ok: false,
      error: 'channel-bindings-dont-match',
      message: 'e=channel-bindings-dont-match',
    });
  });
});

describe('SCRAM server: client-final-message', () => {
  const base = examples[1];
  const run = async (clientFinal: string) => {
    const server = new ScramServer('SCRAM-SHA-256', { nonce: () => base.serverNonce });
    server.clientFirst(base.clientFirst);
    server.serverFirst(await keysOf('sha256', 'pencil', base.salt));
    return server.clientFinal(clientFinal);
  };
  const nonce = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const cases: [string, string][] = [
    [`c=biws,${nonce}`, 'invalid-encoding'],
    [`c=biws,${nonce},p=not base64!`, 'invalid-encoding'],
    [`${nonce},c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`, 'invalid-encoding'],
    ['c=biws,r=rOprNGfwEbeRWgbNEkqO-other,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'other-error'],
    [`c=eSws,${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`, 'channel-bindings-dont-match'],
    [`c=biws,${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ`, 'invalid-encoding'],
    [`c=biws,${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgs`, 'invalid-proof'],
    [`c=biws,${nonce},p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`, 'invalid-proof'],
  ];
  for (const [message, error] of cases) {
    test(`${message}: ${error}`, async () => {
      assert.deepEqual(await run(message), { ok: false, error, message: `e=${error}` });
    });
  }

  test('steps out of order are a programming error', async () => {
    const server = new ScramServer('SCRAM-SHA-256');
    assert.throws(() => server.clientFinal('c=biws,r=x,p=AAAA'), /client-final called at step client-first/);
    assert.equal(server.clientFirst('n,,n=user,r=abc').ok, true);
    assert.throws(() => server.clientFirst('n,,n=user,r=abc'), /called at step server-first/);
  });
});

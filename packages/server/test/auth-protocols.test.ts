import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ScramMechanism } from '../src/core/auth/scram.js';
import type { ParleyError } from '../src/core/errors.js';
import { sipHa1 } from '../src/core/users/credentials.js';
import { assertError, call } from './support/http.js';
import { scramClient } from './support/scram.js';
import { startTestServer, type TestServer } from './support/server.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('credentials for protocols: SCRAM, PLAIN and SIP digest through core.auth, one throttle with HTTP', () => {
  let t: TestServer;
  before(async () => {
    // trustProxy lets each test pose as its own client address through X-Forwarded-For.
    t = await startTestServer({
      'http.trustProxy': true,
      'auth.throttle.maxFailures': 4,
      'auth.throttle.maxFailuresPerAddress': 50,
      'auth.throttle.maxFailuresPerAccount': 50,
      // Long enough that no lock-out ends while a test runs, however slow the machine.
      'auth.throttle.baseDelaySeconds': 60,
      'auth.throttle.maxDelaySeconds': 120,
    });
  });
  after(() => t.stop());

  const httpLogin = (user: string, password: string, ip: string) =>
    call(t.url, 'POST', '/api/v1/auth/login', { body: { user, password }, headers: { 'x-forwarded-for': ip } });

  /** A whole SCRAM exchange over "XMPP" from `ip`; the outcome of its last step. */
  async function scram(mechanism: ScramMechanism, address: string, password: string, ip: string) {
    const [local, domain] = address.split('@') as [string, string];
    const exchange = t.core.auth.scram({ protocol: 'xmpp', address: ip, domain, mechanism });
    const client = scramClient(mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256', local, password);
    const first = await exchange.start(client.first);
    if (!first.ok) return { ...first, salt: null };
    const salt = /,s=([^,]+),/.exec(first.message)?.[1] ?? null;
    const final = await exchange.finish(client.final(first.message));
    if (final.ok) assert.ok(client.verify(final.message), 'the server proves it knows the keys');
    return { ...final, salt };
  }

  /** A REGISTER answered with the device secret `secret` (qop=auth, MD5) from `ip`. */
  const register = (tenantId: string, username: string, realm: string, secret: string, ip: string) => {
    const uri = `sip:${realm}`;
    const params = { username, realm, nonce: 'n0nce', uri, qop: 'auth', nc: '00000001', cnonce: 'c' };
    const ha2 = md5(`REGISTER:${uri}`);
    const response = md5(`${sipHa1('md5', username, realm, secret)}:n0nce:00000001:c:auth:${ha2}`);
    return t.core.auth.sipDigest({
      address: ip,
      tenantId,
      method: 'REGISTER',
      requestUri: uri,
      authorization: { ...params, response },
    });
  };

  const refusedWith = (code: string) => (err: ParleyError) => {
    assert.equal(err.code, code);
    if (code === 'PARLEY_ERR_TOO_MANY_REQUESTS') assert.ok((err.retryAfterSeconds ?? 0) >= 1);
    return true;
  };

  test('SCRAM-SHA-256 and SCRAM-SHA-1 sign in with the password; PLAIN too; the user is found', async () => {
    const ann = await t.user('ann@proto.test');
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-1'] as const) {
      const ok = await scram(mechanism, 'ann@proto.test', ann.password, '10.9.0.1');
      assert.equal(ok.ok, true, mechanism);
      assert.equal('user' in ok && ok.user.id, ann.userId);
    }
    const plain = await t.core.auth.plain({
      protocol: 'xmpp',
      address: '10.9.0.1',
      domain: 'proto.test',
      message: Buffer.from(`\0ann\0${ann.password}`),
    });
    assert.equal(plain.id, ann.userId);
    const asHerself = await t.core.auth.plain({
      protocol: 'xmpp',
      address: '10.9.0.1',
      domain: 'proto.test',
      message: Buffer.from(`ann@proto.test\0ann\0${ann.password}`),
    });
    assert.equal(asHerself.id, ann.userId, 'an authzid naming herself');
    await assert.rejects(
      t.core.auth.plain({
        protocol: 'xmpp',
        address: '10.9.0.1',
        domain: 'proto.test',
        message: Buffer.from(`bob@proto.test\0ann\0${ann.password}`),
      }),
      refusedWith('PARLEY_ERR_FORBIDDEN'),
    );
    const wrong = await scram('SCRAM-SHA-256', 'ann@proto.test', 'not-her-password', '10.9.0.1');
    assert.deepEqual(wrong, {
      ok: false,
      error: 'invalid-proof',
      message: 'e=invalid-proof',
      retryAfter: 0,
      salt: wrong.salt,
    });
  });

  test('an unknown user gets a stable decoy salt and fails like a wrong password', async () => {
    const a = await scram('SCRAM-SHA-256', 'ghost@proto.test', 'x', '10.9.1.1');
    const b = await scram('SCRAM-SHA-256', 'ghost@proto.test', 'y', '10.9.1.2');
    assert.equal(a.ok, false);
    assert.equal('error' in a && a.error, 'invalid-proof');
    assert.ok(a.salt && a.salt === b.salt, 'the same salt every time');
    const other = await scram('SCRAM-SHA-256', 'phantom@proto.test', 'x', '10.9.1.1');
    assert.notEqual(other.salt, a.salt);
  });

  test('failures over SCRAM and SIP digest exhaust the budget that then refuses an HTTP login', async () => {
    const bea = await t.user('bea@proto.test');
    const { device, password: secret } = await t.core.devices.create(bea.tenantId, bea.userId, { name: 'Desk' });
    const ip = '10.9.2.1';
    const ok = await register(bea.tenantId, device.username, device.realm, secret, ip);
    assert.equal(ok.deviceId, device.id);
    assert.equal(ok.account, 'bea@proto.test');

    assert.equal((await scram('SCRAM-SHA-256', 'bea@proto.test', 'guess-1', ip)).ok, false);
    assert.equal((await scram('SCRAM-SHA-1', 'bea@proto.test', 'guess-2', ip)).ok, false);
    await assert.rejects(
      register(bea.tenantId, device.username, device.realm, 'guess-3', ip),
      refusedWith('PARLEY_ERR_INVALID_CREDENTIALS'),
    );
    await assert.rejects(
      register(bea.tenantId, device.username, device.realm, 'guess-4', ip),
      refusedWith('PARLEY_ERR_INVALID_CREDENTIALS'),
    );

    const locked = await httpLogin('bea@proto.test', bea.password, ip);
    assertError(locked, 429, 'PARLEY_ERR_TOO_MANY_REQUESTS');
    assert.ok(Number(locked.headers.get('retry-after')) >= 1, `Retry-After: ${locked.headers.get('retry-after')}`);
    // Every protocol is refused now, before any secret is checked …
    const refused = await scram('SCRAM-SHA-256', 'bea@proto.test', bea.password, ip);
    assert.equal(refused.ok, false);
    assert.ok('retryAfter' in refused && refused.retryAfter >= 1);
    await assert.rejects(
      register(bea.tenantId, device.username, device.realm, secret, ip),
      refusedWith('PARLEY_ERR_TOO_MANY_REQUESTS'),
    );
    // … and only from that address.
    assert.equal((await httpLogin('bea@proto.test', bea.password, '10.9.2.2')).status, 200);
    assert.equal((await scram('SCRAM-SHA-256', 'bea@proto.test', bea.password, '10.9.2.2')).ok, true);
  });

  test('failures over HTTP exhaust the budget that then refuses SCRAM, PLAIN and SIP digest', async () => {
    const cid = await t.user('cid@proto.test');
    const { device, password: secret } = await t.core.devices.create(cid.tenantId, cid.userId, { name: 'Desk' });
    const ip = '10.9.3.1';
    for (let i = 0; i < 4; i++) {
      assertError(await httpLogin('cid@proto.test', `guess-${i}`, ip), 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    }
    const refused = await scram('SCRAM-SHA-256', 'cid@proto.test', cid.password, ip);
    assert.equal(refused.ok, false);
    assert.ok('retryAfter' in refused && refused.retryAfter >= 1, JSON.stringify(refused));
    await assert.rejects(
      t.core.auth.plain({
        protocol: 'xmpp',
        address: ip,
        domain: 'proto.test',
        message: Buffer.from(`\0cid\0${cid.password}`),
      }),
      refusedWith('PARLEY_ERR_TOO_MANY_REQUESTS'),
    );
    await assert.rejects(
      register(cid.tenantId, device.username, device.realm, secret, ip),
      refusedWith('PARLEY_ERR_TOO_MANY_REQUESTS'),
    );
  });

  test('a password from before the SCRAM-SHA-1 keys gets them at its next password sign-in', async () => {
    const dee = await t.user('dee@proto.test');
    const repo = t.core.ctx.store.repos.credentials;
    const current = await repo.get(dee.tenantId, dee.userId);
    assert.ok(current?.scramSha1, 'a new password has them');
    await repo.set(dee.tenantId, dee.userId, { ...current, scramSha1: null }, 0);

    // Without the keys SCRAM-SHA-1 cannot succeed, and trying it is no guess the throttle counts.
    const ip = '10.9.4.1';
    for (let i = 0; i < 6; i++) {
      const r = await scram('SCRAM-SHA-1', 'dee@proto.test', dee.password, ip);
      assert.deepEqual([r.ok, 'error' in r && r.error], [false, 'invalid-proof']);
    }
    assert.equal((await scram('SCRAM-SHA-256', 'dee@proto.test', dee.password, ip)).ok, true);

    assert.equal((await httpLogin('dee@proto.test', dee.password, ip)).status, 200);
    const upgraded = await repo.get(dee.tenantId, dee.userId);
    assert.ok(upgraded?.scramSha1);
    assert.equal(upgraded.scramSha1.iterations, t.config.auth.scramIterations);
    assert.deepEqual(upgraded.scram, current.scram, 'the SHA-256 keys stay');
    assert.equal((await scram('SCRAM-SHA-1', 'dee@proto.test', dee.password, ip)).ok, true);
  });

  test('a disabled user signs in over no protocol', async () => {
    const eva = await t.user('eva@proto.test');
    const { device, password: secret } = await t.core.devices.create(eva.tenantId, eva.userId, { name: 'Desk' });
    await t.core.users.update(eva.tenantId, eva.userId, { disabled: true });
    const ip = '10.9.5.1';
    assert.equal((await scram('SCRAM-SHA-256', 'eva@proto.test', eva.password, ip)).ok, false);
    await assert.rejects(
      register(eva.tenantId, device.username, device.realm, secret, ip),
      refusedWith('PARLEY_ERR_INVALID_CREDENTIALS'),
    );
  });
});

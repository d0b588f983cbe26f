import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ParleyApiError } from '@parley/api';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

/** Signs in with the typed client; returns the token. */
async function login(t: TestServer, user: string, password: string) {
  const { token } = await t.api.request('auth.login', { body: { user, password } });
  return token;
}

describe('login, /me, logout and sessions', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  test('login returns a token that authenticates GET /api/v1/me', async () => {
    const alice = await t.user('alice@auth.test');
    const res = await call(t.url, 'POST', '/api/v1/auth/login', {
      body: { user: 'Alice@Auth.TEST', password: alice.password },
    });
    assert.equal(res.status, 200);
    const body = res.body as { token: string; expiresAt: string; user: { id: string; address: string } };
    assert.equal(typeof body.token, 'string');
    assert.ok(body.token.length >= 32);
    assert.ok(Date.parse(body.expiresAt) > Date.now());
    assert.equal(body.user.address, 'alice@auth.test');

    const me = await call(t.url, 'GET', '/api/v1/me', { token: body.token });
    assert.equal(me.status, 200);
    const user = me.body as { id: string; address: string; role: string; disabled: boolean };
    assert.equal(user.id, alice.userId);
    assert.equal(user.address, 'alice@auth.test');
    assert.equal(user.role, 'user');
    assert.equal(user.disabled, false);
  });

  test('/me without a token or with a forged token is 401 PARLEY_ERR_UNAUTHENTICATED', async () => {
    const none = await call(t.url, 'GET', '/api/v1/me');
    assertError(none, 401, 'PARLEY_ERR_UNAUTHENTICATED');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assertError(await call(t.url, 'GET', '/api/v1/me', { token: 'prl_forged' }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
    assertError(
      await call(t.url, 'GET', '/api/v1/me', { headers: { authorization: 'Basic YTpi' } }),
      401,
      'PARLEY_ERR_UNAUTHENTICATED',
    );
  });

  test('wrong password and unknown user get the same 401 PARLEY_ERR_INVALID_CREDENTIALS', async () => {
    await t.user('bert@auth.test');
    const wrong = await call(t.url, 'POST', '/api/v1/auth/login', {
      body: { user: 'bert@auth.test', password: 'not-his-password' },
    });
    const unknown = await call(t.url, 'POST', '/api/v1/auth/login', {
      body: { user: 'nobody@auth.test', password: 'not-his-password' },
    });
    const unknownDomain = await call(t.url, 'POST', '/api/v1/auth/login', {
      body: { user: 'nobody@nowhere.test', password: 'not-his-password' },
    });
    const e1 = assertError(wrong, 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    const e2 = assertError(unknown, 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    const e3 = assertError(unknownDomain, 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    assert.deepEqual(e1, e2);
    assert.deepEqual(e1, e3);
  });

  test('logout revokes the token at once; other sessions stay valid', async () => {
    const carl = await t.user('carl@auth.test');
    const other = await login(t, 'carl@auth.test', carl.password);
    const out = await call(t.url, 'POST', '/api/v1/auth/logout', { token: carl.token });
    assert.equal(out.status, 204);
    assert.equal(out.text, '');
    assertError(await call(t.url, 'GET', '/api/v1/me', { token: carl.token }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
    assertError(
      await call(t.url, 'POST', '/api/v1/auth/logout', { token: carl.token }),
      401,
      'PARLEY_ERR_UNAUTHENTICATED',
    );
    assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: other })).status, 200);
  });

  test('GET /me/sessions lists active sessions with the current one marked; DELETE revokes one', async () => {
    const dora = await t.user('dora@auth.test');
    const second = await login(t, 'dora@auth.test', dora.password);
    const third = await login(t, 'dora@auth.test', dora.password);
    const { sessions } = await dora.api.request('me.sessions', {});
    assert.equal(sessions.length, 3);
    assert.equal(sessions.filter((s) => s.current).length, 1);
    for (const s of sessions) assert.equal(s.address, '127.0.0.1');

    const thirdSessions = await dora.api.withToken(third).request('me.sessions', {});
    const thirdId = thirdSessions.sessions.find((s) => s.current)?.id as string;
    assert.notEqual(thirdId, sessions.find((s) => s.current)?.id);

    await dora.api.request('me.sessions.revoke', { params: { id: thirdId } });
    assertError(await call(t.url, 'GET', '/api/v1/me', { token: third }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
    assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: second })).status, 200);
    const after = await dora.api.request('me.sessions', {});
    assert.equal(after.sessions.length, 2);
    assert.ok(!after.sessions.some((s) => s.id === thirdId));

    // Already revoked, unknown, or someone else's: 404.
    const again = await call(t.url, 'DELETE', `/api/v1/me/sessions/${thirdId}`, { token: dora.token });
    assertError(again, 404, 'PARLEY_ERR_NOT_FOUND');
    const erik = await t.user('erik@auth.test');
    const erikId = (await erik.api.request('me.sessions', {})).sessions[0]?.id as string;
    assertError(
      await call(t.url, 'DELETE', `/api/v1/me/sessions/${erikId}`, { token: dora.token }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: erik.token })).status, 200);
  });

  test('PUT /me/password needs the current password, keeps this session and revokes the others', async () => {
    const fay = await t.user('fay@auth.test');
    const other = await login(t, 'fay@auth.test', fay.password);

    const wrong = await call(t.url, 'PUT', '/api/v1/me/password', {
      token: fay.token,
      body: { current: 'not-the-password', password: 'brand-new-secret' },
    });
    assertError(wrong, 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: other })).status, 200, 'nothing revoked');
    await login(t, 'fay@auth.test', fay.password); // old password still works

    const tooShort = await call(t.url, 'PUT', '/api/v1/me/password', {
      token: fay.token,
      body: { current: fay.password, password: 'short' },
    });
    assertError(tooShort, 400, 'PARLEY_ERR_VALIDATION');

    const ok = await call(t.url, 'PUT', '/api/v1/me/password', {
      token: fay.token,
      body: { current: fay.password, password: 'brand-new-secret' },
    });
    assert.equal(ok.status, 204);
    assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: fay.token })).status, 200, 'current kept');
    assertError(await call(t.url, 'GET', '/api/v1/me', { token: other }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
    const { sessions } = await fay.api.request('me.sessions', {});
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]?.current, true);

    await assert.rejects(login(t, 'fay@auth.test', fay.password), (err: ParleyApiError) => {
      assert.equal(err.code, 'PARLEY_ERR_INVALID_CREDENTIALS');
      return true;
    });
    assert.ok(await login(t, 'fay@auth.test', 'brand-new-secret'));
  });

  test('SCRAM keys take auth.scramIterations (10,000); a user keeps a stored count until the password changes', async () => {
    const hal = await t.user('hal@auth.test');
    const repo = t.core.ctx.store.repos.credentials;
    const current = await repo.get(hal.tenantId, hal.userId);
    assert.equal(current?.scram.iterations, 10_000);
    // A user from before the change of the default: their count stays as stored.
    if (current)
      await repo.set(hal.tenantId, hal.userId, { ...current, scram: { ...current.scram, iterations: 4096 } }, 0);
    await login(t, 'hal@auth.test', hal.password);
    assert.equal((await repo.get(hal.tenantId, hal.userId))?.scram.iterations, 4096);
    const changed = await call(t.url, 'PUT', '/api/v1/me/password', {
      token: hal.token,
      body: { current: hal.password, password: 'hals-new-password' },
    });
    assert.equal(changed.status, 204);
    assert.equal((await repo.get(hal.tenantId, hal.userId))?.scram.iterations, 10_000);
  });

  test('PATCH /me changes the display name', async () => {
    const gil = await t.user('gil@auth.test');
    const updated = await gil.api.request('me.update', { body: { displayName: '  Gil Green ' } });
    assert.equal(updated.displayName, 'Gil Green');
    assert.equal((await gil.api.request('me.get', {})).displayName, 'Gil Green');
  });
});

describe('login throttling', () => {
  let t: TestServer;
  before(async () => {
    // trustProxy lets each test pose as its own client address through X-Forwarded-For.
    t = await startTestServer({
      'http.trustProxy': true,
      'auth.throttle.maxFailures': 3,
      'auth.throttle.maxFailuresPerAddress': 10,
      'auth.throttle.maxFailuresPerAccount': 30,
      // Long enough that no lock-out ends while a test runs, however slow the machine.
      'auth.throttle.baseDelaySeconds': 60,
      'auth.throttle.maxDelaySeconds': 120,
    });
  });
  after(() => t.stop());

  const attempt = (user: string, password: string, ip: string) =>
    call(t.url, 'POST', '/api/v1/auth/login', { body: { user, password }, headers: { 'x-forwarded-for': ip } });

  test('an attacker failing 20 times on an account does not stop its user from another address', async () => {
    const alice = await t.user('alice@throttle.test');
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await attempt('alice@throttle.test', 'guess', '10.1.0.66')).status);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    const locked = await attempt('alice@throttle.test', alice.password, '10.1.0.66');
    assertError(locked, 429, 'PARLEY_ERR_TOO_MANY_REQUESTS');
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${locked.headers.get('retry-after')}`);
    // Alice herself, from her own address (never used before), signs in.
    assert.equal((await attempt('alice@throttle.test', alice.password, '10.1.0.7')).status, 200);
  });

  test('password spraying: 4 failures on different accounts and 1 valid login, repeated, reaches 429', async () => {
    const own = await t.user('sprayer@throttle.test');
    const ip = '10.2.0.1';
    const seen: number[] = [];
    for (let round = 0; round < 5 && !seen.includes(429); round++) {
      for (let i = 0; i < 4; i++)
        seen.push((await attempt(`victim${round}-${i}@throttle.test`, 'Summer2026!', ip)).status);
      seen.push((await attempt('sprayer@throttle.test', own.password, ip)).status);
    }
    assert.ok(seen.includes(429), `statuses: ${seen.join(' ')}`);
    assert.equal(seen.filter((s) => s === 401).length, 10, 'exactly maxFailuresPerAddress guesses were checked');
    // The same accounts from another address are not affected.
    const victim = await t.user('victim9-9@throttle.test');
    assert.equal((await attempt('victim9-9@throttle.test', victim.password, '10.2.0.2')).status, 200);
  });

  test('guesses spread over many addresses throttle new addresses for the account, never one it signed in from', async () => {
    const bob = await t.user('bob@throttle.test');
    assert.equal((await attempt('bob@throttle.test', bob.password, '10.3.9.9')).status, 200);
    for (let i = 0; i < 30; i++) {
      assertError(await attempt('bob@throttle.test', 'guess', `10.3.0.${i}`), 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    }
    assertError(await attempt('bob@throttle.test', bob.password, '10.3.1.1'), 429, 'PARLEY_ERR_TOO_MANY_REQUESTS');
    assert.equal((await attempt('bob@throttle.test', bob.password, '10.3.9.9')).status, 200, 'known address');
  });

  test("a successful login resets its own pair's failure count", async () => {
    const kim = await t.user('kim@throttle.test');
    const ip = '10.4.0.1';
    for (let round = 0; round < 3; round++) {
      // Two failures stay under the limit of three; without a reset the second round would lock.
      for (let i = 0; i < 2; i++) {
        assertError(await attempt('kim@throttle.test', 'wrong-password', ip), 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
      }
      assert.equal((await attempt('kim@throttle.test', kim.password, ip)).status, 200, `round ${round}`);
    }
  });

  test('wrong current passwords on PUT /me/password are throttled like logins', async () => {
    const max = await t.user('max@throttle.test');
    const change = () =>
      call(t.url, 'PUT', '/api/v1/me/password', {
        token: max.token,
        body: { current: 'wrong-password', password: 'another-secret' },
        headers: { 'x-forwarded-for': '10.6.0.1' },
      });
    for (let i = 0; i < 3; i++) assertError(await change(), 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    assertError(await change(), 429, 'PARLEY_ERR_TOO_MANY_REQUESTS');
    assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: max.token })).status, 200, 'session kept');
  });
});

describe('the end of a lock-out', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      'http.trustProxy': true,
      'auth.throttle.maxFailures': 3,
      'auth.throttle.baseDelaySeconds': 1,
      'auth.throttle.maxDelaySeconds': 2,
    });
  });
  after(() => t.stop());

  const attempt = (user: string, password: string, ip: string) =>
    call(t.url, 'POST', '/api/v1/auth/login', { body: { user, password }, headers: { 'x-forwarded-for': ip } });

  test('the lock-out ends after its delay; the next login succeeds and starts from zero', async () => {
    const lou = await t.user('lou@throttle.test');
    const ip = '10.5.0.1';
    for (let i = 0; i < 3; i++) await attempt('lou@throttle.test', 'wrong-password', ip);
    assertError(await attempt('lou@throttle.test', lou.password, ip), 429, 'PARLEY_ERR_TOO_MANY_REQUESTS');
    // A refused attempt counts nothing: retry until the 1 s lock-out is over (bounded).
    const deadline = Date.now() + 10_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline)
      status = (await attempt('lou@throttle.test', lou.password, ip)).status;
    assert.equal(status, 200);
    // Counter reset: one more failure is an ordinary 401 and the right password still works.
    assertError(await attempt('lou@throttle.test', 'wrong-password', ip), 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    assert.equal((await attempt('lou@throttle.test', lou.password, ip)).status, 200);
  });
});

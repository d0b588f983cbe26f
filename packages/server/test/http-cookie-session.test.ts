import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventsPath } from '@parley/api';
import WebSocket from 'ws';
import { listen } from './support/events.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

interface CookieLogin {
  /** `name=value` of the session cookie, for a Cookie header. */
  cookie: string;
  csrf: string;
  setCookies: string[];
  body: Record<string, unknown>;
}

/** Signs in the way the web app does: `POST /api/v1/auth/cookie`. */
async function cookieLogin(baseUrl: string, user: string, password: string): Promise<CookieLogin> {
  const res = await fetch(new URL('/api/v1/auth/cookie', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  assert.equal(res.status, 200);
  const setCookies = res.headers.getSetCookie();
  const session = setCookies.find((c) => c.startsWith('parley_session='));
  assert.ok(session, 'a session cookie is set');
  const body = (await res.json()) as Record<string, unknown>;
  return { cookie: session.split(';')[0] as string, csrf: body.csrfToken as string, setCookies, body };
}

/** Opens the event socket with the given headers; resolves with the HTTP status of a refused upgrade, or 101. */
function upgradeStatus(baseUrl: string, headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${eventsPath}`, { headers, handshakeTimeout: 5000 });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('upgrade', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe('the web app signs in with an HttpOnly cookie and a CSRF token', () => {
  let t: TestServer;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  before(async () => {
    t = await startTestServer();
    alice = await t.user('alice@cookie.test');
  });
  after(() => t.stop());

  test('the cookie is HttpOnly, Secure (on 127.0.0.1), SameSite=Strict, Path=/ and the answer has no token', async () => {
    const login = await cookieLogin(t.url, 'alice@cookie.test', alice.password);
    const session = login.setCookies.find((c) => c.startsWith('parley_session=')) as string;
    const attrs = session.split(';').map((a) => a.trim().toLowerCase());
    for (const a of ['httponly', 'secure', 'samesite=strict', 'path=/'])
      assert.ok(attrs.includes(a), `${a} in ${session}`);
    assert.ok(attrs.some((a) => a.startsWith('max-age=')));
    assert.equal(login.body.token, undefined);
    assert.equal(JSON.stringify(login.body).includes(login.cookie.split('=')[1] as string), false);
    assert.equal(typeof login.csrf, 'string');
    // The CSRF cookie is for the app's scripts: not HttpOnly, otherwise the same.
    const csrf = login.setCookies.find((c) => c.startsWith('parley_csrf=')) as string;
    assert.equal(csrf.split(';')[0], `parley_csrf=${login.csrf}`);
    assert.doesNotMatch(csrf, /HttpOnly/i);
    assert.match(csrf, /SameSite=Strict/i);
    const me = await call(t.url, 'GET', '/api/v1/me', { headers: { cookie: login.cookie } });
    assert.equal(me.status, 200);
    assert.equal((me.body as { address: string }).address, 'alice@cookie.test');
  });

  test('a state-changing request by cookie needs the CSRF header: none or wrong → 403, right → OK', async () => {
    const { cookie, csrf } = await cookieLogin(t.url, 'alice@cookie.test', alice.password);
    const patch = (headers: Record<string, string>) =>
      call(t.url, 'PATCH', '/api/v1/me', { body: { displayName: 'Alice C' }, headers: { cookie, ...headers } });
    assertError(await patch({}), 403, 'PARLEY_ERR_FORBIDDEN');
    const wrong = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
    assertError(await patch({ 'x-csrf-token': wrong }), 403, 'PARLEY_ERR_FORBIDDEN');
    assertError(await patch({ 'x-csrf-token': '' }), 403, 'PARLEY_ERR_FORBIDDEN');
    // Another session's CSRF token does not fit this one.
    const other = await cookieLogin(t.url, 'alice@cookie.test', alice.password);
    assertError(await patch({ 'x-csrf-token': other.csrf }), 403, 'PARLEY_ERR_FORBIDDEN');
    const ok = await patch({ 'x-csrf-token': csrf });
    assert.equal(ok.status, 200);
    assert.equal((ok.body as { displayName: string }).displayName, 'Alice C');
    // Uploads (their own body parser) are covered too.
    await t.user('carol@cookie.test');
    const conv = await alice.api.request('conversations.create', { body: { members: ['carol@cookie.test'] } });
    const upload = (headers: Record<string, string>) =>
      call(t.url, 'POST', `/api/v1/conversations/${conv.id}/attachments?name=a.txt`, {
        body: 'hello',
        headers: { cookie, 'content-type': 'text/plain', ...headers },
      });
    assertError(await upload({}), 403, 'PARLEY_ERR_FORBIDDEN');
    assert.equal((await upload({ 'x-csrf-token': csrf })).status, 201);
  });

  test('bearer-token clients need no CSRF token', async () => {
    const res = await call(t.url, 'PATCH', '/api/v1/me', { token: alice.token, body: { displayName: 'Alice B' } });
    assert.equal(res.status, 200);
    const login = await call(t.url, 'POST', '/api/v1/auth/login', {
      body: { user: 'alice@cookie.test', password: alice.password },
    });
    assert.equal(login.status, 200);
    assert.equal(typeof (login.body as { token: string }).token, 'string');
    assert.equal(login.headers.get('set-cookie'), null, 'no cookie for API clients');
  });

  test('the event socket takes the cookie only from its own origin (cross-site WebSocket hijacking)', async () => {
    const { cookie } = await cookieLogin(t.url, 'alice@cookie.test', alice.password);
    assert.equal(await upgradeStatus(t.url, { cookie, origin: 'https://evil.example' }), 403);
    assert.equal(await upgradeStatus(t.url, { cookie }), 403, 'no Origin at all');
    assert.equal(await upgradeStatus(t.url, { cookie, origin: 'null' }), 403);
    const socket = await listen(t.url, { headers: { cookie, origin: t.url } });
    socket.close();
  });

  test('logout clears the cookie and ends the session', async () => {
    const { cookie, csrf } = await cookieLogin(t.url, 'alice@cookie.test', alice.password);
    const out = await call(t.url, 'POST', '/api/v1/auth/logout', { headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(out.status, 204);
    const cleared = out.headers.getSetCookie();
    for (const name of ['parley_session', 'parley_csrf']) {
      const c = cleared.find((x) => x.startsWith(`${name}=;`));
      assert.ok(c, `${name} cleared: ${cleared.join(' | ')}`);
      assert.match(c, /Max-Age=0/);
    }
    assertError(await call(t.url, 'GET', '/api/v1/me', { headers: { cookie } }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
  });
});

describe('http.cookieSecure', () => {
  test('`never` leaves Secure off (plain HTTP on a LAN name), `always` sets it', async () => {
    const [never, always] = await Promise.all([
      startTestServer({ 'http.cookieSecure': 'never' }),
      startTestServer({ 'http.cookieSecure': 'always' }),
    ]);
    try {
      for (const [s, secure] of [
        [never, false],
        [always, true],
      ] as const) {
        const u = await s.user('bob@secure.test');
        const { setCookies } = await cookieLogin(s.url, 'bob@secure.test', u.password);
        for (const c of setCookies) assert.equal(/;\s*Secure/i.test(c), secure, c);
      }
    } finally {
      await Promise.all([never.stop(), always.stop()]);
    }
  });
});

describe('idle timeout (auth.sessionIdleMinutes)', () => {
  let t: TestServer;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  before(async () => {
    t = await startTestServer({ 'auth.sessionIdleMinutes': 60, 'http.heartbeatSeconds': 1 }, { clock });
  });
  after(() => t.stop());

  test('an unused session expires; one in use stays', async () => {
    const idle = await t.user('idle@idle.test');
    const busy = await t.user('busy@idle.test');
    for (let i = 0; i < 4; i++) {
      offset += 20 * 60_000;
      assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: busy.token })).status, 200, `busy after ${i}`);
    }
    // 80 minutes without a request: over the 60-minute limit.
    assertError(await call(t.url, 'GET', '/api/v1/me', { token: idle.token }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
    const sessions = await busy.api.request('me.sessions', {});
    assert.equal(sessions.sessions.length, 1);
  });

  test("an open event socket's heartbeat counts as use", async () => {
    const open = await t.user('open@idle.test');
    const socket = await listen(t.url, open.token);
    try {
      for (let i = 0; i < 4; i++) {
        offset += 20 * 60_000;
        // A heartbeat after the clock moved re-checks (and touches) the session.
        await socket.next('heartbeat', undefined, 10_000);
        await socket.next('heartbeat', undefined, 10_000);
      }
      assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: open.token })).status, 200);
    } finally {
      socket.close();
    }
  });
});

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
let feed: Server;
let feedUrl: string;
before(async () => {
  // The feed listens on loopback, which the outbound policy refuses unless allowed.
  t = await startTestServer({ 'outbound.allow': ['127.0.0.0/8', '::1'] });
  feed = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/calendar', etag: '"1"' });
    res.end('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n');
  });
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/c.ics`;
});
after(async () => {
  feed.close();
  await t.stop();
});

test('PUT/GET/sync/DELETE /api/v1/me/calendar; the password never comes back', async () => {
  const alice = await t.user('alice@cal-http.test');
  assertError(await call(t.url, 'GET', '/api/v1/me/calendar', { token: alice.token }), 404, 'PARLEY_ERR_NOT_FOUND');
  const put = await call(t.url, 'PUT', '/api/v1/me/calendar', {
    token: alice.token,
    body: { type: 'caldav', url: 'http://127.0.0.1:1/dav/alice/', username: 'alice', password: 'p4ss-word' },
  });
  assert.equal(put.status, 200, put.text);
  assert.ok(!put.text.includes('p4ss-word'));
  assert.deepEqual(put.body, {
    type: 'caldav',
    url: 'http://127.0.0.1:1/dav/alice/',
    username: 'alice',
    lastSyncAt: null,
    lastAttemptAt: null,
    stale: false,
    lastError: null,
    nextAttemptAt: null,
  });
  // The key file was created on first use, private to the server's user.
  assert.equal(statSync(join(t.dataDir, 'secrets.key')).mode & 0o777, 0o600);
  const sync = await call(t.url, 'POST', '/api/v1/me/calendar/sync', { token: alice.token });
  assert.equal(sync.status, 200, sync.text);
  assert.equal((sync.body as { stale: boolean }).stale, true);
  assert.match((sync.body as { lastError: string }).lastError, /cannot reach/);

  const ics = await call(t.url, 'PUT', '/api/v1/me/calendar', {
    token: alice.token,
    body: { type: 'ics', url: feedUrl },
  });
  assert.equal(ics.status, 200, ics.text);
  const synced = await call(t.url, 'POST', '/api/v1/me/calendar/sync', { token: alice.token });
  assert.equal((synced.body as { stale: boolean }).stale, false, synced.text);
  assert.ok((synced.body as { lastSyncAt: string }).lastSyncAt);
  const got = await call(t.url, 'GET', '/api/v1/me/calendar', { token: alice.token });
  assert.equal((got.body as { type: string }).type, 'ics');
  assert.equal((await call(t.url, 'DELETE', '/api/v1/me/calendar', { token: alice.token })).status, 204);
  assertError(await call(t.url, 'DELETE', '/api/v1/me/calendar', { token: alice.token }), 404, 'PARLEY_ERR_NOT_FOUND');
});

test('bad input is rejected with field paths', async () => {
  const bob = await t.user('bob@cal-http.test');
  const bad = async (body: unknown) =>
    assertError(
      await call(t.url, 'PUT', '/api/v1/me/calendar', { token: bob.token, body }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
  await bad({ type: 'ics', url: 'file:///etc/passwd' });
  await bad({ type: 'ics', url: 'not a url' });
  await bad({ type: 'caldav', url: 'http://dav.test/' });
  await bad({ type: 'ics', url: 'http://x.test/a.ics', password: 'stray' });
  await bad({ type: 'exchange', url: 'http://x.test/' });
});

test('admins manage calendars of their own tenant only', async () => {
  const admin = await t.user('admin@cal-http.test', { role: 'tenant-admin' });
  const carol = await t.user('carol@cal-http.test');
  const other = await t.user('dave@cal-other.test');
  const path = `/api/v1/admin/users/${carol.userId}/calendar`;
  const put = await call(t.url, 'PUT', path, { token: admin.token, body: { type: 'ics', url: feedUrl } });
  assert.equal(put.status, 200, put.text);
  const sync = await call(t.url, 'POST', `${path}/sync`, { token: admin.token });
  assert.equal((sync.body as { stale: boolean }).stale, false, sync.text);
  assert.equal((await call(t.url, 'GET', '/api/v1/me/calendar', { token: carol.token })).status, 200);
  assertError(await call(t.url, 'GET', path, { token: carol.token }), 403, 'PARLEY_ERR_FORBIDDEN');
  assertError(
    await call(t.url, 'PUT', `/api/v1/admin/users/${other.userId}/calendar`, {
      token: admin.token,
      body: { type: 'ics', url: feedUrl },
    }),
    404,
    'PARLEY_ERR_NOT_FOUND',
  );
  assert.equal((await call(t.url, 'DELETE', path, { token: admin.token })).status, 204);
});

test("a tenant admin cannot see, set, delete or sync a system administrator's calendar; a system administrator can", async () => {
  const root = await t.user('root@cal-http.test', { role: 'system-admin' });
  const ops = await t.user('ops@cal-http.test', { role: 'system-admin' });
  const ta = await t.user('ta@cal-http.test', { role: 'tenant-admin' });
  const mine = { type: 'ics', url: feedUrl };
  assert.equal((await call(t.url, 'PUT', '/api/v1/me/calendar', { token: root.token, body: mine })).status, 200);
  const before = await call(t.url, 'GET', '/api/v1/me/calendar', { token: root.token });
  const path = `/api/v1/admin/users/${root.userId}/calendar`;
  const forbidden = async (method: string, p: string, body?: unknown) => {
    const res = await call(t.url, method, p, { token: ta.token, ...(body !== undefined && { body }) });
    assertError(res, 403, 'PARLEY_ERR_FORBIDDEN');
    const verb = method === 'GET' ? 'see' : 'change';
    assert.match(res.text, new RegExp(`only a system administrator can ${verb} a system administrator's calendar`));
  };
  // Its URL may carry a token as good as a password: not even shown.
  await forbidden('GET', path);
  await forbidden('PUT', path, { type: 'ics', url: 'http://attacker.test/a.ics' });
  await forbidden('DELETE', path);
  await forbidden('POST', `${path}/sync`);
  // Nothing changed: same URL, never polled.
  assert.deepEqual((await call(t.url, 'GET', '/api/v1/me/calendar', { token: root.token })).body, before.body);
  // Nor can a tenant admin connect one for a system administrator who has none.
  await forbidden('PUT', `/api/v1/admin/users/${ops.userId}/calendar`, mine);
  assertError(await call(t.url, 'GET', '/api/v1/me/calendar', { token: ops.token }), 404, 'PARLEY_ERR_NOT_FOUND');

  // A system administrator can.
  const opsPath = `/api/v1/admin/users/${ops.userId}/calendar`;
  assert.equal((await call(t.url, 'PUT', opsPath, { token: root.token, body: mine })).status, 200);
  const synced = await call(t.url, 'POST', `${opsPath}/sync`, { token: root.token });
  assert.equal((synced.body as { stale: boolean }).stale, false, synced.text);
  assert.equal((await call(t.url, 'DELETE', opsPath, { token: root.token })).status, 204);
  assert.equal((await call(t.url, 'DELETE', path, { token: ops.token })).status, 204);
});

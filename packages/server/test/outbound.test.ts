// The outbound policy end to end (issue 11, finding 2): a tenant admin's HTTP directory source
// and a user's ICS or CalDAV calendar cannot make the server connect to loopback or any other
// internal address — not directly, not by a host name, not through a redirect — unless the
// system admin allowed it in outbound.allow; then the same requests work. The "internal" server
// here is a plain HTTP server on 127.0.0.1 that records every request it gets.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RouteOutput } from '@parley/api';
import { assertError, call, sleep } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

const HINT = '(outbound.allow lets a system administrator allow it)';
const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n';
const CALDAV_COLLECTION = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/"><d:response><d:href>/dav/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><cs:getctag>1</cs:getctag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`;
const CALDAV_EMPTY =
  '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:sync-token>t1</d:sync-token></d:multistatus>';

/** What the internal server was asked. */
const seen: { method: string; path: string; authorization: string | undefined }[] = [];
let internal: Server;
let port = 0;

function answer(req: IncomingMessage, res: import('node:http').ServerResponse) {
  seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
  req.resume();
  const path = (req.url ?? '').split('?')[0];
  if (path === '/hop') return res.writeHead(302, { location: `http://127.0.0.1:${port}/contacts` }).end();
  if (path === '/contacts') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ items: [{ id: 'i1', name: 'Internal Person', phone: '+49 30 1234567' }] }));
  }
  if (path === '/cal.ics') return res.writeHead(200, { 'content-type': 'text/calendar' }).end(ICS);
  if (path === '/dav/') {
    res.writeHead(207, { 'content-type': 'application/xml' });
    return res.end(req.method === 'PROPFIND' ? CALDAV_COLLECTION : CALDAV_EMPTY);
  }
  res.writeHead(404).end('no such thing here');
}

before(async () => {
  internal = createServer(answer);
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
  port = (internal.address() as AddressInfo).port;
});
after(() => {
  internal.closeAllConnections();
  internal.close();
});

const httpSource = (url: string) => ({
  kind: 'http' as const,
  config: { url, itemsPath: 'items', mapping: { id: 'id', name: 'name', numbers: [{ path: 'phone', type: 'work' }] } },
  secret: 'Bearer crm-secret',
});

type Admin = Awaited<ReturnType<TestServer['user']>>;
type Source = RouteOutput<'admin.directory.sources.get'>;

/** Creates the source, runs its connection test and a sync; the test's answer and the source after the sync. */
async function testAndSync(t: TestServer, admin: Admin, name: string, url: string) {
  const created = await admin.api.request('admin.directory.sources.create', { body: { name, ...httpSource(url) } });
  const tested = await call(t.url, 'POST', `/api/v1/admin/directory/sources/${created.id}/test`, {
    token: admin.token,
  });
  await admin.api.request('admin.directory.sources.sync', { params: { id: created.id }, body: {} });
  let state: Source = await admin.api.request('admin.directory.sources.get', { params: { id: created.id } });
  for (let i = 0; i < 400 && state.state === 'syncing'; i++) {
    await sleep(25);
    state = await admin.api.request('admin.directory.sources.get', { params: { id: created.id } });
  }
  return { tested, state };
}

type Calendar = { stale: boolean; lastError: string | null; lastSyncAt: string | null };

/** Connects the user's calendar and polls it once; the calendar after the poll. */
async function connectAndSync(t: TestServer, token: string, body: Record<string, string>): Promise<Calendar> {
  const put = await call(t.url, 'PUT', '/api/v1/me/calendar', { token, body });
  assert.equal(put.status, 200, put.text);
  const sync = await call(t.url, 'POST', '/api/v1/me/calendar/sync', { token });
  assert.equal(sync.status, 200, sync.text);
  return sync.body as Calendar;
}

describe('outbound policy: without outbound.allow, internal addresses are refused', () => {
  let t: TestServer;
  let admin: Admin;
  before(async () => {
    t = await startTestServer();
    admin = await t.user('admin@strict.test', { role: 'tenant-admin' });
  });
  after(() => t.stop());

  test("a tenant admin's http source at 127.0.0.1: test and sync refused, the server got no request", async () => {
    seen.length = 0;
    const { tested, state } = await testAndSync(t, admin, 'crm', `http://127.0.0.1:${port}/contacts`);
    const refusal = `refused: 127.0.0.1 is a loopback address ${HINT}`;
    assert.equal(
      assertError(tested, 400, 'PARLEY_ERR_VALIDATION').message,
      `source: GET http://127.0.0.1:${port}/contacts: ${refusal}`,
    );
    assert.equal(state.state, 'error');
    assert.equal(state.lastError, `GET http://127.0.0.1:${port}/contacts: ${refusal}`);
    assert.equal(state.entries, 0);
    assert.deepEqual(seen, [], 'no request reached the internal server');
  });

  test('host names that resolve inside, IPv6 forms of loopback and metadata addresses are refused too', async () => {
    seen.length = 0;
    const cases: [string, RegExp][] = [
      [`http://localhost:${port}/contacts`, /refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
      [`http://[::ffff:127.0.0.1]:${port}/contacts`, /refused: ::ffff:7f00:1 is a loopback address \(127\.0\.0\.1/],
      ['http://169.254.169.254/latest/meta-data/', /refused: 169\.254\.169\.254 is a cloud metadata address/],
      ['http://[fd00:ec2::254]/latest/', /refused: fd00:ec2::254 is a cloud metadata address/],
      ['http://10.0.0.1/', /refused: 10\.0\.0\.1 is a private address/],
      ['http://0.0.0.0:1/', /refused: 0\.0\.0\.0 is an unspecified address/],
    ];
    for (const [i, [url, refusal]] of cases.entries()) {
      const { tested } = await testAndSync(t, admin, `inside-${i}`, url);
      assert.match(assertError(tested, 400, 'PARLEY_ERR_VALIDATION').message, refusal, url);
    }
    assert.deepEqual(seen, []);
  });

  test("a user's ICS and CalDAV calendar at 127.0.0.1 fail with the refusal; nothing, no password, reached the server", async () => {
    seen.length = 0;
    const alice = await t.user('alice@strict.test');
    const ics = await connectAndSync(t, alice.token, { type: 'ics', url: `http://127.0.0.1:${port}/cal.ics` });
    assert.equal(ics.stale, true);
    assert.equal(ics.lastError, `refused: 127.0.0.1 is a loopback address ${HINT}`);
    const dav = await connectAndSync(t, alice.token, {
      type: 'caldav',
      url: `http://127.0.0.1:${port}/dav/`,
      username: 'alice',
      password: 'calendar-password',
    });
    assert.equal(dav.stale, true);
    assert.equal(dav.lastError, `refused: 127.0.0.1 is a loopback address ${HINT}`);
    assert.deepEqual(seen, [], 'no request, no Basic credentials');
  });
});

describe('outbound policy: outbound.allow names one host; a redirect elsewhere inside is refused', () => {
  let t: TestServer;
  let admin: Admin;
  before(async () => {
    t = await startTestServer({ 'outbound.allow': ['localhost'] });
    admin = await t.user('admin@named.test', { role: 'tenant-admin' });
  });
  after(() => t.stop());

  test('the allowed name works; its redirect to 127.0.0.1 is refused before anything is sent there', async () => {
    seen.length = 0;
    const direct = await testAndSync(t, admin, 'by-name', `http://localhost:${port}/contacts`);
    assert.equal(direct.tested.status, 204, direct.tested.text);
    assert.equal(direct.state.state, 'ok');
    assert.equal(direct.state.entries, 1);

    seen.length = 0;
    const { tested, state } = await testAndSync(t, admin, 'redirected', `http://localhost:${port}/hop`);
    const refusal = `refused: 127.0.0.1 is a loopback address ${HINT}`;
    assert.equal(
      assertError(tested, 400, 'PARLEY_ERR_VALIDATION').message,
      `source: GET http://localhost:${port}/hop: ${refusal}`,
    );
    assert.equal(state.state, 'error');
    assert.deepEqual(
      seen.map((r) => r.path),
      ['/hop', '/hop'],
      'the allowed host was asked (test and sync), the redirect target never',
    );

    seen.length = 0;
    const alice = await t.user('alice@named.test');
    const cal = await connectAndSync(t, alice.token, { type: 'ics', url: `http://localhost:${port}/hop` });
    assert.equal(cal.lastError, refusal);
    assert.deepEqual(
      seen.map((r) => r.path),
      ['/hop'],
    );
  });
});

describe('outbound policy: with loopback in outbound.allow the same requests work', () => {
  let t: TestServer;
  let admin: Admin;
  before(async () => {
    t = await startTestServer({ 'outbound.allow': ['127.0.0.0/8', '::1'] });
    admin = await t.user('admin@allowed.test', { role: 'tenant-admin' });
  });
  after(() => t.stop());

  test('http source, ICS and CalDAV calendars at 127.0.0.1', async () => {
    seen.length = 0;
    const { tested, state } = await testAndSync(t, admin, 'crm', `http://127.0.0.1:${port}/contacts`);
    assert.equal(tested.status, 204, tested.text);
    assert.equal(state.state, 'ok', state.lastError ?? '');
    assert.equal(state.entries, 1);
    assert.equal(seen.at(-1)?.authorization, 'Bearer crm-secret');

    const alice = await t.user('alice@allowed.test');
    const ics = await connectAndSync(t, alice.token, { type: 'ics', url: `http://127.0.0.1:${port}/cal.ics` });
    assert.equal(ics.lastError, null);
    assert.equal(ics.stale, false);
    seen.length = 0;
    const dav = await connectAndSync(t, alice.token, {
      type: 'caldav',
      url: `http://127.0.0.1:${port}/dav/`,
      username: 'alice',
      password: 'calendar-password',
    });
    assert.equal(dav.lastError, null);
    assert.equal(seen[0]?.method, 'PROPFIND');
    assert.equal(seen[0]?.authorization, `Basic ${Buffer.from('alice:calendar-password').toString('base64')}`);
  });
});

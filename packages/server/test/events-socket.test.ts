import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type ClientEvent, eventCloseCodes, eventsPath } from '@parley/api';
import WebSocket from 'ws';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

/** How long any single expected event may take; far below the default heartbeat of 25 s. */
const WAIT_MS = 3000;

interface EventSocket {
  ws: WebSocket;
  /** Every message received so far, in order. */
  received: ClientEvent[];
  /** The next message (after those already taken) matching `type`, or a rejection after WAIT_MS. */
  next<T extends ClientEvent['type']>(type: T, within?: number): Promise<Extract<ClientEvent, { type: T }>>;
  /** Resolves with the close code and time once the server closes the socket; rejects after `within` ms. */
  closed(within?: number): Promise<{ code: number; reason: string; at: number }>;
}

/** `p`, or a rejection after `ms` milliseconds (the timer does not outlive the race). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const wsUrl = (t: TestServer, query = '') => `${t.url.replace(/^http/, 'ws')}${eventsPath}${query}`;

/** Opens the event socket and resolves once it is open; rejects with the HTTP status if refused. */
function connect(t: TestServer, opts: { token?: string; ticket?: string }): Promise<EventSocket> {
  const ws = new WebSocket(wsUrl(t, opts.ticket ? `?ticket=${encodeURIComponent(opts.ticket)}` : ''), {
    handshakeTimeout: WAIT_MS,
    ...(opts.token && { headers: { authorization: `Bearer ${opts.token}` } }),
  });
  const received: ClientEvent[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    received.push(JSON.parse(data.toString()) as ClientEvent);
    wake?.();
  });
  const onClose = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })),
  );
  const closed = (ms = WAIT_MS) => within(onClose, ms, 'socket close');
  const next = async <T extends ClientEvent['type']>(type: T, within = WAIT_MS) => {
    const deadline = Date.now() + within;
    for (;;) {
      while (taken < received.length) {
        const e = received[taken++] as ClientEvent;
        if (e.type === type) return e as Extract<ClientEvent, { type: T }>;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} event within ${within} ms; got ${JSON.stringify(received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, received, next, closed }));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      reject(Object.assign(new Error(`refused with HTTP ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Asserts that opening the socket is refused with HTTP `status` on the upgrade. */
async function assertRefused(p: Promise<EventSocket>, status: number) {
  await assert.rejects(p, (err: Error & { status?: number }) => {
    assert.equal(err.status, status, err.message);
    return true;
  });
}

const sockets: EventSocket[] = [];
async function open(t: TestServer, opts: { token?: string; ticket?: string }) {
  const s = await connect(t, opts);
  sockets.push(s);
  return s;
}
function closeAll() {
  for (const s of sockets.splice(0)) s.ws.terminate();
}

describe('event socket', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    closeAll();
    await t.stop();
  });

  test('a bearer token in the Authorization header opens the socket; the first message is hello', async () => {
    const amy = await t.user('amy@events.test');
    const s = await open(t, { token: amy.token });
    const first = await s.next('hello');
    assert.equal(s.received[0]?.type, 'hello');
    assert.equal(first.user.id, amy.userId);
    assert.equal(first.user.address, 'amy@events.test');
    assert.equal(first.heartbeatSeconds, 25);
    const { sessions } = await amy.api.request('me.sessions', {});
    assert.equal(first.sessionId, sessions.find((x) => x.current)?.id);
  });

  test('a one-time ticket opens the socket once; a second use is refused with 401', async () => {
    const ben = await t.user('ben@events.test');
    const { ticket, expiresAt } = await ben.api.request('auth.ticket', {});
    assert.ok(ticket.length >= 20);
    assert.ok(Date.parse(expiresAt) > Date.now());
    const s = await open(t, { ticket });
    assert.equal((await s.next('hello')).user.id, ben.userId);
    await assertRefused(connect(t, { ticket }), 401);
    // The first socket is unaffected.
    assert.equal(s.ws.readyState, WebSocket.OPEN);
  });

  test('no credentials, a bad token, a bad ticket or a ticket of a revoked session are refused', async () => {
    await assertRefused(connect(t, {}), 401);
    await assertRefused(connect(t, { token: 'prl_not-a-real-token' }), 401);
    await assertRefused(connect(t, { ticket: 'not-a-real-ticket' }), 401);
    const cid = await t.user('cid@events.test');
    const { ticket } = await cid.api.request('auth.ticket', {});
    await cid.api.request('auth.logout', {});
    await assertRefused(connect(t, { ticket }), 401);
    await assertRefused(connect(t, { token: cid.token }), 401);
    // A ticket cannot be had without signing in.
    assert.equal((await call(t.url, 'POST', '/api/v1/auth/ticket')).status, 401);
  });

  test("an admin changing the user's display name pushes user.updated", async () => {
    const admin = await t.user('admin@events.test', { role: 'tenant-admin' });
    const dan = await t.user('dan@events.test');
    const s = await open(t, { token: dan.token });
    await s.next('hello');
    await admin.api.request('admin.users.update', { params: { id: dan.userId }, body: { displayName: 'Dan Dare' } });
    const e = await s.next('user.updated');
    assert.equal(e.user.id, dan.userId);
    assert.equal(e.user.displayName, 'Dan Dare');
    // Others' changes are not pushed to this socket.
    await admin.api.request('me.update', { body: { displayName: 'The Admin' } });
    await dan.api.request('me.update', { body: { displayName: 'Dan D.' } });
    assert.equal((await s.next('user.updated')).user.displayName, 'Dan D.');
    assert.ok(s.received.every((m) => m.type !== 'user.updated' || m.user.id === dan.userId));
  });

  test('logout closes the socket at once with 4401 after session.revoked (current)', async () => {
    const eve = await t.user('eve@events.test');
    const s = await open(t, { token: eve.token });
    const hello = await s.next('hello');
    const started = Date.now();
    await eve.api.request('auth.logout', {});
    const closed = await s.closed();
    assert.equal(closed.code, eventCloseCodes.sessionRevoked);
    assert.equal(closed.code, 4401);
    assert.ok(closed.at - started < 2000, 'closed by the revocation, not by a later heartbeat');
    const last = s.received.at(-1);
    assert.deepEqual(last, { type: 'session.revoked', sessionId: hello.sessionId, current: true });
  });

  test('revoking a session elsewhere closes only that socket; the others hear session.revoked (not current)', async () => {
    const fay = await t.user('fay@events.test');
    const { token: other } = await t.api.request('auth.login', {
      body: { user: 'fay@events.test', password: fay.password },
    });
    const mine = await open(t, { token: fay.token });
    const theirs = await open(t, { token: other });
    const theirId = (await theirs.next('hello')).sessionId;
    await mine.next('hello');

    await fay.api.request('me.sessions.revoke', { params: { id: theirId } });
    assert.equal((await theirs.closed()).code, 4401);
    assert.deepEqual(theirs.received.at(-1), { type: 'session.revoked', sessionId: theirId, current: true });
    assert.deepEqual(await mine.next('session.revoked'), {
      type: 'session.revoked',
      sessionId: theirId,
      current: false,
    });
    assert.equal(mine.ws.readyState, WebSocket.OPEN);
  });

  test('a password change closes the sockets of the other sessions and keeps this one', async () => {
    const gus = await t.user('gus@events.test');
    const { token: other } = await t.api.request('auth.login', {
      body: { user: 'gus@events.test', password: gus.password },
    });
    const mine = await open(t, { token: gus.token });
    const theirs = await open(t, { token: other });
    await Promise.all([mine.next('hello'), theirs.next('hello')]);
    await gus.api.request('me.password', { body: { current: gus.password, password: 'gus-new-password' } });
    assert.equal((await theirs.closed()).code, 4401);
    assert.equal((await mine.next('session.revoked')).current, false);
    assert.equal(mine.ws.readyState, WebSocket.OPEN);
  });

  test('disabling or removing a user closes their sockets with 4401', async () => {
    const admin = await t.user('admin2@events.test', { role: 'tenant-admin' });
    const hal = await t.user('hal@events.test');
    const ivy = await t.user('ivy@events.test');
    const halSocket = await open(t, { token: hal.token });
    const ivySocket = await open(t, { token: ivy.token });
    await Promise.all([halSocket.next('hello'), ivySocket.next('hello')]);
    await admin.api.request('admin.users.update', { params: { id: hal.userId }, body: { disabled: true } });
    await admin.api.request('admin.users.delete', { params: { id: ivy.userId } });
    assert.equal((await halSocket.closed()).code, 4401);
    assert.equal((await ivySocket.closed()).code, 4401);
  });

  test('a new login of the same user is announced as session.created', async () => {
    const jo = await t.user('jo@events.test');
    const s = await open(t, { token: jo.token });
    await s.next('hello');
    await t.api.request('auth.login', { body: { user: 'jo@events.test', password: jo.password } });
    const e = await s.next('session.created');
    const { sessions } = await jo.api.request('me.sessions', {});
    assert.ok(sessions.some((x) => x.id === e.sessionId && !x.current));
  });
});

describe('event socket heartbeat', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'http.heartbeatSeconds': 1 });
  });
  after(async () => {
    closeAll();
    await t.stop();
  });

  test('a heartbeat arrives every heartbeatSeconds', async () => {
    const kai = await t.user('kai@beat.test');
    const s = await open(t, { token: kai.token });
    assert.equal((await s.next('hello')).heartbeatSeconds, 1);
    const first = await s.next('heartbeat', 2500);
    assert.ok(Math.abs(Date.parse(first.at) - Date.now()) < 5000);
    await s.next('heartbeat', 2500);
  });

  test('a session revoked without a bus event (another process) is caught by the heartbeat re-check', async () => {
    const lea = await t.user('lea@beat.test');
    const s = await open(t, { token: lea.token });
    const { sessionId } = await s.next('hello');
    // What the CLI does from another process: write the revocation to the store only.
    await t.core.ctx.store.repos.sessions.revoke(lea.tenantId, lea.userId, Date.now(), { ids: [sessionId] });
    const closed = await s.closed();
    assert.equal(closed.code, 4401);
    assert.deepEqual(s.received.at(-1), { type: 'session.revoked', sessionId, current: true });
  });
});

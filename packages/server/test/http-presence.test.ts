import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ClientEvent, eventsPath } from '@parley/api';
import WebSocket from 'ws';
import { call, type ErrorJson } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

const WAIT_MS = 3000;
type Presence = Extract<ClientEvent, { type: 'presence.changed' }>;

/** An event socket that collects `presence.changed` events. */
async function presenceSocket(t: TestServer, token: string) {
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}${eventsPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const events: Presence[] = [];
  ws.on('message', (d) => {
    const e = JSON.parse(d.toString()) as ClientEvent;
    if (e.type === 'presence.changed') events.push(e);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    ws,
    events,
    /** Waits until an event matching `fn` arrived; returns it. */
    async until(fn: (e: Presence) => boolean): Promise<Presence> {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const hit = events.find(fn);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no matching presence event; got ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        ws.once('close', () => r());
        ws.close();
      }),
  };
}

const quiet = () => new Promise((r) => setTimeout(r, 200));

describe('presence over HTTP and the event socket', () => {
  let t: TestServer;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  let bob: Awaited<ReturnType<TestServer['user']>>;
  let carol: Awaited<ReturnType<TestServer['user']>>;
  let admin: Awaited<ReturnType<TestServer['user']>>;

  before(async () => {
    t = await startTestServer();
    alice = await t.user('alice@pres.test');
    bob = await t.user('bob@pres.test');
    carol = await t.user('carol@pres.test');
    admin = await t.user('admin@pres.test', { role: 'tenant-admin' });
  });
  after(() => t.stop());

  test('no inputs: offline; unknown users are offline too', async () => {
    const r = await bob.api.request('presence.list', { query: { users: 'alice@pres.test,nobody@pres.test' } });
    assert.deepEqual(
      r.presence.map((p) => [p.user, p.availability, p.text]),
      [
        ['alice@pres.test', 'offline', 'offline'],
        ['nobody@pres.test', 'offline', 'offline'],
      ],
    );
  });

  test('manual state: PUT, GET as a colleague in German, DELETE', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const mine = await alice.api.request('presence.me.set', {
      query: {},
      body: { availability: 'dnd', note: 'focus time', until, context: 'home-office' },
    });
    assert.equal(mine.presence.availability, 'dnd');
    assert.equal(mine.manual?.note, 'focus time');
    assert.equal(mine.calendar, null);
    const r = await call(t.url, 'GET', '/api/v1/presence?users=alice@pres.test&tz=Europe/Berlin', {
      token: bob.token,
      headers: { 'accept-language': 'de-DE,de;q=0.9' },
    });
    assert.equal(r.status, 200);
    const [p] = (r.body as { presence: { availability: string; flags: string[]; note: string; text: string }[] })
      .presence;
    assert.equal(p?.availability, 'dnd');
    assert.deepEqual(p?.flags, ['note']);
    // "bis 14:30" on the same day in Berlin, "bis Samstag 00:13" past midnight.
    assert.match(p?.text ?? '', /^bitte nicht stören bis (\p{L}+ )?\d\d:\d\d – im Homeoffice – focus time$/u);
    await alice.api.request('presence.me.clear', {});
    const again = await alice.api.request('presence.me.get', { query: {} });
    assert.equal(again.manual, null);
    assert.equal(again.presence.availability, 'offline');
  });

  test('bad presence input: 400 with the field, nothing changes', async () => {
    await alice.api.request('presence.me.set', { query: {}, body: { availability: 'away' } });
    const bad: [unknown, string][] = [
      [{ availability: 'sleeping' }, 'body.availability'],
      [{ until: 'tomorrow' }, 'body.until'],
      [{ validTo: new Date(Date.now() - 60_000).toISOString() }, 'validTo'],
      [{ validFrom: '2030-01-02T00:00:00Z', validTo: '2030-01-01T00:00:00Z' }, 'validTo'],
      [{ note: 'x'.repeat(501) }, 'body.note'],
      [{ mood: 'great' }, 'body.mood'],
    ];
    for (const [body, path] of bad) {
      const r = await call(t.url, 'PUT', '/api/v1/me/presence', { token: alice.token, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = r.body as ErrorJson;
      assert.equal(e.error.code, 'PARLEY_ERR_VALIDATION');
      assert.ok(
        e.error.details?.some((d) => d.path === path),
        `${path} in ${JSON.stringify(e.error.details)}`,
      );
    }
    const phone = await call(t.url, 'PUT', '/api/v1/admin/presence/phone', {
      token: admin.token,
      body: { user: 'alice@pres.test', line: '201', state: 'exploding' },
    });
    assert.equal(phone.status, 400);
    const tz = await call(t.url, 'GET', '/api/v1/presence?users=alice@pres.test&tz=Mars/Base', { token: bob.token });
    assert.equal(tz.status, 400);
    const none = await call(t.url, 'GET', '/api/v1/presence?users=', { token: bob.token });
    assert.equal(none.status, 400);
    const mine = await alice.api.request('presence.me.get', { query: {} });
    assert.equal(mine.manual?.availability, 'away');
    await alice.api.request('presence.me.clear', {});
  });

  test('phone input: tenant admins only; unknown user 404', async () => {
    const denied = await call(t.url, 'PUT', '/api/v1/admin/presence/phone', {
      token: bob.token,
      body: { user: 'alice@pres.test', line: '201', state: 'ringing' },
    });
    assert.equal(denied.status, 403);
    const unknown = await call(t.url, 'PUT', '/api/v1/admin/presence/phone', {
      token: admin.token,
      body: { user: 'ghost@pres.test', line: '201', state: 'ringing' },
    });
    assert.equal(unknown.status, 404);
  });

  test('a registered desk phone keeps its user reachable until the line is removed', async () => {
    await t.user('dave@pres.test');
    const seen = async () =>
      (await bob.api.request('presence.list', { query: { users: 'dave@pres.test' } })).presence[0]?.availability;
    assert.equal(await seen(), 'offline', 'no client, no line');
    await admin.api.request('admin.presence.phone', { body: { user: 'dave@pres.test', line: '204', state: 'idle' } });
    assert.equal(await seen(), 'available');
    await admin.api.request('admin.presence.phone.remove', { query: { user: 'dave@pres.test', line: '204' } });
    assert.equal(await seen(), 'offline');
    const denied = await bob.api
      .request('admin.presence.phone.remove', { query: { user: 'dave@pres.test', line: '204' } })
      .catch((err: { status: number }) => err.status);
    assert.equal(denied, 403);
  });

  test('event socket: connect makes available; changes reach watchers once; idle → away', async () => {
    const bobSocket = await presenceSocket(t, bob.token);
    const aliceSocket = await presenceSocket(t, alice.token);
    const online = await bobSocket.until(
      (e) => e.user === 'alice@pres.test' && e.presence.availability === 'available',
    );
    assert.deepEqual(online.presence.flags, []);
    await aliceSocket.until((e) => e.user === 'alice@pres.test');

    for (const state of ['ringing', 'ringing', 'connected'] as const) {
      await admin.api.request('admin.presence.phone', { body: { user: 'alice@pres.test', line: '201', state } });
    }
    await bobSocket.until((e) => e.user === 'alice@pres.test' && e.presence.flags.includes('on-call'));
    await quiet();
    const ringing = bobSocket.events.filter(
      (e) => e.user === 'alice@pres.test' && e.presence.flags.includes('ringing'),
    );
    assert.equal(ringing.length, 1, 'the same state twice is one event');
    await admin.api.request('admin.presence.phone', { body: { user: 'alice@pres.test', line: '201', state: 'idle' } });

    await alice.api.request('presence.me.activity', { body: { idle: true } });
    const away = await bobSocket.until((e) => e.user === 'alice@pres.test' && e.presence.availability === 'away');
    assert.deepEqual(away.presence.flags, ['idle']);
    assert.ok(away.presence.since);
    await alice.api.request('presence.me.activity', { body: { idle: false } });
    await bobSocket.until((e) => e === bobSocket.events.at(-1) && e.presence.availability === 'available');

    // Blocking: bob sees alice offline at once, and gets nothing of her note.
    bobSocket.events.length = 0;
    await alice.api.request('presence.me.block', { params: { user: 'bob@pres.test' } });
    const blocked = await bobSocket.until((e) => e.user === 'alice@pres.test');
    assert.equal(blocked.presence.availability, 'offline');
    assert.deepEqual((await alice.api.request('presence.me.blocks', {})).blocked, ['bob@pres.test']);
    bobSocket.events.length = 0;
    await alice.api.request('presence.me.set', { query: {}, body: { note: 'secret' } });
    await quiet();
    assert.deepEqual(bobSocket.events, [], 'a blocked watcher gets no change it cannot see');
    const seen = await bob.api.request('presence.list', { query: { users: 'alice@pres.test' } });
    assert.equal(seen.presence[0]?.availability, 'offline');
    assert.equal(seen.presence[0]?.note, null);
    await alice.api.request('presence.me.unblock', { params: { user: 'bob@pres.test' } });
    const back = await bobSocket.until((e) => e.user === 'alice@pres.test' && e.presence.note === 'secret');
    assert.equal(back.presence.availability, 'available');

    // Closing the only socket (the line no longer registered): offline again.
    await t.core.presence.removeLine(alice.tenantId, alice.userId, '201');
    bobSocket.events.length = 0;
    await aliceSocket.close();
    const off = await bobSocket.until((e) => e.user === 'alice@pres.test' && e.presence.availability === 'offline');
    assert.equal(off.presence.note, 'secret');
    await bobSocket.close();
    await alice.api.request('presence.me.clear', {});
  });

  test('teams: admin API; a team member sees the appointment subject, a colleague does not', async () => {
    const start = Date.now() + 3_600_000;
    await t.core.presence.setCalendar(alice.tenantId, alice.userId, {
      blocks: [{ start, end: start + 1_800_000, show: 'busy', subject: 'Reorg' }],
      fetchedAt: Date.now(),
      stale: false,
    });
    const denied = await call(t.url, 'GET', '/api/v1/admin/teams', { token: bob.token });
    assert.equal(denied.status, 403);
    const team = await admin.api.request('admin.teams.create', {
      body: { name: 'Core', members: ['alice@pres.test'] },
    });
    assert.deepEqual(team.members, ['alice@pres.test']);
    const dup = await call(t.url, 'POST', '/api/v1/admin/teams', { token: admin.token, body: { name: 'Core' } });
    assert.equal(dup.status, 409);
    const withBob = await admin.api.request('admin.teams.members.add', {
      params: { id: team.id },
      body: { user: 'bob@pres.test' },
    });
    assert.deepEqual(withBob.members, ['alice@pres.test', 'bob@pres.test']);
    const asBob = await bob.api.request('presence.list', { query: { users: 'alice@pres.test' } });
    assert.equal(asBob.presence[0]?.nextAppointment?.subject, 'Reorg');
    const asCarol = await carol.api.request('presence.list', { query: { users: 'alice@pres.test' } });
    assert.equal(asCarol.presence[0]?.nextAppointment?.subject, null);
    assert.equal(asCarol.presence[0]?.nextAppointment?.start, new Date(start).toISOString());
    const removed = await admin.api.request('admin.teams.members.remove', {
      params: { id: team.id, user: 'bob@pres.test' },
    });
    assert.deepEqual(removed.members, ['alice@pres.test']);
    assert.equal((await admin.api.request('admin.teams.list', {})).teams.length, 1);
    await admin.api.request('admin.teams.delete', { params: { id: team.id } });
    assert.deepEqual((await admin.api.request('admin.teams.list', {})).teams, []);
    const gone = await call(t.url, 'DELETE', `/api/v1/admin/teams/${team.id}`, { token: admin.token });
    assert.equal(gone.status, 404);
  });
});

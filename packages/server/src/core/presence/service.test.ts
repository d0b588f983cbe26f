import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { EventMap } from '../events.js';
import type { Core } from '../index.js';
import type { User } from '../users/model.js';
import { CLIENT_TTL_MS } from './clients.js';
import { watcherOf } from './watchers.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0);

describe('presence service', () => {
  let core: Core;
  let dir: string;
  let now = T0;
  let tenantId: string;
  let alice: User;
  let bob: User;
  let carol: User;
  const events: EventMap['presence.changed'][] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-presence-'));
    const config = loadConfig({
      env: {},
      overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' },
    });
    core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
    tenantId = (await core.tenants.create({ domain: 'p.test' })).id;
    const mk = async (local: string) =>
      (await core.users.create(tenantId, { local, domain: 'p.test', role: 'user', password: 'secret-password' })).user;
    alice = await mk('alice');
    bob = await mk('bob');
    carol = await mk('carol');
    core.ctx.bus.subscribe('presence.changed', (e) => void events.push(e));
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  const settle = () => new Promise((r) => setImmediate(r));
  const take = async () => {
    await settle();
    return events.splice(0).filter((e) => e.userId === alice.id);
  };

  test('no inputs: offline, nothing published', async () => {
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'offline');
    assert.deepEqual(await take(), []);
  });

  test('a client connects: available, published once; the same line state twice publishes once', async () => {
    await core.presence.clientConnected(tenantId, alice.id, 'c1', { mobile: false, sessionId: 's1' });
    let e = await take();
    assert.equal(e.length, 1);
    assert.equal(e[0]?.presence.availability, 'available');
    assert.equal(e[0]?.previous.availability, 'offline');
    await core.presence.setLineState(tenantId, alice.id, '201', 'idle');
    assert.deepEqual(await take(), [], 'an idle line changes nothing visible');
    await core.presence.setLineState(tenantId, alice.id, '201', 'ringing');
    await core.presence.setLineState(tenantId, alice.id, '201', 'ringing');
    e = await take();
    assert.equal(e.length, 1);
    assert.deepEqual(e[0]?.presence.flags, ['ringing']);
    await core.presence.setLineState(tenantId, alice.id, '201', 'idle');
    assert.equal((await take())[0]?.presence.availability, 'available');
  });

  test('bad manual input is refused and changes nothing', async () => {
    await core.presence.setManual(tenantId, alice.id, { availability: 'away', note: 'lunch' });
    const before = await core.presence.manual(tenantId, alice.id);
    await take();
    const bad = [
      { availability: 'sleeping' as never },
      { context: 'moon' as never },
      { validTo: now - 1 },
      { validFrom: now + 2 * H, validTo: now + H },
      { until: now - H },
      { note: 'x'.repeat(501) },
      { until: Number.NaN },
    ];
    for (const req of bad) {
      await assert.rejects(core.presence.setManual(tenantId, alice.id, req), { code: 'PARLEY_ERR_VALIDATION' });
    }
    await assert.rejects(core.presence.setLineState(tenantId, alice.id, '201', 'boom' as never), {
      code: 'PARLEY_ERR_VALIDATION',
    });
    assert.deepEqual(await core.presence.manual(tenantId, alice.id), before);
    assert.deepEqual(await take(), []);
  });

  test('anchor rule: a call after the manual state ends it for good; the note stays', async () => {
    now += 60_000;
    await core.presence.setLineState(tenantId, alice.id, '201', 'connected');
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'busy');
    now += 60_000;
    await core.presence.setLineState(tenantId, alice.id, '201', 'idle');
    const p = await core.presence.get(tenantId, alice.id);
    assert.equal(p.availability, 'available', 'manual away does not come back');
    assert.equal(p.note, 'lunch');
    await core.presence.clearManual(tenantId, alice.id);
    assert.equal(await core.presence.manual(tenantId, alice.id), null);
    await take();
  });

  test('calendar sink: busy until the end of the meeting, available after it (scheduled)', async () => {
    await core.presence.setCalendar(tenantId, alice.id, {
      blocks: [{ start: now - H, end: now + H, show: 'busy', subject: 'Budget' }],
      fetchedAt: now,
      stale: false,
    });
    const e = await take();
    assert.equal(e.at(-1)?.presence.availability, 'busy');
    assert.equal(e.at(-1)?.presence.until, now + H);
    now += H;
    await core.presence.tick();
    const after = await take();
    assert.equal(after.length, 1);
    assert.equal(after[0]?.presence.availability, 'available');
  });

  test('a manual state with validFrom starts by itself; it ends at validTo', async () => {
    await core.presence.setManual(tenantId, alice.id, {
      availability: 'dnd',
      validFrom: now + H,
      validTo: now + 2 * H,
    });
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'available');
    now += H;
    await core.presence.tick();
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'dnd');
    now += H;
    await core.presence.tick();
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'available');
    await take();
  });

  test('activity: the session goes idle → away; disconnect → offline', async () => {
    // Hours have passed in this suite: the first client's input has long expired.
    await core.presence.clientConnected(tenantId, alice.id, 'c1', { mobile: false, sessionId: 's1' });
    await core.presence.setActivity(tenantId, alice.id, 's1', true);
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'away');
    await core.presence.setActivity(tenantId, alice.id, 's1', false);
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'available');
    await core.presence.removeLine(tenantId, alice.id, '201');
    await core.presence.clientDisconnected(tenantId, alice.id, 'c1');
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'offline');
    await take();
  });

  test('activity with a manual state: away ↔ do not disturb is one change each way, not two', async () => {
    await core.presence.clientConnected(tenantId, alice.id, 'c1', { mobile: false, sessionId: 's1' });
    await take();
    const rows: [boolean, 'dnd' | null, string][] = [
      [false, 'dnd', 'dnd'],
      [true, null, 'away'],
      [false, 'dnd', 'dnd'],
    ];
    for (const [idle, availability, want] of rows) {
      await core.presence.setActivity(tenantId, alice.id, 's1', idle, { availability });
      assert.deepEqual(
        (await take()).map((e) => e.presence.availability),
        [want],
      );
    }
    await core.presence.clearManual(tenantId, alice.id);
    await core.presence.clientDisconnected(tenantId, alice.id, 'c1');
    await take();
  });

  test('a client input expires unless kept alive', async () => {
    // What the attached clients' refresh (`clients.ts`) does for each.
    const keepAlive = (clientId: string) =>
      core.ctx.store.repos.presence.touchInput(tenantId, alice.id, 'client', clientId, now + CLIENT_TTL_MS, now);
    await core.presence.clientConnected(tenantId, alice.id, 'c2', { mobile: true, sessionId: null });
    assert.deepEqual((await core.presence.get(tenantId, alice.id)).flags, ['mobile']);
    now += 100_000;
    assert.equal(await keepAlive('c2'), true);
    now += 100_000;
    await core.presence.tick();
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'available');
    now += 200_000;
    await core.presence.tick();
    assert.equal((await core.presence.get(tenantId, alice.id)).availability, 'offline');
    assert.equal(await keepAlive('c2'), false);
    await take();
  });

  test('visibility: colleague, team member, blocked, external', async () => {
    await core.presence.clientConnected(tenantId, alice.id, 'c3', { mobile: false, sessionId: null });
    await core.presence.setManual(tenantId, alice.id, { note: 'hello', context: 'home-office' });
    await core.presence.setCalendar(tenantId, alice.id, {
      blocks: [{ start: now + H, end: now + 2 * H, show: 'busy', subject: 'Secret plan' }],
      fetchedAt: now,
      stale: false,
    });
    const asBob = await core.presence.view(tenantId, alice.id, watcherOf(bob));
    assert.equal(asBob.note, 'hello');
    assert.equal(asBob.context, 'home-office');
    assert.deepEqual(asBob.nextAppointment, { start: now + H, end: now + 2 * H, subject: null });
    const team = await core.presence.watchers.createTeam(tenantId, 'Core', [alice.id, bob.id]);
    assert.equal(
      (await core.presence.view(tenantId, alice.id, watcherOf(bob))).nextAppointment?.subject,
      'Secret plan',
    );
    assert.equal((await core.presence.view(tenantId, alice.id, watcherOf(carol))).nextAppointment?.subject, null);
    await core.presence.watchers.block(tenantId, alice.id, 'bob@p.test');
    const blocked = await core.presence.view(tenantId, alice.id, watcherOf(bob));
    assert.equal(blocked.availability, 'offline');
    assert.equal(blocked.note, null);
    const ext = await core.presence.view(tenantId, alice.id, { tenantId: null, userId: null, address: 'x@far.test' });
    assert.deepEqual(ext, { ...ext, availability: 'available', flags: [], note: null, context: null, until: null });
    assert.equal(ext.nextAppointment, null);
    await core.presence.watchers.unblock(tenantId, alice.id, 'bob@p.test');
    await core.presence.watchers.deleteTeam(tenantId, team.id);
    assert.equal((await core.presence.view(tenantId, alice.id, watcherOf(bob))).availability, 'available');
    assert.equal(
      (await core.presence.view(tenantId, alice.id, watcherOf(alice))).nextAppointment?.subject,
      'Secret plan',
    );
  });
});

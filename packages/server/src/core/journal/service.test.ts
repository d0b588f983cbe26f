import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import { type Call, type CallEvent, type CallEventType, callEventTypes, type Party } from '../calls/model.js';
import type { Core } from '../index.js';

type Seen = { type: CallEventType; e: CallEvent };

describe('journal service', () => {
  let core: Core;
  let dir: string;
  let tenantId: string;
  const ids: Record<string, string> = {};
  const seen: Seen[] = [];
  const created: string[] = [];
  let alice: Party;
  let bob: Party;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-journal-service-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }) });
    tenantId = (await core.tenants.create({ domain: 'j.test' })).id;
    for (const local of ['alice', 'bob']) {
      ids[local] = (await core.users.create(tenantId, { local, password: 'secret-password' })).user.id;
    }
    alice = { userId: ids.alice, lineId: 'l-a', lineNumber: '201', deviceId: 'd-a' };
    bob = { userId: ids.bob, lineId: 'l-b', lineNumber: '202', deviceId: 'd-b' };
    for (const type of callEventTypes) core.ctx.bus.subscribe(type, (e) => void seen.push({ type, e }));
    core.ctx.bus.subscribe('journal.created', (e) => void created.push(`${e.entry.callId} ${e.userId}`));
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The events of an internal call, alice to bob, answered: every copy (one per user) as published. */
  async function internalCall(): Promise<{ call: Call; events: Seen[] }> {
    seen.splice(0);
    const c = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bob } });
    await core.calls.deliver(c.id, bob);
    await core.calls.establish(c.id, bob);
    const call = await core.calls.clear(c.id);
    await new Promise((r) => setImmediate(r));
    return { call, events: seen.splice(0) };
  }
  const entriesOf = async (callId: string) =>
    (await Promise.all([ids.alice, ids.bob].map((u) => core.journal.list(tenantId, u as string, {}, { limit: 50 }))))
      .flatMap((p) => p.entries)
      .filter((e) => e.callId === callId);
  const settled = async () => {
    await core.journal.idle();
    await new Promise((r) => setImmediate(r));
  };

  test('a node writes nothing for a call another node switches', async () => {
    const { call, events } = await internalCall();
    for (const { type, e } of events) core.journal.observe(type, { ...e, call: { ...e.call, node: 'another-node' } });
    await settled();
    assert.deepEqual(await entriesOf(call.id), []);
  });

  test('the switching node writes one entry per user, whatever the order and the copies of the events', async () => {
    const { call, events } = await internalCall();
    assert.equal(events.length, 2 * call.version, 'each event once per user');
    for (const { type, e } of [...events].reverse()) core.journal.observe(type, e);
    await settled();
    const entries = await entriesOf(call.id);
    assert.deepEqual(
      entries.map((e) => [e.userId, e.result, e.direction]).sort(),
      [
        [ids.alice, 'answered', 'internal'],
        [ids.bob, 'answered', 'internal'],
      ].sort(),
    );
    assert.deepEqual(created.splice(0).sort(), [`${call.id} ${ids.alice}`, `${call.id} ${ids.bob}`].sort());

    // Late copies are dropped; writing the same entries again changes nothing and tells nobody.
    for (const { type, e } of events) core.journal.observe(type, e);
    await settled();
    const again = await core.journal.record(tenantId, call.id, [
      {
        userId: ids.alice as string,
        direction: 'internal',
        line: '201',
        remote: bob,
        startedAt: call.createdAt,
        answeredAt: null,
        endedAt: call.createdAt,
        duration: 0,
        result: 'missed',
        by: null,
      },
    ]);
    assert.deepEqual(again, []);
    assert.deepEqual(created, []);
    assert.equal((await entriesOf(call.id)).length, 2);
  });

  test('an ended call with an event missing is written from what arrived after a grace period', async (t) => {
    const { call, events } = await internalCall();
    t.mock.timers.enable({ apis: ['setTimeout'] });
    try {
      for (const { type, e } of events) if (e.call.version !== 2) core.journal.observe(type, e);
      await settled();
      assert.deepEqual(await entriesOf(call.id), [], 'waits for the missing event');
      t.mock.timers.tick(5000);
      await settled();
      assert.equal((await entriesOf(call.id)).length, 2);
    } finally {
      t.mock.timers.reset();
    }
  });

  test('memo and read flag change only the user’s own entry', async () => {
    const { call, events } = await internalCall();
    for (const { type, e } of events) core.journal.observe(type, e);
    await settled();
    const mine = (await entriesOf(call.id)).find((e) => e.userId === ids.alice);
    assert.ok(mine);
    await assert.rejects(core.journal.update(tenantId, ids.bob as string, mine.id, { read: true }), /not found/);
    const other = (await core.tenants.create({ domain: 'j2.test' })).id;
    await assert.rejects(core.journal.update(other, ids.alice as string, mine.id, { read: true }), /not found/);
    const updated = await core.journal.update(tenantId, ids.alice as string, mine.id, {
      memo: 'called back',
      read: true,
    });
    assert.deepEqual([updated.memo, updated.read], ['called back', true]);
  });
});

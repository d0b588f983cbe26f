import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import { type Call, callEventTypes, isLive, type Party } from '../calls/model.js';
import { newConnection, versionsOf } from '../calls/steps.js';
import type { Core } from '../index.js';
import { deriveEntries } from './derive.js';
import type { CallStep, EntryDraft } from './model.js';

const T0 = Date.UTC(2026, 2, 2, 9, 0);

// The event sequences come from the real call service (the switch's steps); `deriveEntries` is the
// pure function under test. Transfers are not switched yet: that sequence is built with the same
// pure steps the call service uses.
describe('journal entries derived from call events', () => {
  let core: Core;
  let dir: string;
  let now = T0;
  const steps = new Map<string, Map<number, CallStep>>();
  const ids: Record<string, string> = {};
  let alice: Party;
  let bobLine: Party;
  let bob1: Party;
  let bob2: Party;
  let carol: Party;
  const external: Party = { number: '+4971112345', display: 'Muster GmbH' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-journal-derive-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
    const tenantId = (await core.tenants.create({ domain: 'd.test' })).id;
    for (const local of ['alice', 'bob', 'carol']) {
      ids[local] = (await core.users.create(tenantId, { local, password: 'secret-password' })).user.id;
    }
    alice = { userId: ids.alice, lineId: 'l-a', lineNumber: '201', deviceId: 'dev-a' };
    bobLine = { userId: ids.bob, lineId: 'l-b', lineNumber: '202' };
    bob1 = { ...bobLine, deviceId: 'dev-b1' };
    bob2 = { ...bobLine, deviceId: 'dev-b2' };
    carol = { userId: ids.carol, lineId: 'l-c', lineNumber: '203', deviceId: 'dev-c' };
    for (const type of callEventTypes) {
      core.ctx.bus.subscribe(type, (e) => {
        const byVersion = steps.get(e.call.id) ?? new Map<number, CallStep>();
        steps.set(e.call.id, byVersion);
        byVersion.set(e.call.version, {
          type,
          call: e.call,
          connectionId: e.connectionId,
          cause: e.cause,
          ...(e.joined && { joined: e.joined }),
          at: now,
        });
      });
    }
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  const tick = (seconds: number) => {
    now += seconds * 1000;
  };
  /** The events of the call so far (after the bus handed them over). */
  const eventsOf = async (call: Call) => {
    await new Promise((r) => setImmediate(r));
    return [...(steps.get(call.id)?.values() ?? [])];
  };
  const name = (p: Party | null) =>
    p === null ? null : (Object.entries(ids).find(([, id]) => id === p.userId)?.[0] ?? p.number ?? '?');
  /** An entry in a line: `user direction result line remote by duration`. */
  const show = (d: EntryDraft) =>
    [name({ userId: d.userId }), d.direction, d.result, d.line, name(d.remote), name(d.by), `${d.duration}s`]
      .map(String)
      .join(' ');
  const entriesOf = async (call: Call) => (deriveEntries(await eventsOf(call)).map(show) as string[]).sort();

  const rows: { name: string; run: () => Promise<Call>; entries: string[] }[] = [
    {
      name: 'an internal call answered on one of two devices',
      run: async () => {
        const call = await core.calls.originate('t', { from: alice, to: { dialled: '202', party: bobLine } });
        await core.calls.deliver(call.id, bob1);
        await core.calls.deliver(call.id, bob2);
        tick(5);
        await core.calls.establish(call.id, bob2);
        tick(42);
        await core.calls.clear(call.id, alice);
        return core.calls.clear(call.id);
      },
      entries: ['alice internal answered 201 bob null 42s', 'bob internal answered 202 alice null 42s'],
    },
    {
      name: 'an external call nobody answers',
      run: async () => {
        const call = await core.calls.originate('t', { from: external, to: { dialled: '202', party: bobLine } });
        await core.calls.deliver(call.id, bob1);
        tick(20);
        return core.calls.clear(call.id, undefined, 'callCancelled');
      },
      entries: ['bob inbound missed 202 +4971112345 null 0s'],
    },
    {
      name: 'an external call to a busy line',
      run: async () => {
        const call = await core.calls.originate('t', { from: external, to: { dialled: '202', party: bobLine } });
        await core.calls.deliver(call.id, bob1);
        await core.calls.fail(call.id, 'busy');
        return core.calls.clear(call.id);
      },
      entries: ['bob inbound busy 202 +4971112345 null 0s'],
    },
    {
      name: 'an external call forwarded on no answer to a colleague who answers',
      run: async () => {
        const call = await core.calls.originate('t', { from: external, to: { dialled: '202', party: bobLine } });
        await core.calls.deliver(call.id, bob1);
        tick(15);
        await core.calls.divert(call.id, bobLine, carol, 'callForwardNoAnswer');
        await core.calls.deliver(call.id, carol);
        tick(3);
        await core.calls.establish(call.id, carol);
        tick(60);
        return core.calls.clear(call.id);
      },
      entries: ['bob inbound forwarded 202 +4971112345 bob 0s', 'carol inbound answered 203 +4971112345 bob 60s'],
    },
    {
      name: 'an outbound call the caller gives up',
      run: async () => {
        const call = await core.calls.originate('t', { from: alice, to: { dialled: '0711 12345' } });
        tick(10);
        return core.calls.clear(call.id, alice, 'callCancelled');
      },
      entries: ['alice outbound cancelled 201 0711 12345 null 0s'],
    },
    {
      name: 'an outbound call to a number that does not exist',
      run: async () => {
        const call = await core.calls.originate('t', { from: alice, to: { dialled: '+4930999' } });
        await core.calls.fail(call.id, 'destNotObtainable');
        return core.calls.clear(call.id);
      },
      entries: ['alice outbound failed 201 +4930999 null 0s'],
    },
    {
      name: 'an outbound call to a busy number',
      run: async () => {
        const call = await core.calls.originate('t', { from: alice, to: { dialled: '+4930888' } });
        await core.calls.fail(call.id, 'busy');
        return core.calls.clear(call.id);
      },
      entries: ['alice outbound busy 201 +4930888 null 0s'],
    },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      now += 3_600_000;
      const call = await row.run();
      assert.notEqual(call.endedAt, null);
      assert.deepEqual(await entriesOf(call), [...row.entries].sort());
    });
  }

  test('a call transferred by the one who answered it', async () => {
    now += 3_600_000;
    const call = await core.calls.originate('t', { from: external, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    tick(2);
    const talking = await core.calls.establish(call.id, bob1);
    tick(30);
    const before = await eventsOf(talking);
    // Bob hands the caller to Carol (ECMA-269 Transferred: his connection clears, hers joins).
    const bobs = talking.connections.find((c) => c.party.deviceId === 'dev-b1')?.id as string;
    const carols = newConnection(carol, 'called', 'null', now);
    const [transferred] = versionsOf(
      talking,
      [
        [
          'call.transferred',
          carols.id,
          [
            [bobs, 'null', 'transfer'],
            [carols.id, 'connected'],
          ],
        ],
      ],
      now,
      carols,
    ) as [Call];
    tick(90);
    const ended = versionsOf(
      transferred,
      [['call.cleared', null, transferred.connections.filter(isLive).map((c) => [c.id, 'null'])]],
      now,
    );
    const sequence: CallStep[] = [
      ...before,
      {
        type: 'call.transferred',
        call: transferred,
        connectionId: carols.id,
        cause: 'transfer',
        joined: { oldCalls: [call.id], by: bob1 },
        at: now - 90_000,
      },
      { type: 'call.cleared', call: ended.at(-1) as Call, connectionId: null, cause: 'normalClearing', at: now },
    ];
    assert.deepEqual(deriveEntries(sequence.reverse()).map(show).sort(), [
      'bob inbound transferred 202 +4971112345 bob 30s',
      'carol inbound answered 203 +4971112345 bob 90s',
    ]);
  });
});

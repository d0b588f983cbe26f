import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { Core } from '../index.js';
import { type CallEvent, callEventTypes, type Party } from './model.js';

const T0 = Date.UTC(2026, 2, 2, 9, 0);

describe('calls', () => {
  let core: Core;
  let dir: string;
  let now = T0;
  let tenantId: string;
  let otherTenantId: string;
  const ids: Record<string, string> = {};
  const seen: (CallEvent & { type: string })[] = [];

  // Alice has line 201 with one phone, Bob line 202 with a desk phone and a softphone.
  let alice: Party;
  let bob1: Party;
  let bob2: Party;
  let bobLine: Party;
  const external: Party = { number: '+4971112345', display: 'Muster GmbH' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-calls-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
    tenantId = (await core.tenants.create({ domain: 'c.test' })).id;
    otherTenantId = (await core.tenants.create({ domain: 'other.test' })).id;
    for (const local of ['alice', 'bob']) {
      const { user } = await core.users.create(tenantId, {
        local,
        domain: 'c.test',
        role: 'user',
        password: 'secret-password',
      });
      ids[local] = user.id;
    }
    alice = { userId: ids.alice, lineId: 'line-a', lineNumber: '201', deviceId: 'dev-a', display: 'Alice' };
    bobLine = { userId: ids.bob, lineId: 'line-b', lineNumber: '202' };
    bob1 = { ...bobLine, deviceId: 'dev-b1' };
    bob2 = { ...bobLine, deviceId: 'dev-b2' };
    for (const type of callEventTypes) core.ctx.bus.subscribe(type, (e) => void seen.push({ type, ...e }));
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    now += 60_000;
  });

  const settle = () => new Promise((r) => setImmediate(r));
  const name = (p: Party | undefined) => p?.deviceId ?? p?.number ?? '?';
  /** The events since the last call, as `type party [cause]`, for one user (default: published without one). */
  const take = async (userId?: string) => {
    await settle();
    // Subscriptions of different types are not ordered against each other: the version orders them.
    return seen
      .splice(0)
      .filter((e) => e.userId === userId)
      .sort((a, b) => a.call.createdAt - b.call.createdAt || a.call.version - b.call.version)
      .map((e) => {
        const c = e.call.connections.find((x) => x.id === e.connectionId);
        return [e.type, name(c?.party), ...(e.cause ? [e.cause] : [])].join(' ');
      });
  };
  const states = (callId: string) =>
    core.calls.get(tenantId, callId).connections.map((c) => `${name(c.party)}:${c.state}`);
  const line = async (userId: string | undefined, key: string) => {
    const inputs = await core.ctx.store.repos.presence.inputs(tenantId, userId as string, now);
    return (inputs.find((i) => i.source === 'line' && i.key === key)?.value as { state: string } | undefined)?.state;
  };
  const flags = async (userId: string | undefined) => (await core.presence.get(tenantId, userId as string)).flags;

  test('a basic call: originated, delivered, established, cleared — each event to both users, presence follows', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    assert.equal(call.node, core.ctx.cluster.instance);
    assert.deepEqual(states(call.id), ['dev-a:initiated']);
    assert.equal(await line(ids.alice, '201'), 'dialing');
    await core.calls.deliver(call.id, bob1);
    assert.equal(await line(ids.bob, '202'), 'ringing');
    assert.deepEqual(await flags(ids.bob), ['ringing']);
    await core.calls.establish(call.id, bob1);
    assert.deepEqual(states(call.id), ['dev-a:connected', 'dev-b1:connected']);
    assert.equal(core.calls.get(tenantId, call.id).answeredAt, now);
    assert.equal(await line(ids.bob, '202'), 'connected');
    assert.deepEqual(await flags(ids.bob), ['on-call']);
    await core.calls.clear(call.id, alice);
    const ended = await core.calls.clear(call.id);
    assert.equal(ended.endedAt, now);
    assert.throws(() => core.calls.get(tenantId, call.id), { code: 'PARLEY_ERR_NOT_FOUND' });
    const expected = [
      'call.originated dev-a',
      'call.delivered dev-b1',
      'call.established dev-b1',
      'call.cleared dev-a normalClearing',
      'call.cleared dev-b1 normalClearing',
    ];
    await settle();
    const all = seen.slice().sort((a, b) => a.call.version - b.call.version);
    assert.deepEqual(await take(ids.alice), expected);
    assert.deepEqual(
      all.filter((e) => e.userId === ids.bob).map((e) => e.type),
      expected.map((e) => e.split(' ')[0]),
    );
    assert.deepEqual(
      all.filter((e) => e.userId === ids.bob).map((e) => e.call.version),
      [1, 2, 3, 4, 5],
      'every step a new version',
    );
    assert.equal(await line(ids.alice, '201'), undefined, 'an idle line is no presence input');
    assert.equal(await line(ids.bob, '202'), undefined);
    assert.deepEqual(await flags(ids.bob), []);
  });

  test('a forked call answered on one device: the other device stops ringing', async () => {
    const call = await core.calls.originate(tenantId, {
      from: external,
      to: { dialled: '+4971199202', party: bobLine },
    });
    await core.calls.deliver(call.id, bob1);
    await core.calls.deliver(call.id, bob2);
    await core.calls.deliver(call.id, bob2);
    assert.deepEqual(
      states(call.id),
      ['+4971112345:initiated', 'dev-b1:alerting', 'dev-b2:alerting'],
      'again: no change',
    );
    await core.calls.establish(call.id, bob2);
    assert.deepEqual(states(call.id), ['+4971112345:connected', 'dev-b1:null', 'dev-b2:connected']);
    assert.deepEqual(await take(ids.bob), [
      'call.originated +4971112345',
      'call.delivered dev-b1',
      'call.delivered dev-b2',
      'call.established dev-b2',
      'call.cleared dev-b1 normalClearing',
    ]);
    assert.equal(await line(ids.bob, '202'), 'connected');
    await core.calls.clear(call.id);
    assert.equal(await line(ids.bob, '202'), undefined);
    await take();
  });

  test('busy: the called phone is busy, the caller hears it until it hangs up', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.fail(call.id, 'busy');
    assert.deepEqual(states(call.id), ['dev-a:failed']);
    assert.equal(await line(ids.alice, '201'), 'dialing');
    await core.calls.clear(call.id);
    assert.deepEqual(await take(ids.alice), [
      'call.originated dev-a',
      'call.failed dev-a busy',
      'call.cleared dev-a normalClearing',
    ]);
    await take();
    assert.equal(await line(ids.alice, '201'), undefined);
  });

  test('no answer: both devices stop ringing, the call fails with callNotAnswered', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    await core.calls.deliver(call.id, bob2);
    await core.calls.fail(call.id, 'callNotAnswered');
    await core.calls.clear(call.id);
    assert.deepEqual((await take(ids.bob)).slice(3), [
      'call.cleared dev-b1 callNotAnswered',
      'call.cleared dev-b2 callNotAnswered',
      'call.failed dev-a callNotAnswered',
      'call.cleared dev-a normalClearing',
    ]);
    assert.equal(await line(ids.bob, '202'), undefined);
    await take();
  });

  test('cancelled: the caller hangs up while it rings; one device busy meanwhile', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    await core.calls.deliver(call.id, bob2);
    await core.calls.fail(call.id, 'busy', bob2);
    assert.equal(await line(ids.bob, '202'), 'ringing', 'the other device still rings');
    await core.calls.clear(call.id, undefined, 'callCancelled');
    assert.deepEqual((await take(ids.alice)).slice(3), [
      'call.failed dev-b2 busy',
      'call.cleared dev-a callCancelled',
      'call.cleared dev-b1 callCancelled',
      'call.cleared dev-b2 callCancelled',
    ]);
    await take();
  });

  test('hold and retrieve: the line shows held, then on a call again', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.establish(call.id, bob1);
    await core.calls.hold(call.id, alice);
    assert.equal(await line(ids.alice, '201'), 'held');
    assert.deepEqual(await flags(ids.alice), ['on-call']);
    await core.calls.retrieve(call.id, alice);
    assert.equal(await line(ids.alice, '201'), 'connected');
    assert.deepEqual((await take(ids.alice)).slice(1), [
      'call.established dev-b1',
      'call.held dev-a',
      'call.retrieved dev-a',
    ]);
    await core.calls.clear(call.id);
    await take();
  });

  test('the line states the calls feed belong to this node: they go when it dies', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.establish(call.id, bob1);
    const input = (await core.ctx.store.repos.presence.inputs(tenantId, ids.bob as string, now)).find(
      (i) => i.source === 'line',
    );
    assert.equal(input?.holder, core.ctx.cluster.instance);
    assert.equal(await core.presence.expireHolders([core.ctx.cluster.instance]), 0, 'alive: kept');
    assert.equal(await core.presence.expireHolders(['another-node.00000000']), 2, 'Alice’s and Bob’s line');
    assert.equal(await line(ids.bob, '202'), undefined);
    assert.deepEqual(await flags(ids.bob), []);
    await core.calls.clear(call.id);
    await take();
  });

  test('divert: a ringing line forwards to an external number, which answers', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    const diverted = await core.calls.divert(call.id, bobLine, external, 'callForwardNoAnswer');
    assert.deepEqual(diverted.called, external);
    await core.calls.deliver(call.id, external);
    await core.calls.establish(call.id, external);
    assert.deepEqual(states(call.id), ['dev-a:connected', 'dev-b1:null', '+4971112345:connected']);
    assert.deepEqual((await take(ids.alice)).slice(1), [
      'call.delivered dev-b1',
      'call.diverted dev-b1 callForwardNoAnswer',
      'call.delivered +4971112345',
      'call.established +4971112345',
    ]);
    assert.equal(await line(ids.bob, '202'), undefined, 'Bob’s line is free again');
    await assert.rejects(core.calls.divert(call.id, external, bobLine), /cannot go from connected to null/);
    await core.calls.clear(call.id);
    await take();
  });

  test('a call with no user of the tenant in it is published once, without a user', async () => {
    const call = await core.calls.originate(tenantId, { from: external, to: { dialled: '+4930123' } });
    assert.deepEqual(call.called, { number: '+4930123' });
    await core.calls.clear(call.id);
    await settle();
    assert.deepEqual(
      seen.map((e) => [e.type, e.userId]),
      [
        ['call.originated', undefined],
        ['call.cleared', undefined],
      ],
    );
    await take();
  });

  test('a throwing line watcher is logged; the others still get the change', async () => {
    const got: string[] = [];
    const stops = [
      core.calls.watchLine(tenantId, 'line-b', () => {
        throw new Error('boom');
      }),
      core.calls.watchLine(tenantId, 'line-b', (c) => void got.push(...c.changed.map((d) => d.state))),
    ];
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    await core.calls.clear(call.id);
    for (const stop of stops) stop();
    assert.deepEqual(got, ['early', 'terminated']);
    await take();
  });

  test('illegal steps throw and change nothing', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    await core.calls.deliver(call.id, bob2);
    await assert.rejects(core.calls.hold(call.id, bob1), /cannot go from alerting to held/);
    await assert.rejects(core.calls.retrieve(call.id, alice), /cannot go from initiated to connected/, 'not held');
    await assert.rejects(
      core.calls.hold(call.id, bobLine),
      /live connections/,
      'not one connection: ambiguous or none',
    );
    await assert.rejects(core.calls.clear(call.id, { deviceId: 'nope' }), /no live connection/);
    await assert.rejects(core.calls.deliver(call.id, { display: 'x' }), /names nothing/);
    await core.calls.establish(call.id, bob1);
    await assert.rejects(core.calls.deliver(call.id, bob1), /cannot go from connected to alerting/);
    await assert.rejects(core.calls.fail(call.id, 'busy'), /cannot go from connected to failed/);
    await assert.rejects(core.calls.fail(call.id, 'busy', bob1), /cannot go from connected to failed/);
    assert.deepEqual(states(call.id), ['dev-a:connected', 'dev-b1:connected', 'dev-b2:null'], 'unchanged');
    assert.equal(core.calls.get(tenantId, call.id).version, 5);
    await core.calls.clear(call.id);
    await assert.rejects(core.calls.clear(call.id), { code: 'PARLEY_ERR_NOT_FOUND' });
    await take();
  });

  test('queries are scoped to the tenant: another tenant sees none of its calls', async () => {
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    assert.deepEqual(
      core.calls.ofUser(tenantId, ids.bob as string).map((c) => c.id),
      [call.id],
    );
    assert.deepEqual(
      core.calls.ofLine(tenantId, 'line-b').map((d) => [d.deviceId, d.state, d.direction, d.remote.deviceId]),
      [['dev-b1', 'early', 'recipient', 'dev-a']],
    );
    assert.throws(() => core.calls.get(otherTenantId, call.id), { code: 'PARLEY_ERR_NOT_FOUND' });
    assert.deepEqual(core.calls.ofUser(otherTenantId, ids.bob as string), []);
    assert.deepEqual(core.calls.ofLine(otherTenantId, 'line-b'), []);
    const changes: string[] = [];
    const stop = core.calls.watchLine(otherTenantId, 'line-b', () => void changes.push('other'));
    await core.calls.clear(call.id);
    stop();
    assert.deepEqual(changes, []);
    assert.deepEqual(core.calls.ofUser(tenantId, ids.bob as string), []);
    await take();
  });

  test('a line watch sees each change of its dialogs, cleared ones as terminated', async () => {
    const changes: string[][] = [];
    const stop = core.calls.watchLine(tenantId, 'line-b', (c) =>
      changes.push([...c.changed.map((d) => `${d.deviceId}:${d.state}`), `live ${c.dialogs.length}`]),
    );
    const call = await core.calls.originate(tenantId, { from: alice, to: { dialled: '202', party: bobLine } });
    await core.calls.deliver(call.id, bob1);
    await core.calls.deliver(call.id, bob2);
    await core.calls.establish(call.id, bob1);
    await core.calls.clear(call.id);
    stop();
    assert.deepEqual(changes, [
      ['dev-b1:early', 'live 1'],
      ['dev-b2:early', 'live 2'],
      ['dev-b1:confirmed', 'live 2'],
      ['dev-b2:terminated', 'live 1'],
      ['dev-b1:terminated', 'live 0'],
    ]);
    await take();
  });
});

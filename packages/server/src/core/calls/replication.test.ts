import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { MemoryBus } from '../../platform/bus/memory.js';
import { LocalCluster } from '../../platform/cluster/local.js';
import type { CoreContext } from '../context.js';
import type { EventMap } from '../events.js';
import type { LineState } from '../presence/model.js';
import type { LineChange, Party } from './model.js';
import { CallService } from './service.js';

// Two nodes in one process: one bus between them, each its own cluster identity and call service.

const log = pino({ level: 'silent' });
const now = Date.UTC(2026, 2, 2, 9, 0);
const clock = { now: () => now };
const bus = new MemoryBus<EventMap>(log);

/** The presence line inputs as the calls feed them: `user line` → state and holder. */
type Lines = Map<string, { state: LineState; holder?: string }>;

function node(id: string) {
  const cluster = new LocalCluster(id, clock);
  const lines: Lines = new Map();
  // What the call service uses of a context; the store only for the tenant list of a sync.
  const store = { repos: { tenants: { list: async () => [{ id: 'tenant-1' }] } } };
  const ctx = { bus, cluster, clock, log, store } as unknown as CoreContext;
  const calls = new CallService(ctx, {
    setLineState: async (_t, userId, line, state, o) =>
      void lines.set(`${userId} ${line}`, { state, holder: o?.holder }),
    removeLine: async (_t, userId, line) => void lines.delete(`${userId} ${line}`),
  });
  return { calls, cluster, lines, stop: calls.replicate() };
}

/** Resolves with the first change of a watched line that `match` accepts (bounded, for a busy machine). */
function nextChange(n: ReturnType<typeof node>, tenantId: string, lineId: string, match: (c: LineChange) => boolean) {
  return new Promise<LineChange>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching change of ${lineId}`));
    }, 30_000);
    const stop = n.calls.watchLine(tenantId, lineId, (c) => {
      if (!match(c)) return;
      clearTimeout(timer);
      stop();
      resolve(c);
    });
  });
}
const dialog = (state: string, deviceId: string) => (c: LineChange) =>
  c.changed.some((d) => d.state === state && d.deviceId === deviceId);

describe('calls across two nodes', () => {
  const a = node('a');
  const b = node('b');
  after(async () => {
    a.stop();
    b.stop();
    await bus.close();
  });
  const t = 'tenant-1';
  const alice: Party = { userId: 'alice', lineId: 'la', lineNumber: '201', deviceId: 'da' };
  const bobLine: Party = { userId: 'bob', lineId: 'lb', lineNumber: '202' };
  const bob1: Party = { ...bobLine, deviceId: 'db1' };

  test('a call switched on A is seen on B: queries, a line watch, its end', async () => {
    const ringing = nextChange(b, t, 'lb', dialog('early', 'db1'));
    const call = await a.calls.originate(t, { from: alice, to: { dialled: '202', party: bobLine } });
    await a.calls.deliver(call.id, bob1);
    const seen = await ringing;
    assert.deepEqual(
      seen.dialogs.map((d) => [d.callId, d.state, d.remote.deviceId]),
      [[call.id, 'early', 'da']],
    );
    assert.equal(b.calls.get(t, call.id).version, 2);
    assert.deepEqual(
      b.calls.ofUser(t, 'alice').map((c) => c.id),
      [call.id],
    );
    await assert.rejects(b.calls.establish(call.id, bob1), /is switched by a\./, 'only the owner switches it');

    const confirmed = nextChange(b, t, 'lb', dialog('confirmed', 'db1'));
    await a.calls.establish(call.id, bob1);
    await confirmed;
    const ended = nextChange(b, t, 'lb', dialog('terminated', 'db1'));
    await a.calls.clear(call.id);
    assert.deepEqual((await ended).dialogs, []);
    assert.throws(() => b.calls.get(t, call.id), { code: 'PARLEY_ERR_NOT_FOUND' });
    assert.deepEqual([...a.lines], [], 'A fed the lines and removed them at the end');
    assert.deepEqual([...b.lines], [], 'B fed nothing of a call it does not switch');
  });

  test('late or repeated copies of a call’s events change nothing', async () => {
    const settle = () => new Promise((r) => setImmediate(r));
    const call = await a.calls.originate(t, { from: alice, to: { dialled: '202', party: bobLine } });
    const ringing = nextChange(b, t, 'lb', dialog('early', 'db1'));
    const delivered = await a.calls.deliver(call.id, bob1);
    await ringing;
    const stale = { tenantId: t, call, connectionId: null, cause: null };
    await bus.publish('call.originated', stale);
    await settle();
    assert.equal(b.calls.get(t, call.id).version, 2, 'an older version does not replace a newer one');
    await a.calls.establish(call.id, bob1);
    const ended = nextChange(b, t, 'lb', dialog('terminated', 'db1'));
    await a.calls.clear(call.id);
    await ended;
    await bus.publish('call.delivered', { ...stale, call: delivered });
    await settle();
    assert.throws(() => b.calls.get(t, call.id), { code: 'PARLEY_ERR_NOT_FOUND' }, 'an ended call stays ended');
  });

  test('a node that starts asks for the calls already up and sees them', async () => {
    const talking = nextChange(b, t, 'lb', dialog('confirmed', 'db1'));
    const call = await a.calls.originate(t, { from: alice, to: { dialled: '202', party: bobLine } });
    await a.calls.establish(call.id, bob1);
    await talking;
    const c = node('c');
    assert.deepEqual(c.calls.ofLine(t, 'lb'), [], 'nothing changed since it started');
    const synced = nextChange(c, t, 'lb', dialog('confirmed', 'db1'));
    await c.calls.sync();
    assert.deepEqual(
      (await synced).dialogs.map((d) => [d.callId, d.deviceId, d.state]),
      [[call.id, 'db1', 'confirmed']],
    );
    assert.equal(c.calls.get(t, call.id).version, call.version + 1);
    const ended = nextChange(c, t, 'lb', dialog('terminated', 'db1'));
    await a.calls.clear(call.id);
    await ended;
    c.stop();
  });

  test('a line’s presence is its strongest state over the calls of every node; a dead node’s calls go', async () => {
    const onA = await a.calls.originate(t, { from: alice, to: { dialled: '202', party: bobLine } });
    const talking = nextChange(b, t, 'lb', dialog('confirmed', 'db1'));
    await a.calls.establish(onA.id, bob1);
    await talking;
    assert.deepEqual(a.lines.get('bob 202'), { state: 'connected', holder: a.cluster.instance });

    // A second call for Bob, switched on B, rings while he talks on A's: the line still shows the call.
    const carol: Party = { number: '+4971112345' };
    const onB = await b.calls.originate(t, { from: carol, to: { dialled: '202', party: bobLine } });
    await b.calls.deliver(onB.id, { ...bobLine, deviceId: 'db2' });
    assert.deepEqual(b.lines.get('bob 202'), { state: 'connected', holder: b.cluster.instance });

    // A dies: B drops its call and feeds Bob's and Alice's lines again from what is left.
    const gone = nextChange(b, t, 'lb', dialog('terminated', 'db1'));
    assert.equal(await b.calls.expireNodes([b.cluster.instance]), 1);
    await gone;
    assert.throws(() => b.calls.get(t, onA.id), { code: 'PARLEY_ERR_NOT_FOUND' });
    assert.deepEqual(b.lines.get('bob 202'), { state: 'ringing', holder: b.cluster.instance });
    assert.equal(b.lines.has('alice 201'), false);
    assert.equal(await b.calls.expireNodes([b.cluster.instance]), 0, 'its own calls stay');
    assert.deepEqual(
      b.calls.ofUser(t, 'bob').map((c) => c.id),
      [onB.id],
    );
    await b.calls.clear(onB.id);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { connectNatsBus, NatsBus, subjectToken } from '../../src/platform/bus/nats.js';
import { busContract, type TestEvents } from '../contract/bus.contract.js';
import { requirePeer } from '../support/interop.js';

/** The NATS server of the interop suite; the machine's own unless PARLEY_TEST_NATS says otherwise. */
const natsUrl = process.env.PARLEY_TEST_NATS ?? 'nats://127.0.0.1:4222';

/** Every bus of this run gets its own subject prefix, so runs and tests never see each other's events. */
const run = randomBytes(6).toString('hex');
let buses = 0;
const freshPrefix = () => `parleytest.${run}.b${++buses}`;

/** A logger that counts 'event handler failed' lines (what the contract checks isolation by). */
function countingLogger() {
  let failures = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (JSON.parse(chunk.toString()).msg === 'event handler failed') failures++;
      done();
    },
  });
  return { log: pino({ level: 'error' }, sink), failures: () => failures };
}

async function until(predicate: () => boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const skipped = await requirePeer('NATS', async () => {
  const nc = await connect({ servers: natsUrl, timeout: 2000, reconnect: false });
  await nc.close();
});

if (!skipped) {
  busContract('nats', async () => {
    const { log, failures } = countingLogger();
    const bus = await connectNatsBus<TestEvents>(natsUrl, log, { prefix: freshPrefix(), name: `parley-test-${run}` });
    return { bus, failures };
  });

  describe('NATS bus across nodes', () => {
    const open: NatsBus<TestEvents>[] = [];
    after(async () => {
      await Promise.all(open.map((bus) => bus.close()));
    });

    /** Two buses on separate connections with one prefix: two nodes of one cluster. */
    async function twoNodes() {
      const prefix = freshPrefix();
      const { log } = countingLogger();
      const a = await connectNatsBus<TestEvents>(natsUrl, log, { prefix, name: 'node-a' });
      const b = await connectNatsBus<TestEvents>(natsUrl, log, { prefix, name: 'node-b' });
      open.push(a, b);
      return { a, b, prefix };
    }

    test('an event published on one node reaches a user-scoped subscriber on another', async () => {
      const { a, b } = await twoNodes();
      const seen: Array<{ tenantId: string; userId?: string; n: number }> = [];
      b.subscribe('thing.happened', (e) => void seen.push(e), { userId: 'u1' });
      await b.flush();
      await a.publish('thing.happened', { tenantId: 't1', userId: 'u1', n: 7 });
      await until(() => seen.length === 1);
      assert.deepEqual(seen, [{ tenantId: 't1', userId: 'u1', n: 7 }]);
    });

    test('a node with only a user-scoped subscription is sent only that user’s events', async () => {
      const { a, b, prefix } = await twoNodes();
      // An observer of everything under the prefix, to check the subjects events travel on.
      const observer = await connect({ servers: natsUrl, name: 'observer' });
      const subjects: string[] = [];
      observer.subscribe(`${prefix}.>`, { callback: (_err, msg) => void subjects.push(msg.subject) });
      await observer.flush();

      const mine: number[] = [];
      b.subscribe('thing.happened', (e) => void mine.push(e.n), { userId: 'u1' });
      await b.flush();
      const before = b.connection.stats().inMsgs;

      await a.publish('thing.happened', { tenantId: 't1', userId: 'u2', n: 1 });
      await a.publish('thing.happened', { tenantId: 't1', n: 2 });
      await a.publish('thing.happened', { tenantId: 't2', userId: 'u3', n: 3 });
      await a.publish('other.happened', { tenantId: 't1', n: 4 });
      await a.publish('thing.happened', { tenantId: 't1', userId: 'u1', n: 5 });
      await a.publish('thing.happened', { tenantId: 't1', userId: 'u2', n: 6 });
      // Events from one connection arrive in order, so once the last u1 event is in, nothing else is coming.
      await a.publish('thing.happened', { tenantId: 't1', userId: 'u1', n: 7 });
      await until(() => mine.length === 2 && subjects.length === 7);

      assert.deepEqual(mine, [5, 7]);
      assert.equal(b.connection.stats().inMsgs - before, 2, 'node b was sent only the two u1 events');
      assert.deepEqual(subjects, [
        `${prefix}.ev.thing_2Ehappened.t1.u2`,
        `${prefix}.ev.thing_2Ehappened.t1._`,
        `${prefix}.ev.thing_2Ehappened.t2.u3`,
        `${prefix}.ev.other_2Ehappened.t1._`,
        `${prefix}.ev.thing_2Ehappened.t1.u1`,
        `${prefix}.ev.thing_2Ehappened.t1.u2`,
        `${prefix}.ev.thing_2Ehappened.t1.u1`,
      ]);
      await observer.close();
    });

    test('a tenant-scoped subscriber on another node gets that tenant’s events only', async () => {
      const { a, b } = await twoNodes();
      const mine: number[] = [];
      b.subscribe('thing.happened', (e) => void mine.push(e.n), { tenantId: 't1' });
      await b.flush();
      const before = b.connection.stats().inMsgs;
      await a.publish('thing.happened', { tenantId: 't2', n: 1 });
      await a.publish('thing.happened', { tenantId: 't1', userId: 'u1', n: 2 });
      await a.publish('thing.happened', { tenantId: 't2', userId: 'u1', n: 3 });
      await a.publish('thing.happened', { tenantId: 't1', n: 4 });
      await until(() => mine.length === 2);
      assert.deepEqual(mine, [2, 4]);
      assert.equal(b.connection.stats().inMsgs - before, 2);
    });

    test('local subscriptions with the same routing key share one NATS subscription', async () => {
      const { a, b } = await twoNodes();
      const first: number[] = [];
      const second: number[] = [];
      const offFirst = b.subscribe('thing.happened', (e) => void first.push(e.n), { userId: 'u1' });
      b.subscribe('thing.happened', (e) => void second.push(e.n), { userId: 'u1' });
      await b.flush();
      const before = b.connection.stats().inMsgs;
      await a.publish('thing.happened', { tenantId: 't', userId: 'u1', n: 1 });
      await until(() => first.length === 1 && second.length === 1);
      assert.equal(b.connection.stats().inMsgs - before, 1, 'one message for both local subscribers');
      offFirst();
      await b.flush();
      await a.publish('thing.happened', { tenantId: 't', userId: 'u1', n: 2 });
      await until(() => second.length === 2);
      assert.deepEqual([first, second], [[1], [1, 2]]);
    });

    test('keeps one node’s publish order at a subscriber on another node', async () => {
      const { a, b } = await twoNodes();
      const seen: number[] = [];
      b.subscribe('thing.happened', (e) => void seen.push(e.n), { userId: 'u1' });
      await b.flush();
      const count = 200;
      await Promise.all(
        Array.from({ length: count }, (_, n) => a.publish('thing.happened', { tenantId: 't', userId: 'u1', n })),
      );
      await until(() => seen.length === count);
      assert.deepEqual(
        seen,
        Array.from({ length: count }, (_, i) => i),
      );
    });

    test('ids with NATS subject characters are routed exactly', async () => {
      const { a, b } = await twoNodes();
      const ids = ['a.b', 'a', 'a_2Eb', 'a_b', '*', '>', 'x y', '', '_', '__', 'ü@example.org', 'a.*.>'];
      const seen = new Map<string, number[]>(ids.map((id) => [id, []]));
      for (const id of ids) b.subscribe('thing.happened', (e) => void seen.get(id)?.push(e.n), { userId: id });
      const tenants = new Map<string, number[]>(ids.map((id) => [id, []]));
      for (const id of ids) b.subscribe('thing.happened', (e) => void tenants.get(id)?.push(e.n), { tenantId: id });
      await b.flush();
      for (const [n, id] of ids.entries()) await a.publish('thing.happened', { tenantId: id, userId: id, n });
      await until(() => [...seen.values(), ...tenants.values()].every((got) => got.length >= 1));
      await a.publish('thing.happened', { tenantId: 'sentinel', userId: 'a', n: -1 });
      await until(() => seen.get('a')?.length === 2);
      for (const [n, id] of ids.entries()) {
        assert.deepEqual(seen.get(id), id === 'a' ? [n, -1] : [n], `user ${JSON.stringify(id)}`);
        assert.deepEqual(tenants.get(id), [n], `tenant ${JSON.stringify(id)}`);
      }
    });
  });

  describe('NATS bus subjects', () => {
    test('tokens are valid NATS tokens and distinct for distinct ids', () => {
      const ids = ['', '.', '_', '__', '_2E', 'a.b', 'a_b', 'a_2Eb', '*', '>', ' ', 'x\ty', 'é', 'message.created'];
      const tokens = ids.map(subjectToken);
      for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.equal(new Set(tokens).size, ids.length);
      assert.ok(!tokens.includes('_'), 'no id encodes to the no-user token');
      assert.equal(subjectToken('message.created'), 'message_2Ecreated');
      assert.equal(subjectToken('0b1c6f3e-7d2a-4c4e-9a51-3f0e8f6a2b11'), '0b1c6f3e-7d2a-4c4e-9a51-3f0e8f6a2b11');
    });

    test('rejects a prefix that is not a plain subject', async () => {
      const nc = await connect({ servers: natsUrl });
      const { log } = countingLogger();
      for (const prefix of ['', 'a.', '.a', 'a..b', 'a.*', 'a>', 'a b']) {
        assert.throws(() => new NatsBus(nc, log, { prefix }), /invalid NATS subject prefix/);
      }
      const bus = new NatsBus<TestEvents>(nc, log, { prefix: 'x.y', ownsConnection: false });
      assert.equal(bus.subscriptionSubject('thing.happened', { userId: 'u' }), 'x.y.ev.thing_2Ehappened.*.u');
      await bus.close();
      assert.equal(nc.isClosed(), false, 'a bus that does not own its connection leaves it open');
      await nc.close();
    });
  });
}

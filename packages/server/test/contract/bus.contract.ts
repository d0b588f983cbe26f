import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Bus } from '../../src/platform/bus/bus.js';

export interface TestEvents {
  'thing.happened': { tenantId: string; userId?: string; n: number };
  'other.happened': { tenantId: string; n: number };
}

/** A fresh bus, plus what it logged as handler failures (so isolation can be checked). */
export type BusFactory = () => Promise<{ bus: Bus<TestEvents>; failures: () => number }>;

/** Resolves once `predicate` holds, polling; fails after `ms` (a hang guard, generous for a busy machine). */
async function until(predicate: () => boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The bus contract: the in-process bus passes it now, the NATS bus must pass it unchanged. */
export function busContract(kind: string, open: BusFactory): void {
  describe(`bus contract (${kind})`, () => {
    test('delivers to every subscriber of a type, and only of that type', async () => {
      const { bus } = await open();
      const a: number[] = [];
      const b: number[] = [];
      const other: number[] = [];
      bus.subscribe('thing.happened', (e) => void a.push(e.n));
      bus.subscribe('thing.happened', (e) => void b.push(e.n));
      bus.subscribe('other.happened', (e) => void other.push(e.n));
      await bus.publish('thing.happened', { tenantId: 't', n: 1 });
      await until(() => a.length === 1 && b.length === 1);
      assert.deepEqual([a, b, other], [[1], [1], []]);
      await bus.close();
    });

    test('keeps publish order per subscription, even with a slow handler', async () => {
      const { bus } = await open();
      const seen: number[] = [];
      bus.subscribe('thing.happened', async (e) => {
        if (e.n % 3 === 0) await new Promise((r) => setTimeout(r, 5));
        seen.push(e.n);
      });
      for (let n = 0; n < 30; n++) await bus.publish('thing.happened', { tenantId: 't', n });
      await until(() => seen.length === 30);
      assert.deepEqual(
        seen,
        Array.from({ length: 30 }, (_, i) => i),
      );
      await bus.close();
    });

    test('a userId subscription sees only events about that user', async () => {
      const { bus } = await open();
      const mine: number[] = [];
      const all: number[] = [];
      bus.subscribe('thing.happened', (e) => void mine.push(e.n), { userId: 'u1' });
      bus.subscribe('thing.happened', (e) => void all.push(e.n));
      await bus.publish('thing.happened', { tenantId: 't', userId: 'u2', n: 1 });
      await bus.publish('thing.happened', { tenantId: 't', userId: 'u1', n: 2 });
      await bus.publish('thing.happened', { tenantId: 't', n: 3 });
      await until(() => all.length === 3);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(mine, [2]);
      await bus.close();
    });

    test('a tenantId subscription sees only events of that tenant', async () => {
      const { bus } = await open();
      const mine: number[] = [];
      const all: number[] = [];
      bus.subscribe('thing.happened', (e) => void mine.push(e.n), { tenantId: 't1' });
      bus.subscribe('thing.happened', (e) => void all.push(e.n));
      await bus.publish('thing.happened', { tenantId: 't2', n: 1 });
      await bus.publish('thing.happened', { tenantId: 't1', userId: 'u1', n: 2 });
      await bus.publish('thing.happened', { tenantId: 't1', n: 3 });
      await until(() => all.length === 3 && mine.length === 2);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(mine, [2, 3]);
      await bus.close();
    });

    test('a throwing or rejecting handler is isolated and reported', async () => {
      const { bus, failures } = await open();
      const seen: number[] = [];
      bus.subscribe('thing.happened', () => {
        throw new Error('sync failure');
      });
      bus.subscribe('thing.happened', async () => {
        throw new Error('async failure');
      });
      bus.subscribe('thing.happened', (e) => void seen.push(e.n));
      await bus.publish('thing.happened', { tenantId: 't', n: 1 });
      await bus.publish('thing.happened', { tenantId: 't', n: 2 });
      await until(() => seen.length === 2 && failures() === 4);
      assert.deepEqual(seen, [1, 2]);
      await bus.close();
    });

    test('unsubscribe stops delivery', async () => {
      const { bus } = await open();
      const seen: number[] = [];
      const off = bus.subscribe('thing.happened', (e) => void seen.push(e.n));
      await bus.publish('thing.happened', { tenantId: 't', n: 1 });
      await until(() => seen.length === 1);
      off();
      await bus.publish('thing.happened', { tenantId: 't', n: 2 });
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(seen, [1]);
      await bus.close();
    });

    test('close drains pending deliveries, then refuses publishes', async () => {
      const { bus } = await open();
      const seen: number[] = [];
      bus.subscribe('thing.happened', async (e) => {
        await new Promise((r) => setTimeout(r, 10));
        seen.push(e.n);
      });
      await bus.publish('thing.happened', { tenantId: 't', n: 1 });
      await bus.close();
      assert.deepEqual(seen, [1]);
      await assert.rejects(bus.publish('thing.happened', { tenantId: 't', n: 2 }));
    });
  });
}

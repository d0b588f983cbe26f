import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { CallBackRequest } from '../../src/core/callbacks/model.js';
import type { Line } from '../../src/core/lines/model.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The call-backs repository on every engine: tenant scoping, expiry, one claim in the cluster. */
export function callBacksStoreContract(engine: string, open: StoreFactory): void {
  describe(`call-backs store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    const lines: Record<'alice' | 'bob' | 'eve' | 'eve2', Line> = {} as never;
    before(async () => {
      s = await seededStore(open, ['cb-a.test', 'cb-b.test']);
      for (const [name, tenantId, userId, number] of [
        ['alice', s.a.id, s.alice.id, '201'],
        ['bob', s.a.id, s.bob.id, '202'],
        ['eve', s.b.id, s.eve.id, '201'],
        ['eve2', s.b.id, s.eve.id, '202'],
      ] as const) {
        lines[name] = { id: randomUUID(), tenantId, userId, number, did: null, pickupGroup: null, createdAt: T0 };
        await s.store.repos.lines.insert(lines[name]);
      }
    });
    after(() => s.close());

    const request = (from: Line, to: Line, o: Partial<CallBackRequest> = {}): CallBackRequest => ({
      id: randomUUID(),
      tenantId: from.tenantId,
      userId: from.userId,
      fromLineId: from.id,
      fromNumber: from.number,
      targetLineId: to.id,
      targetNumber: to.number,
      targetUserId: to.userId,
      mode: 'busy',
      activeSeen: false,
      createdAt: T0,
      expiresAt: T0 + 1000,
      claimedBy: null,
      claimedAt: null,
      ...o,
    });

    test('a user’s requests by tenant; pending and expired over every tenant; one claim wins until it is stale', async () => {
      const repo = s.store.repos.callBacks;
      const mine = request(lines.alice, lines.bob);
      const later = request(lines.alice, lines.bob, { createdAt: T0 + 1, expiresAt: T0 + 5000, mode: 'noAnswer' });
      const theirs = request(lines.eve, lines.eve2, { expiresAt: T0 + 500 });
      for (const r of [later, mine, theirs]) await repo.insert(r);
      assert.deepEqual(await repo.ofUser(s.a.id, s.alice.id), [mine, later]);
      assert.deepEqual(await repo.ofUser(s.b.id, s.alice.id), []);
      assert.equal(await repo.get(s.b.id, mine.id), undefined);
      assert.deepEqual(
        (await repo.pending(T0 + 600)).map((r) => r.id),
        [mine.id, later.id],
      );
      assert.deepEqual(
        (await repo.expired(T0 + 600)).map((r) => r.id),
        [theirs.id],
      );

      assert.equal(await repo.claim(s.a.id, mine.id, 'node-a', T0 + 10, T0 - 60_000), true);
      assert.equal(await repo.claim(s.a.id, mine.id, 'node-b', T0 + 11, T0 + 11 - 60_000), false, 'held');
      assert.equal(await repo.claim(s.b.id, later.id, 'node-b', T0 + 11, T0), false, 'not across tenants');
      assert.equal(await repo.claim(s.a.id, mine.id, 'node-b', T0 + 70_000, T0 + 10_000), true, 'stale: taken over');
      assert.deepEqual(
        { ...(await repo.get(s.a.id, mine.id)) },
        { ...mine, claimedBy: 'node-b', claimedAt: T0 + 70_000 },
      );
      await repo.markActive(s.a.id, later.id);
      assert.equal((await repo.get(s.a.id, later.id))?.activeSeen, true);

      assert.equal(await repo.delete(s.b.id, mine.id), false);
      assert.equal(await repo.delete(s.a.id, mine.id), true);
      assert.equal(await repo.delete(s.a.id, mine.id), false, 'only one remover reports it');
    });

    test('a removed line takes its call-backs along', async () => {
      const r = request(lines.eve2, lines.eve);
      await s.store.repos.callBacks.insert(r);
      assert.equal(await s.store.repos.lines.delete(s.b.id, lines.eve.id), true);
      assert.equal(await s.store.repos.callBacks.get(s.b.id, r.id), undefined);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The push registrations repository on every engine: upsert by service and node, removal, tenant scoping. */
export function pushStoreContract(engine: string, open: StoreFactory): void {
  describe(`push store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    before(async () => {
      s = await seededStore(open, ['push-a.test', 'push-b.test']);
    });
    after(() => s.close());

    test('registering again replaces the options; removal by node or by service; other tenants see nothing', async () => {
      const repo = s.store.repos.push;
      const base = { tenantId: s.a.id, userId: s.alice.id, service: 'push.example.net', createdAt: T0 };
      await repo.upsert({ ...base, node: 'n1', options: { secret: 'a' }, updatedAt: T0 });
      await repo.upsert({ ...base, node: 'n2', options: {}, createdAt: T0 + 1, updatedAt: T0 + 1 });
      await repo.upsert({ ...base, node: 'n1', options: { secret: 'b' }, updatedAt: T0 + 2 });
      const list = await repo.list(s.a.id, s.alice.id);
      assert.deepEqual(
        list.map((r) => [r.node, r.options, r.createdAt, r.updatedAt]),
        [
          ['n1', { secret: 'b' }, T0, T0 + 2],
          ['n2', {}, T0 + 1, T0 + 1],
        ],
      );
      assert.deepEqual(await repo.list(s.b.id, s.alice.id), []);
      assert.deepEqual(await repo.list(s.a.id, s.bob.id), []);
      assert.equal(await repo.remove(s.b.id, s.alice.id, 'push.example.net'), 0);
      assert.equal(await repo.remove(s.a.id, s.alice.id, 'push.example.net', 'n2'), 1);
      assert.equal(await repo.remove(s.a.id, s.alice.id, 'push.example.net'), 1);
      assert.deepEqual(await repo.list(s.a.id, s.alice.id), []);
    });
  });
}

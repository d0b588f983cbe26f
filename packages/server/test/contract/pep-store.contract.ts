import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PepNodeConfig } from '../../src/core/pep/model.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;
const CONFIG: PepNodeConfig = { access: 'presence', maxItems: 2, sendLast: 'never' };

/** The PEP repository on every engine: nodes, items in publication order, trimming, sizes, tenant scoping. */
export function pepStoreContract(engine: string, open: StoreFactory): void {
  describe(`pep store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    before(async () => {
      s = await seededStore(open, ['pep-a.test', 'pep-b.test']);
    });
    after(() => s.close());

    test('items newest first, replaced by id, trimmed to the newest; sizes; removal; other tenants see nothing', async () => {
      const repo = s.store.repos.pep;
      const [t, u] = [s.a.id, s.alice.id];
      await repo.putNode(t, u, { node: 'n', config: CONFIG, seq: 0 }, T0);
      let seq = 0;
      for (const id of ['a', 'b', 'c', 'a']) {
        seq++;
        await repo.putItem(t, u, 'n', { id, payload: `<x>${id}${seq}</x>`, publishedAt: T0 + seq }, seq);
      }
      await repo.putNode(t, u, { node: 'n', config: { ...CONFIG, access: 'open' }, seq }, T0 + 9);
      assert.deepEqual(await repo.node(t, u, 'n'), { node: 'n', config: { ...CONFIG, access: 'open' }, seq: 4 });
      const all = await repo.items(t, u, 'n', { limit: 10 });
      assert.deepEqual(
        all.map((i) => [i.id, i.payload, i.publishedAt]),
        [
          ['a', '<x>a4</x>', T0 + 4],
          ['c', '<x>c3</x>', T0 + 3],
          ['b', '<x>b2</x>', T0 + 2],
        ],
      );
      assert.deepEqual(
        (await repo.items(t, u, 'n', { ids: ['b', 'zz'], limit: 10 })).map((i) => i.id),
        ['b'],
      );
      assert.equal(await repo.bytes(t, u, { node: 'n', itemId: 'a' }), '<x>c3</x>'.length * 2);
      await repo.trim(t, u, 'n', 2);
      assert.deepEqual(
        (await repo.items(t, u, 'n', { limit: 10 })).map((i) => i.id),
        ['a', 'c'],
      );
      assert.deepEqual(await repo.items(s.b.id, u, 'n', { limit: 10 }), [], 'scoped to the tenant');
      assert.deepEqual(await repo.nodes(t, s.bob.id), []);
      assert.deepEqual(await repo.removeItems(t, u, 'n', ['c', 'zz']), ['c']);
      await repo.purge(t, u, 'n');
      assert.deepEqual(await repo.items(t, u, 'n', { limit: 10 }), []);
      assert.equal(await repo.removeNode(t, u, 'n'), true);
      assert.equal(await repo.removeNode(t, u, 'n'), false);
      assert.deepEqual(await repo.nodes(t, u), []);
    });
  });
}

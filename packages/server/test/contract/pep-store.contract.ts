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

    test('the last item of each node that sends it on presence, newest first, of one tenant', async () => {
      const repo = s.store.repos.pep;
      const [t, alice, bob] = [s.a.id, s.alice.id, s.bob.id];
      const onPresence: PepNodeConfig = { ...CONFIG, maxItems: 5, sendLast: 'on_sub_and_presence' };
      await repo.putNode(t, alice, { node: 'nick', config: onPresence, seq: 2 }, T0);
      await repo.putItem(t, alice, 'nick', { id: 'one', payload: '<nick>A</nick>', publishedAt: T0 + 1 }, 1);
      await repo.putItem(t, alice, 'nick', { id: 'two', payload: '<nick>Al</nick>', publishedAt: T0 + 2 }, 2);
      await repo.putNode(t, bob, { node: 'nick', config: onPresence, seq: 1 }, T0);
      await repo.putItem(t, bob, 'nick', { id: 'b', payload: '<nick>B</nick>', publishedAt: T0 + 3 }, 1);
      await repo.putNode(t, bob, { node: 'private', config: CONFIG, seq: 1 }, T0);
      await repo.putItem(t, bob, 'private', { id: 'p', payload: '<p/>', publishedAt: T0 + 4 }, 1);
      const last = await repo.lastItems(t, ['nick', 'private', 'other'], 10);
      assert.deepEqual(
        last.map((l) => [l.userId, l.node, l.item.id, l.item.payload]),
        [
          [bob, 'nick', 'b', '<nick>B</nick>'],
          [alice, 'nick', 'two', '<nick>Al</nick>'],
        ],
        "the private node's configuration never sends its last item",
      );
      // The newest left once the newest is retracted.
      await repo.removeItems(t, alice, 'nick', ['two']);
      assert.deepEqual(
        (await repo.lastItems(t, ['nick'], 1)).map((l) => l.item.id),
        ['b'],
      );
      assert.deepEqual(
        (await repo.lastItems(t, ['nick'], 10)).map((l) => l.item.id),
        ['b', 'one'],
      );
      assert.deepEqual(await repo.lastItems(s.b.id, ['nick'], 10), [], 'scoped to the tenant');
    });
  });
}

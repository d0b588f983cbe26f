import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/core/store.js';
import type { Tenant } from '../../src/core/tenants/model.js';
import type { User } from '../../src/core/users/model.js';
import type { ColleaguePosition } from '../../src/core/users/repository.js';
import { type StoreFactory, seededStore, userFixture } from './store.contract.js';

const T0 = 1_790_000_000_000;

/**
 * The colleague list (users by folded name, word-prefix search, keyset pages) and the favourites
 * repository, run on every store engine: both must sort and match alike.
 */
export function contactsStoreContract(engine: string, open: StoreFactory): void {
  describe(`contacts store contract (${engine})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let a: Tenant;
    let b: Tenant;
    let alice: User;
    let bob: User;
    let carol: User;
    let eve: User;
    const named: Record<string, User> = {};

    before(async () => {
      ({ store, close, a, b, alice, bob, carol, eve } = await seededStore(open, ['ka.test', 'kb.test']));
      // Names whose order differs between a locale-aware collation and byte order, accents, case.
      const people: [string, string][] = [
        ['alzed', 'Al Zed'],
        ['ala', 'Ala'],
        ['emile', 'Émile Bernard'],
        ['zoe', 'zoë'],
        ['sam1', 'Sam Same'],
        ['sam2', 'Sam Same'],
        ['under_score', 'Ulla Under'],
        ['off', 'Anna Off'],
      ];
      for (const [local, displayName] of people) {
        const u = userFixture(a.id, local, 'ka.test', {
          displayName,
          ...(local === 'off' && { disabledAt: T0 }),
        });
        await store.repos.users.insert(u);
        named[local] = u;
      }
    });
    after(() => close());

    const list = async (q?: string) =>
      (await store.repos.users.colleagues(a.id, { limit: 100, ...(q !== undefined && { q }) })).users.map(
        (u) => u.local,
      );

    test('colleagues: enabled users of the tenant by folded name (byte order), ties by id', async () => {
      const sams = [named.sam1, named.sam2].map((u) => u?.id as string).sort();
      const samLocals = sams.map((id) => (id === named.sam1?.id ? 'sam1' : 'sam2'));
      assert.deepEqual(await list(), [
        'alzed', // "al zed": the space sorts before any letter
        'ala',
        'alice',
        'bob',
        'carol',
        'emile', // "emile bernard"
        ...samLocals,
        'under_score',
        'zoe',
      ]);
      assert.deepEqual(
        (await store.repos.users.colleagues(b.id, { limit: 100 })).users.map((u) => u.id),
        [eve.id],
        'only the tenant asked for',
      );
    });

    test('colleagues: keyset pages cover the list once, in order', async () => {
      const all = await list();
      const seen: string[] = [];
      let after: ColleaguePosition | undefined;
      for (let i = 0; i < 20; i++) {
        const { users, next } = await store.repos.users.colleagues(a.id, { limit: 3, ...(after && { after }) });
        seen.push(...users.map((u) => u.local));
        if (!next) break;
        after = next;
      }
      assert.deepEqual(seen, all);
      const last = await store.repos.users.colleagues(a.id, { limit: all.length });
      assert.equal(last.next, null, 'no position after the last page');
    });

    test('colleagues: q matches word prefixes (accents and case folded) or the address', async () => {
      assert.deepEqual(await list('ZE'), ['alzed']);
      assert.deepEqual(await list('al'), ['alzed', 'ala', 'alice']);
      assert.deepEqual(await list('al z'), ['alzed']);
      assert.deepEqual(await list('bern'), ['emile']);
      assert.deepEqual(await list('ÉMI'), ['emile']);
      assert.deepEqual(await list('zoe'), ['zoe']);
      assert.deepEqual(await list('under_'), ['under_score']);
      assert.deepEqual(await list('u_d'), [], '_ is no wildcard');
      assert.deepEqual(await list('%'), [], '% is no wildcard');
      assert.deepEqual(await list('bob@ka'), ['bob']);
      assert.deepEqual(await list('bob@kb'), []);
      assert.deepEqual(await list('eve'), [], 'not another tenant');
      assert.deepEqual(await list('off'), [], 'not a disabled user');
      assert.deepEqual(await list('anna'), []);
    });

    test('colleagues: no system administrator (they run the installation)', async () => {
      const root = userFixture(a.id, 'root', 'ka.test', { displayName: 'Aaron Root', role: 'system-admin' });
      await store.repos.users.insert(root);
      try {
        assert.ok(!(await list()).includes('root'));
        assert.deepEqual(await list('root'), []);
      } finally {
        await store.repos.users.delete(a.id, root.id);
      }
    });

    test('colleagues: a rename moves the user in the order', async () => {
      assert.ok(await store.repos.users.update(a.id, carol.id, { displayName: 'Aaron Carol' }, T0 + 1));
      assert.equal((await list())[0], 'carol');
      assert.deepEqual(await list('aar'), ['carol']);
      assert.ok(await store.repos.users.update(a.id, carol.id, { displayName: 'carol' }, T0 + 2));
      assert.deepEqual(await list('aar'), []);
    });

    test('users by ids and by addresses, scoped by tenant', async () => {
      const byIds = await store.repos.users.byIds(a.id, [alice.id, bob.id, eve.id, 'nobody']);
      assert.deepEqual(byIds.map((u) => u.local).sort(), ['alice', 'bob']);
      assert.deepEqual(await store.repos.users.byIds(a.id, []), []);
      const byAddresses = await store.repos.users.byAddresses(a.id, ['alice@ka.test', 'eve@kb.test', 'x@ka.test']);
      assert.deepEqual(
        byAddresses.map((u) => u.local),
        ['alice'],
      );
      assert.deepEqual(await store.repos.users.byAddresses(b.id, ['alice@ka.test']), []);
    });

    test('favourites: replaced as a whole, in order, scoped by tenant', async () => {
      const f = store.repos.favourites;
      assert.deepEqual(await f.list(a.id, alice.id), []);
      await f.replace(a.id, alice.id, [carol.id, bob.id]);
      assert.deepEqual(await f.list(a.id, alice.id), [carol.id, bob.id]);
      await f.replace(a.id, alice.id, [bob.id, named.zoe?.id as string, carol.id]);
      assert.deepEqual(await f.list(a.id, alice.id), [bob.id, named.zoe?.id, carol.id]);
      await f.replace(a.id, alice.id, [carol.id]);
      assert.deepEqual(await f.list(a.id, alice.id), [carol.id]);
      assert.deepEqual(await f.list(b.id, alice.id), [], 'another tenant sees nothing');
      await f.replace(b.id, alice.id, []);
      assert.deepEqual(await f.list(a.id, alice.id), [carol.id], 'nor removes anything');
      await f.replace(a.id, alice.id, []);
      assert.deepEqual(await f.list(a.id, alice.id), []);
    });

    test('favourites: replacements racing each other end with one of the lists', async () => {
      const f = store.repos.favourites;
      const one = [bob.id, carol.id, named.ala?.id as string];
      const two = [named.zoe?.id as string, bob.id];
      for (let i = 0; i < 5; i++) {
        await Promise.all([
          store.transaction((r) => r.favourites.replace(a.id, bob.id, one)),
          store.transaction((r) => r.favourites.replace(a.id, bob.id, two)),
        ]);
        const got = await f.list(a.id, bob.id);
        assert.ok(
          JSON.stringify(got) === JSON.stringify(one) || JSON.stringify(got) === JSON.stringify(two),
          JSON.stringify(got),
        );
      }
    });

    test("favourites: removing a user removes their list and their place in others' lists", async () => {
      const f = store.repos.favourites;
      const zoe = named.zoe as User;
      const ala = named.ala as User;
      await f.replace(a.id, alice.id, [zoe.id, ala.id, bob.id]);
      await f.replace(a.id, zoe.id, [alice.id]);
      assert.ok(await store.repos.users.delete(a.id, zoe.id));
      assert.deepEqual(await f.list(a.id, alice.id), [ala.id, bob.id], "zoe is gone from alice's favourites");
      assert.deepEqual(await f.list(a.id, zoe.id), [], "zoe's own list is gone");
      await f.replace(b.id, eve.id, []);
      assert.ok(await store.repos.tenants.delete(a.id));
      assert.deepEqual(await f.list(a.id, alice.id), []);
    });
  });
}

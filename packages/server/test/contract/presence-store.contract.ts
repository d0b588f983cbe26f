import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/core/store.js';
import type { Tenant } from '../../src/core/tenants/model.js';
import type { User } from '../../src/core/users/model.js';
import { isUniqueViolation } from '../../src/platform/store/errors.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The presence repository's contract (inputs, teams, blocks), run on every store engine. */
export function presenceStoreContract(engine: string, open: StoreFactory): void {
  describe(`presence store contract (${engine})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let a: Tenant;
    let b: Tenant;
    let alice: User;
    let bob: User;
    let eve: User;

    before(async () => {
      ({ store, close, a, b, alice, bob, eve } = await seededStore(open, ['pa.test', 'pb.test']));
    });
    after(() => close());

    test('inputs: upsert per source and key, JSON values, ordered', async () => {
      const p = store.repos.presence;
      await p.putInput(
        a.id,
        alice.id,
        { source: 'line', key: '201', value: { state: 'ringing' }, expiresAt: null },
        T0,
      );
      await p.putInput(
        a.id,
        alice.id,
        { source: 'manual', key: '', value: { availability: 'dnd' }, expiresAt: null },
        T0,
      );
      await p.putInput(
        a.id,
        alice.id,
        { source: 'line', key: '201', value: { state: 'connected' }, expiresAt: T0 + 1000 },
        T0 + 5,
      );
      assert.deepEqual(await p.inputs(a.id, alice.id, T0 + 10), [
        {
          source: 'line',
          key: '201',
          value: { state: 'connected' },
          expiresAt: T0 + 1000,
          updatedAt: T0 + 5,
          holder: null,
        },
        { source: 'manual', key: '', value: { availability: 'dnd' }, expiresAt: null, updatedAt: T0, holder: null },
      ]);
    });

    test('inputs: expired ones are not returned, touch extends, dropExpired removes', async () => {
      const p = store.repos.presence;
      await p.putInput(a.id, bob.id, { source: 'client', key: 's1', value: { idle: false }, expiresAt: T0 + 100 }, T0);
      await p.putInput(a.id, bob.id, { source: 'client', key: 's2', value: { idle: true }, expiresAt: T0 + 100 }, T0);
      assert.equal((await p.inputs(a.id, bob.id, T0 + 100)).length, 0);
      assert.equal(await p.touchInput(a.id, bob.id, 'client', 's1', T0 + 500, T0 + 99), true);
      assert.equal(await p.touchInput(a.id, bob.id, 'client', 's2', T0 + 500, T0 + 100), false, 'expired');
      assert.equal(await p.touchInput(a.id, bob.id, 'client', 'nope', T0 + 500, T0), false);
      assert.deepEqual(
        (await p.inputs(a.id, bob.id, T0 + 200)).map((i) => i.key),
        ['s1'],
      );
      assert.deepEqual(await p.dropExpired(T0 + 200), [{ tenantId: a.id, userId: bob.id }]);
      assert.deepEqual(await p.dropExpired(T0 + 200), []);
      assert.deepEqual(
        (await p.inputs(a.id, bob.id, 0)).map((i) => i.key),
        ['s1'],
      );
    });

    test('inputs: delete one key or a whole source; users without computed state', async () => {
      const p = store.repos.presence;
      await p.putInput(a.id, bob.id, { source: 'line', key: 'x', value: 1, expiresAt: null }, T0);
      await p.putInput(a.id, bob.id, { source: 'line', key: 'y', value: 2, expiresAt: null }, T0);
      assert.deepEqual((await p.usersWithoutState(a.id)).sort(), [alice.id, bob.id].sort());
      assert.equal(await p.casState(a.id, alice.id, undefined, { presence: { x: 1 }, due: null }, T0), true);
      assert.deepEqual(await p.usersWithoutState(a.id), [bob.id]);
      assert.equal(await p.deleteInput(a.id, bob.id, 'line', 'x'), 1);
      assert.equal(await p.deleteInput(a.id, bob.id, 'line'), 1);
      assert.equal(await p.deleteInput(a.id, bob.id, 'client'), 1);
      assert.deepEqual(await p.usersWithoutState(a.id), []);
    });

    test('state: compare-and-set on the version; due users across tenants', async () => {
      const p = store.repos.presence;
      const s0 = await p.state(a.id, alice.id);
      assert.ok(s0, 'written by the previous test');
      assert.equal(await p.casState(a.id, alice.id, undefined, { presence: { x: 9 }, due: null }, T0), false);
      assert.equal(await p.casState(a.id, alice.id, s0.version, { presence: { x: 2 }, due: T0 + 50 }, T0), true);
      assert.equal(await p.casState(a.id, alice.id, s0.version, { presence: { x: 3 }, due: null }, T0), false, 'stale');
      assert.deepEqual(await p.state(a.id, alice.id), { presence: { x: 2 }, due: T0 + 50, version: s0.version + 1 });
      assert.equal(await p.state(b.id, alice.id), undefined, 'scoped by tenant');
      assert.equal(await p.casState(b.id, alice.id, s0.version + 1, { presence: {}, due: null }, T0), false);
      assert.deepEqual(await p.due(T0 + 49, 10), []);
      assert.deepEqual(await p.due(T0 + 50, 10), [{ tenantId: a.id, userId: alice.id }]);
    });

    test('inputs: the client inputs of node instances that are gone expire together', async () => {
      const p = store.repos.presence;
      const client = (key: string, holder: string | null) => ({
        source: 'client' as const,
        key,
        value: {},
        expiresAt: T0 + 9e9,
        holder,
      });
      await p.putInput(a.id, bob.id, client('n1-c1', 'n1.aaaa'), T0);
      await p.putInput(a.id, bob.id, client('n2-c1', 'n2.bbbb'), T0);
      await p.putInput(a.id, alice.id, client('n2-c2', 'n2.bbbb'), T0);
      await p.putInput(a.id, alice.id, client('rest', null), T0);
      assert.deepEqual(await p.expireHolders(['n1.aaaa', 'n2.bbbb']), []);
      const gone = await p.expireHolders(['n1.aaaa']);
      assert.deepEqual(gone.map((u) => u.userId).sort(), [alice.id, bob.id].sort());
      const keys = async (userId: string) =>
        (await p.inputs(a.id, userId, T0)).filter((i) => i.source === 'client').map((i) => `${i.key}@${i.holder}`);
      assert.deepEqual(await keys(bob.id), ['n1-c1@n1.aaaa']);
      assert.deepEqual(await keys(alice.id), ['rest@null'], 'inputs without a holder expire by time only');
      for (const key of ['n1-c1', 'rest']) await p.deleteInput(a.id, key === 'rest' ? alice.id : bob.id, 'client', key);
    });

    test('inputs: scoped by tenant', async () => {
      const p = store.repos.presence;
      assert.deepEqual(await p.inputs(b.id, alice.id, T0), []);
      assert.equal(await p.deleteInput(b.id, alice.id, 'manual'), 0);
      assert.equal(await p.touchInput(b.id, alice.id, 'line', '201', T0 + 9999, T0), false);
      assert.deepEqual(await p.usersWithoutState(b.id), []);
      assert.equal((await p.inputs(a.id, alice.id, T0)).length, 2);
    });

    test('teams: create with members, list, add/remove, names unique per tenant', async () => {
      const p = store.repos.presence;
      const team = { id: randomUUID(), tenantId: a.id, name: 'Sales', createdAt: T0, members: [alice.id] };
      await p.insertTeam(team);
      await p.addMember(a.id, team.id, bob.id);
      await p.addMember(a.id, team.id, bob.id);
      assert.deepEqual((await p.teams(a.id, team.id))[0]?.members.sort(), [alice.id, bob.id].sort());
      assert.deepEqual((await p.memberships(a.id)).length, 2);
      assert.equal(await p.removeMember(a.id, team.id, alice.id), true);
      assert.equal(await p.removeMember(a.id, team.id, alice.id), false);
      await assert.rejects(p.insertTeam({ ...team, id: randomUUID(), members: [] }), (err) => isUniqueViolation(err));
      // The same name in another tenant is fine.
      await p.insertTeam({ ...team, id: randomUUID(), tenantId: b.id, members: [eve.id] });
      assert.deepEqual(
        (await p.teams(a.id)).map((t) => t.name),
        ['Sales'],
      );
      assert.deepEqual(await p.teams(b.id, team.id), []);
      assert.equal(await p.deleteTeam(b.id, team.id), false);
      assert.equal(await p.deleteTeam(a.id, team.id), true);
      assert.deepEqual(await p.memberships(a.id), []);
    });

    test('blocks: block once, list per user or tenant, unblock, scoped', async () => {
      const p = store.repos.presence;
      await p.block(a.id, alice.id, 'bob@pa.test', T0);
      await p.block(a.id, alice.id, 'bob@pa.test', T0);
      await p.block(a.id, alice.id, 'x@elsewhere.test', T0);
      assert.deepEqual(await p.blocks(a.id, alice.id), [
        { userId: alice.id, watcher: 'bob@pa.test' },
        { userId: alice.id, watcher: 'x@elsewhere.test' },
      ]);
      assert.deepEqual(await p.blocks(b.id), []);
      assert.equal(await p.unblock(b.id, alice.id, 'bob@pa.test'), false);
      assert.equal(await p.unblock(a.id, alice.id, 'bob@pa.test'), true);
      assert.equal((await p.blocks(a.id)).length, 1);
    });

    test('deleting a user removes their inputs, memberships and blocks', async () => {
      const p = store.repos.presence;
      const team = { id: randomUUID(), tenantId: a.id, name: 'Ops', createdAt: T0, members: [alice.id, bob.id] };
      await p.insertTeam(team);
      await store.repos.users.delete(a.id, alice.id);
      assert.deepEqual(await p.inputs(a.id, alice.id, T0), []);
      assert.deepEqual(await p.blocks(a.id, alice.id), []);
      assert.deepEqual((await p.teams(a.id, team.id))[0]?.members, [bob.id]);
    });
  });
}

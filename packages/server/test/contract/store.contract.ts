import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/core/store.js';
import type { Tenant } from '../../src/core/tenants/model.js';
import type { DerivedCredentials } from '../../src/core/users/credentials.js';
import type { User } from '../../src/core/users/model.js';
import { isUniqueViolation } from '../../src/platform/store/errors.js';

/** Opens a fresh, migrated, empty store; `close` also removes whatever it created. */
export type StoreFactory = () => Promise<{ store: Store; close: () => Promise<void> }>;

const T0 = 1_790_000_000_000;

export const tenantFixture = (domain: string, extra: Partial<Tenant> = {}): Tenant => ({
  id: randomUUID(),
  name: domain,
  domains: [domain],
  country: 'DE',
  areaCode: '711',
  numbering: null,
  createdAt: T0,
  ...extra,
});

export const userFixture = (tenantId: string, local: string, domain: string, extra: Partial<User> = {}): User => ({
  id: randomUUID(),
  tenantId,
  local,
  domain,
  displayName: local,
  email: null,
  numbers: [],
  role: 'user',
  disabledAt: null,
  createdAt: T0,
  updatedAt: T0,
  ...extra,
});

const scramKeys = (tag: string) => ({
  salt: 'c2FsdA==',
  iterations: 4096,
  storedKey: `stored-${tag}`,
  serverKey: `server-${tag}`,
});
const creds = (tag: string): DerivedCredentials => ({
  passwordHash: `$scrypt$1024$8$1$salt$${tag}`,
  scram: scramKeys(tag),
  scramSha1: scramKeys(`sha1-${tag}`),
});

/**
 * A fresh store with tenant `a` (alice, bob, carol) and tenant `b` (eve): the starting point of the
 * capability suites.
 */
export async function seededStore(open: StoreFactory, domains: [string, string]) {
  const { store, close } = await open();
  const a = tenantFixture(domains[0]);
  const b = tenantFixture(domains[1]);
  await store.repos.tenants.insert(a);
  await store.repos.tenants.insert(b);
  const alice = userFixture(a.id, 'alice', domains[0]);
  const bob = userFixture(a.id, 'bob', domains[0]);
  const carol = userFixture(a.id, 'carol', domains[0]);
  const eve = userFixture(b.id, 'eve', domains[1]);
  for (const u of [alice, bob, carol, eve]) await store.repos.users.insert(u);
  return { store, close, a, b, alice, bob, carol, eve };
}

/**
 * The repository contract: every engine behind the store must pass it unchanged (SQLite in
 * `npm test`, PostgreSQL in the interop run).
 */
export function storeContract(engine: string, open: StoreFactory): void {
  describe(`store contract (${engine})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let a: Tenant;
    let b: Tenant;

    before(async () => {
      ({ store, close } = await open());
      a = tenantFixture('a.test');
      b = tenantFixture('b.test', { createdAt: T0 + 1 });
      await store.repos.tenants.insert(a);
      await store.repos.tenants.insert(b);
    });
    after(() => close());

    test('migrations are idempotent', async () => {
      assert.deepEqual(await store.migrate(), []);
    });

    test('tenants: insert, get, list, byDomain, count', async () => {
      assert.deepEqual(await store.repos.tenants.get(a.id), a);
      assert.deepEqual((await store.repos.tenants.byDomain('b.test'))?.id, b.id);
      assert.equal(await store.repos.tenants.byDomain('nowhere.test'), undefined);
      assert.deepEqual(
        (await store.repos.tenants.list()).map((t) => t.id),
        [a.id, b.id],
      );
      assert.deepEqual(
        (await store.repos.tenants.list({ limit: 1, offset: 1 })).map((t) => t.id),
        [b.id],
      );
      assert.equal(await store.repos.tenants.count(), 2);
    });

    test('tenants: a domain belongs to one tenant (unique)', async () => {
      await assert.rejects(
        () => store.repos.tenants.addDomain(b.id, 'a.test', false, T0),
        (err) => isUniqueViolation(err),
      );
    });

    test('tenants: secondary domains, primary first; update; remove domain', async () => {
      await store.repos.tenants.addDomain(a.id, 'a2.test', false, T0 + 5);
      assert.deepEqual((await store.repos.tenants.get(a.id))?.domains, ['a.test', 'a2.test']);
      assert.equal((await store.repos.tenants.byDomain('a2.test'))?.id, a.id);
      assert.equal(await store.repos.tenants.update(a.id, { name: 'A Ltd', areaCode: null }), true);
      const got = await store.repos.tenants.get(a.id);
      assert.equal(got?.name, 'A Ltd');
      assert.equal(got?.areaCode, null);
      assert.equal(got?.country, 'DE');
      assert.equal(await store.repos.tenants.removeDomain(b.id, 'a2.test'), false, 'scoped by tenant');
      assert.equal(await store.repos.tenants.removeDomain(a.id, 'a2.test'), true);
      assert.deepEqual((await store.repos.tenants.get(a.id))?.domains, ['a.test']);
    });

    test('users: insert, get, byAddress, numbers in order, list sorted and paged', async () => {
      const carol = userFixture(a.id, 'carol', 'a.test', { numbers: ['+49 711 1', '102'], email: 'c@a.test' });
      const alice = userFixture(a.id, 'alice', 'a.test', { role: 'tenant-admin' });
      await store.repos.users.insert(carol);
      await store.repos.users.insert(alice);
      assert.deepEqual(await store.repos.users.get(a.id, carol.id), carol);
      assert.deepEqual(await store.repos.users.byAddress(a.id, 'alice', 'a.test'), alice);
      assert.deepEqual(
        (await store.repos.users.list(a.id)).map((u) => u.local),
        ['alice', 'carol'],
      );
      assert.deepEqual(
        (await store.repos.users.list(a.id, { limit: 1, offset: 1 })).map((u) => u.local),
        ['carol'],
      );
      assert.equal(await store.repos.users.count(a.id), 2);
      assert.equal(await store.repos.users.count(a.id, { domain: 'other.test' }), 0);
    });

    test('users: an address exists once', async () => {
      await assert.rejects(
        () => store.repos.users.insert(userFixture(a.id, 'alice', 'a.test')),
        (err) => isUniqueViolation(err),
      );
    });

    test('users: every query is scoped by tenant', async () => {
      const alice = await store.repos.users.byAddress(a.id, 'alice', 'a.test');
      assert.ok(alice);
      assert.equal(await store.repos.users.get(b.id, alice.id), undefined);
      assert.equal(await store.repos.users.byAddress(b.id, 'alice', 'a.test'), undefined);
      assert.deepEqual(await store.repos.users.list(b.id), []);
      assert.equal(await store.repos.users.update(b.id, alice.id, { displayName: 'X' }, T0 + 9), false);
      assert.equal(await store.repos.users.delete(b.id, alice.id), false);
      assert.equal((await store.repos.users.get(a.id, alice.id))?.displayName, 'alice');
    });

    test('users: update a patch, replace numbers, disable', async () => {
      const carol = await store.repos.users.byAddress(a.id, 'carol', 'a.test');
      assert.ok(carol);
      assert.equal(
        await store.repos.users.update(
          a.id,
          carol.id,
          { displayName: 'Carol C', numbers: ['200'], disabledAt: T0 + 7 },
          T0 + 8,
        ),
        true,
      );
      const got = await store.repos.users.get(a.id, carol.id);
      assert.deepEqual(
        { n: got?.displayName, nums: got?.numbers, d: got?.disabledAt, u: got?.updatedAt, e: got?.email },
        { n: 'Carol C', nums: ['200'], d: T0 + 7, u: T0 + 8, e: 'c@a.test' },
      );
    });

    test('credentials: upsert and read, scoped by tenant', async () => {
      const alice = await store.repos.users.byAddress(a.id, 'alice', 'a.test');
      assert.ok(alice);
      await store.repos.credentials.set(a.id, alice.id, creds('one'), T0);
      await store.repos.credentials.set(a.id, alice.id, creds('two'), T0 + 1);
      assert.deepEqual(await store.repos.credentials.get(a.id, alice.id), creds('two'));
      assert.equal(await store.repos.credentials.get(b.id, alice.id), undefined);
    });

    test('avatars: one per user, replaced, its hash alone, scoped by tenant, deleted', async () => {
      const alice = await store.repos.users.byAddress(a.id, 'alice', 'a.test');
      assert.ok(alice);
      const avatar = (bytes: Buffer, sha1: string, at: number) => ({
        tenantId: a.id,
        userId: alice.id,
        contentType: 'image/png',
        sha1,
        bytes,
        updatedAt: at,
      });
      assert.equal(await store.repos.avatars.get(a.id, alice.id), undefined);
      await store.repos.avatars.put(avatar(Buffer.from([0, 1, 255]), 'one', T0));
      const second = avatar(Buffer.from([0x89, 0x50, 0, 0xff, 7]), 'two', T0 + 1);
      await store.repos.avatars.put(second);
      assert.deepEqual(await store.repos.avatars.get(a.id, alice.id), second);
      assert.equal(await store.repos.avatars.sha1(a.id, alice.id), 'two');
      assert.equal(await store.repos.avatars.get(b.id, alice.id), undefined);
      assert.equal(await store.repos.avatars.delete(b.id, alice.id), false);
      assert.equal(await store.repos.avatars.delete(a.id, alice.id), true);
      assert.equal(await store.repos.avatars.sha1(a.id, alice.id), undefined);
    });

    test('credentials: SCRAM-SHA-1 keys added later, only to the password they were derived from', async () => {
      const carol = await store.repos.users.byAddress(a.id, 'carol', 'a.test');
      assert.ok(carol);
      const before = { ...creds('old'), scramSha1: null };
      await store.repos.credentials.set(a.id, carol.id, before, T0);
      assert.deepEqual(await store.repos.credentials.get(a.id, carol.id), before);
      const keys = scramKeys('added');
      assert.equal(await store.repos.credentials.addScramSha1(b.id, carol.id, keys, before.passwordHash), false);
      assert.equal(await store.repos.credentials.addScramSha1(a.id, carol.id, keys, 'another password'), false);
      assert.equal((await store.repos.credentials.get(a.id, carol.id))?.scramSha1, null);
      assert.equal(await store.repos.credentials.addScramSha1(a.id, carol.id, keys, before.passwordHash), true);
      assert.deepEqual(await store.repos.credentials.get(a.id, carol.id), { ...before, scramSha1: keys });
    });

    test('sessions: by token hash, touch, list active, revoke, scoped', async () => {
      const alice = await store.repos.users.byAddress(a.id, 'alice', 'a.test');
      assert.ok(alice);
      const mk = (id: string, expiresAt: number) => ({
        id,
        tenantId: a.id,
        userId: alice.id,
        userAgent: 'ua',
        address: '127.0.0.1',
        createdAt: T0,
        lastSeenAt: T0,
        expiresAt,
        revokedAt: null,
      });
      const s1 = mk(randomUUID(), T0 + 1000);
      const s2 = mk(randomUUID(), T0 + 1000);
      const old = mk(randomUUID(), T0 - 1);
      await store.repos.sessions.insert(s1, 'hash-1');
      await store.repos.sessions.insert(s2, 'hash-2');
      await store.repos.sessions.insert(old, 'hash-old');
      assert.deepEqual(await store.repos.sessions.byTokenHash('hash-1'), s1);
      assert.equal(await store.repos.sessions.get(b.id, s1.id), undefined);
      await store.repos.sessions.touch(a.id, s1.id, T0 + 50);
      assert.equal((await store.repos.sessions.get(a.id, s1.id))?.lastSeenAt, T0 + 50);
      assert.deepEqual(
        (await store.repos.sessions.listActive(a.id, alice.id, T0)).map((s) => s.id).sort(),
        [s1.id, s2.id].sort(),
      );
      assert.deepEqual(await store.repos.sessions.revoke(b.id, alice.id, T0), [], 'other tenant revokes nothing');
      const revoked = await store.repos.sessions.revoke(a.id, alice.id, T0 + 60, { exceptId: s1.id });
      assert.deepEqual(revoked.sort(), [s2.id, old.id].sort());
      assert.deepEqual(
        await store.repos.sessions.revoke(a.id, alice.id, T0 + 61, { ids: [s2.id] }),
        [],
        'already revoked',
      );
      assert.equal((await store.repos.sessions.get(a.id, s2.id))?.revokedAt, T0 + 60);
      assert.deepEqual(
        (await store.repos.sessions.listActive(a.id, alice.id, T0)).map((s) => s.id),
        [s1.id],
      );
    });

    test('tickets: consumed once, refused when expired', async () => {
      const [s1] = await store.repos.sessions.listActive(
        a.id,
        (await store.repos.users.byAddress(a.id, 'alice', 'a.test'))?.id ?? '',
        T0,
      );
      assert.ok(s1);
      await store.repos.sessions.insertTicket(a.id, s1.id, 'ticket-1', T0 + 30);
      await store.repos.sessions.insertTicket(a.id, s1.id, 'ticket-2', T0 + 30);
      assert.equal((await store.repos.sessions.consumeTicket('ticket-1', T0 + 1))?.id, s1.id);
      assert.equal(await store.repos.sessions.consumeTicket('ticket-1', T0 + 1), undefined, 'one use only');
      assert.equal(await store.repos.sessions.consumeTicket('ticket-2', T0 + 30), undefined, 'expired');
      assert.equal(
        await store.repos.sessions.consumeTicket('ticket-2', T0 + 1),
        undefined,
        'gone after the expired try',
      );
    });

    test('sessions: purge drops ended sessions after the keep period', async () => {
      const alice = await store.repos.users.byAddress(a.id, 'alice', 'a.test');
      assert.ok(alice);
      await store.repos.sessions.purge(T0 + 60 + 10, 100);
      assert.equal((await store.repos.sessions.listActive(a.id, alice.id, T0)).length, 1, 'active kept');
      assert.ok(await store.repos.sessions.byTokenHash('hash-2'), 'revoked within keep period kept');
      await store.repos.sessions.purge(T0 + 60 + 101, 100);
      assert.equal(await store.repos.sessions.byTokenHash('hash-2'), undefined);
      assert.equal(await store.repos.sessions.byTokenHash('hash-old'), undefined);
      assert.ok(await store.repos.sessions.byTokenHash('hash-1'));
    });

    test('transactions: all or nothing', async () => {
      await assert.rejects(
        store.transaction(async (r) => {
          await r.users.insert(userFixture(b.id, 'dave', 'b.test'));
          assert.equal(await r.users.count(b.id), 1, 'visible inside the transaction');
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.repos.users.count(b.id), 0);
    });

    test('deleting a user removes numbers, credentials and sessions', async () => {
      const alice = await store.repos.users.byAddress(a.id, 'alice', 'a.test');
      assert.ok(alice);
      assert.equal(await store.repos.users.delete(a.id, alice.id), true);
      assert.equal(await store.repos.credentials.get(a.id, alice.id), undefined);
      assert.equal(await store.repos.sessions.byTokenHash('hash-1'), undefined);
    });

    test('deleting a tenant removes its domains and users, and only its own', async () => {
      const eve = userFixture(b.id, 'eve', 'b.test', { numbers: ['1'] });
      await store.repos.users.insert(eve);
      await store.repos.credentials.set(b.id, eve.id, creds('eve'), T0);
      assert.equal(await store.repos.tenants.delete(b.id), true);
      assert.equal(await store.repos.tenants.get(b.id), undefined);
      assert.equal(await store.repos.tenants.byDomain('b.test'), undefined);
      assert.equal(await store.repos.users.count(b.id), 0);
      assert.equal(await store.repos.credentials.get(b.id, eve.id), undefined);
      assert.ok(await store.repos.tenants.get(a.id));
      assert.equal(await store.repos.users.count(a.id), 1);
      assert.equal(await store.repos.tenants.delete(b.id), false);
    });
  });
}

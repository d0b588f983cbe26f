import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Device } from '../../src/core/devices/model.js';
import type { Line } from '../../src/core/lines/model.js';
import type { Store } from '../../src/core/store.js';
import { isUniqueViolation } from '../../src/platform/store/errors.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The lines repository on every engine: tenant scoping, unique numbers, devices of a line. */
export function linesStoreContract(engine: string, open: StoreFactory): void {
  describe(`lines store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    let store: Store;
    before(async () => {
      s = await seededStore(open, ['line-a.test', 'line-b.test']);
      store = s.store;
    });
    after(() => s.close());

    const line = (tenantId: string, userId: string, number: string, did: string | null = null): Line => ({
      id: randomUUID(),
      tenantId,
      userId,
      number,
      did,
      pickupGroup: null,
      createdAt: T0,
    });

    test('insert, list by extension length and digits, look up by number and DID, each scoped by tenant', async () => {
      const repo = store.repos.lines;
      const l1000 = line(s.a.id, s.bob.id, '1000');
      const l201 = line(s.a.id, s.alice.id, '201', '+4971112345201');
      const l30 = line(s.a.id, s.alice.id, '30');
      for (const l of [l1000, l201, l30]) await repo.insert(l);
      assert.deepEqual(await repo.list(s.a.id), [l30, l201, l1000]);
      assert.deepEqual(await repo.list(s.a.id, s.alice.id), [l30, l201]);
      assert.deepEqual(await repo.list(s.b.id), []);
      assert.deepEqual(await repo.byNumber(s.a.id, '201'), l201);
      assert.equal(await repo.byNumber(s.b.id, '201'), undefined);
      assert.deepEqual(await repo.byDid(s.a.id, '+4971112345201'), l201);
      assert.equal(await repo.byDid(s.b.id, '+4971112345201'), undefined);
      assert.deepEqual(await repo.get(s.a.id, l30.id), l30);
      assert.equal(await repo.get(s.b.id, l30.id), undefined);
      assert.equal(await repo.delete(s.b.id, l30.id), false);
      assert.equal(await repo.delete(s.a.id, l30.id), true);
      assert.equal(await repo.get(s.a.id, l30.id), undefined);
    });

    test('pickup groups: set and cleared per line, listed per tenant', async () => {
      const repo = store.repos.lines;
      const a = line(s.a.id, s.alice.id, '9601');
      const b = { ...line(s.a.id, s.bob.id, '96020'), pickupGroup: 'sales' };
      const other = { ...line(s.b.id, s.eve.id, '9601'), pickupGroup: 'sales' };
      for (const l of [a, b, other]) await repo.insert(l);
      assert.equal(await repo.setPickupGroup(s.a.id, a.id, 'sales'), true);
      assert.equal(await repo.setPickupGroup(s.b.id, a.id, 'x'), false, 'not across tenants');
      assert.deepEqual(await repo.inPickupGroup(s.a.id, 'sales'), [{ ...a, pickupGroup: 'sales' }, b]);
      assert.deepEqual(await repo.inPickupGroup(s.b.id, 'sales'), [other]);
      assert.equal(await repo.setPickupGroup(s.a.id, a.id, null), true);
      assert.deepEqual(await repo.inPickupGroup(s.a.id, 'sales'), [b]);
    });

    test('numbers and DIDs are unique per tenant, not across tenants; a lock on the tenant holds in a transaction', async () => {
      const repo = store.repos.lines;
      await repo.insert(line(s.a.id, s.carol.id, '500', '+4930500'));
      await assert.rejects(repo.insert(line(s.a.id, s.bob.id, '500')), (err) => isUniqueViolation(err));
      await assert.rejects(repo.insert(line(s.a.id, s.bob.id, '501', '+4930500')), (err) => isUniqueViolation(err));
      await repo.insert(line(s.a.id, s.bob.id, '502'));
      await repo.insert(line(s.a.id, s.bob.id, '503'));
      await repo.insert(line(s.b.id, s.eve.id, '500', '+4930500'));
      const locked = await store.transaction(async (r) => {
        await r.lines.lockTenant(s.a.id);
        return r.lines.byNumber(s.a.id, '500');
      });
      assert.equal(locked?.userId, s.carol.id);
      assert.equal((await store.repos.tenants.get(s.a.id))?.name, s.a.name, 'the lock changes nothing');
    });

    test('a line rings its own devices and its owner’s unbound ones; removing it unbinds them; lines go with their user', async () => {
      const l = line(s.a.id, s.carol.id, '600');
      const other = line(s.a.id, s.carol.id, '601');
      await store.repos.lines.insert(l);
      await store.repos.lines.insert(other);
      const device = (userId: string, lineId: string | null, n: number): Device => ({
        id: randomUUID(),
        tenantId: s.a.id,
        userId,
        name: `d${n}`,
        username: `carol-${n}-${engine}`,
        realm: 'line-a.test',
        createdAt: T0 + n,
        rotatedAt: null,
        lineId,
      });
      const bound = device(s.carol.id, l.id, 1);
      const unbound = device(s.carol.id, null, 2);
      const elsewhere = device(s.carol.id, other.id, 3);
      const bobs = device(s.bob.id, null, 4);
      for (const d of [bound, unbound, elsewhere, bobs]) {
        await store.repos.devices.insert(d, { ha1Md5: 'm', ha1Sha256: 's' });
      }
      assert.deepEqual(await store.repos.devices.ofLine(s.a.id, s.carol.id, l.id), [bound, unbound]);
      assert.deepEqual(await store.repos.devices.ofLine(s.b.id, s.carol.id, l.id), []);
      await store.repos.lines.delete(s.a.id, l.id);
      assert.equal((await store.repos.devices.get(s.a.id, s.carol.id, bound.id))?.lineId, null);
      await store.repos.users.delete(s.a.id, s.carol.id);
      assert.deepEqual(await store.repos.lines.list(s.a.id, s.carol.id), []);
    });
  });
}

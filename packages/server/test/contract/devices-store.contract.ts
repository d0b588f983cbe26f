import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Device } from '../../src/core/devices/model.js';
import type { Store } from '../../src/core/store.js';
import { isUniqueViolation } from '../../src/platform/store/errors.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;
const digests = (tag: string) => ({ ha1Md5: `md5-${tag}`, ha1Sha256: `sha-${tag}` });

/** The devices repository on every engine: tenant scoping, unique user names, digests never listed. */
export function devicesStoreContract(engine: string, open: StoreFactory): void {
  describe(`devices store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    let store: Store;
    before(async () => {
      s = await seededStore(open, ['dev-a.test', 'dev-b.test']);
      store = s.store;
    });
    after(() => s.close());

    const device = (tenantId: string, userId: string, username: string, extra: Partial<Device> = {}): Device => ({
      id: randomUUID(),
      tenantId,
      userId,
      name: username,
      username,
      realm: 'dev-a.test',
      createdAt: T0,
      rotatedAt: null,
      lineId: null,
      ...extra,
    });

    test('insert, list, digests by user name, rotate and delete, each scoped by tenant', async () => {
      const repo = store.repos.devices;
      const d1 = device(s.a.id, s.alice.id, 'alice-1');
      const d2 = device(s.a.id, s.alice.id, 'alice-2', { createdAt: T0 + 1 });
      await repo.insert(d2, digests('two'));
      await repo.insert(d1, digests('one'));
      assert.deepEqual(await repo.list(s.a.id, s.alice.id), [d1, d2]);
      assert.deepEqual(await repo.list(s.b.id, s.alice.id), []);
      assert.deepEqual(await repo.get(s.a.id, s.alice.id, d1.id), d1);
      assert.equal(await repo.get(s.a.id, s.bob.id, d1.id), undefined, "not bob's");
      assert.deepEqual(await repo.credentials(s.a.id, 'alice-1'), {
        deviceId: d1.id,
        userId: s.alice.id,
        username: 'alice-1',
        realm: 'dev-a.test',
        ...digests('one'),
      });
      assert.equal(await repo.credentials(s.b.id, 'alice-1'), undefined);

      assert.equal(await repo.setDigests(s.b.id, s.alice.id, d1.id, digests('x'), T0 + 5), false);
      assert.equal(await repo.setDigests(s.a.id, s.alice.id, d1.id, digests('new'), T0 + 5), true);
      assert.equal((await repo.credentials(s.a.id, 'alice-1'))?.ha1Md5, 'md5-new');
      assert.equal((await repo.get(s.a.id, s.alice.id, d1.id))?.rotatedAt, T0 + 5);

      assert.equal(await repo.delete(s.a.id, s.bob.id, d1.id), false);
      assert.equal(await repo.delete(s.a.id, s.alice.id, d1.id), true);
      assert.deepEqual(await repo.list(s.a.id, s.alice.id), [d2]);
    });

    test('user names are unique per tenant, not across tenants; devices go with their user', async () => {
      const repo = store.repos.devices;
      await repo.insert(device(s.a.id, s.carol.id, 'shared'), digests('a'));
      await assert.rejects(repo.insert(device(s.a.id, s.bob.id, 'shared'), digests('b')), (err) =>
        isUniqueViolation(err),
      );
      await repo.insert(device(s.b.id, s.eve.id, 'shared', { realm: 'dev-b.test' }), digests('e'));
      assert.equal((await repo.credentials(s.b.id, 'shared'))?.userId, s.eve.id);
      await store.repos.users.delete(s.a.id, s.carol.id);
      assert.equal(await repo.credentials(s.a.id, 'shared'), undefined);
    });
  });
}

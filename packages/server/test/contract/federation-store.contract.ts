import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The federation trust repository on every engine: upserts, the default, tenant scoping, the level check. */
export function federationStoreContract(engine: string, open: StoreFactory): void {
  describe(`federation store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    before(async () => {
      s = await seededStore(open, ['fed-a.test', 'fed-b.test']);
    });
    after(() => s.close());

    test('no rows: public and nothing listed; set, change and remove a domain; the default per tenant', async () => {
      const repo = s.store.repos.federation;
      assert.deepEqual(await repo.trust(s.a.id), { tenantId: s.a.id, defaultLevel: 'public', domains: [] });
      await repo.setDomain(s.a.id, 'zeta.test', 'trusted', T0);
      await repo.setDomain(s.a.id, 'alpha.test', 'business', T0);
      await repo.setDomain(s.a.id, 'zeta.test', 'blocked', T0 + 1);
      await repo.setDefault(s.a.id, 'business', T0);
      await repo.setDefault(s.a.id, 'blocked', T0 + 2);
      assert.deepEqual(await repo.trust(s.a.id), {
        tenantId: s.a.id,
        defaultLevel: 'blocked',
        domains: [
          { domain: 'alpha.test', level: 'business', updatedAt: T0 },
          { domain: 'zeta.test', level: 'blocked', updatedAt: T0 + 1 },
        ],
      });
      assert.deepEqual(await repo.trust(s.b.id), { tenantId: s.b.id, defaultLevel: 'public', domains: [] });
      assert.equal(await repo.removeDomain(s.b.id, 'alpha.test'), false);
      assert.equal(await repo.removeDomain(s.a.id, 'alpha.test'), true);
      assert.deepEqual(
        (await repo.trust(s.a.id)).domains.map((d) => d.domain),
        ['zeta.test'],
      );
    });

    test('the engine refuses a level that is not one', async () => {
      await assert.rejects(s.store.repos.federation.setDomain(s.b.id, 'x.test', 'friendly' as never, T0));
      await assert.rejects(s.store.repos.federation.setDefault(s.b.id, 'friendly' as never, T0));
    });
  });
}

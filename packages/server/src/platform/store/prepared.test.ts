import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, migrate } from './connect.js';
import { prepared } from './prepared.js';

const tenantOf = prepared((db, p: { domain: string }) =>
  db.selectFrom('tenant_domains').select(['tenant_id', 'is_primary']).where('domain', '=', p.domain),
);
const addDomain = prepared((db, p: { domain: string; tenantId: string }) =>
  // `is_primary` and `created_at` are constants of the query, kept as compiled.
  db.insertInto('tenant_domains').values({ domain: p.domain, tenant_id: p.tenantId, is_primary: 1, created_at: 7 }),
);

test('a prepared query runs with each call’s values, its constants kept, in and out of transactions', async () => {
  const { db, engine } = connect({ url: 'sqlite::memory:' });
  await migrate(db, engine);
  await db.insertInto('tenants').values({ id: 't1', name: 'one', created_at: 1 }).execute();
  await db.insertInto('tenants').values({ id: 't2', name: 'two', created_at: 1 }).execute();
  assert.equal((await addDomain.run(db, { domain: 'a.test', tenantId: 't1' })).numAffectedRows, 1n);
  await db.transaction().execute((trx) => addDomain.run(trx, { domain: 'b.test', tenantId: 't2' }));
  assert.deepEqual(await tenantOf.rows(db, { domain: 'a.test' }), [{ tenant_id: 't1', is_primary: 1 }]);
  assert.deepEqual(await tenantOf.rows(db, { domain: 'b.test' }), [{ tenant_id: 't2', is_primary: 1 }]);
  assert.deepEqual(await tenantOf.rows(db, { domain: 'c.test' }), []);
  const created = await db.selectFrom('tenant_domains').select('created_at').where('domain', '=', 'b.test').execute();
  assert.deepEqual(created, [{ created_at: 7 }]);
  await db.destroy();
});

test('a builder that looks at a value instead of passing it on is refused', async () => {
  const { db } = connect({ url: 'sqlite::memory:' });
  const wrong = prepared((db, p: { domain: string; primary: boolean }) =>
    db
      .selectFrom('tenant_domains')
      .select('tenant_id')
      .where('domain', '=', p.domain)
      .where('is_primary', '=', p.primary ? 1 : 0),
  );
  await assert.rejects(
    () => wrong.rows(db, { domain: 'a.test', primary: true }),
    /primary is not a value of the query/,
  );
  await db.destroy();
});

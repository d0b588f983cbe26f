import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { storeBefore } from '../../../../test/support/migrations.js';
import { migrate } from '../connect.js';

test('015 keeps devices (bound to no line), keeps numbers unique per tenant and lines go with their user', async () => {
  const { db, engine, raw } = await storeBefore('015-lines');
  try {
    await sql`insert into users (id, tenant_id, local, domain, display_name, name_key, role, created_at, updated_at)
      values ('u1', 't', 'alice', 't.test', 'Alice', 'alice', 'user', 0, 0)`.execute(raw);
    await sql`insert into devices (id, tenant_id, user_id, name, sip_username, realm, ha1_md5, ha1_sha256, created_at)
      values ('d1', 't', 'u1', 'Desk', 'alice-abc', 't.test', 'md5', 'sha', 0)`.execute(raw);

    assert.equal((await migrate(db, engine))[0], '015-lines');
    assert.deepEqual(
      (await db.selectFrom('devices').select(['id', 'line_id']).execute()).map((r) => ({ ...r })),
      [{ id: 'd1', line_id: null }],
    );
    const line = (id: string, number: string, did: string | null) =>
      db.insertInto('lines').values({ id, tenant_id: 't', user_id: 'u1', number, did, created_at: 0 }).execute();
    await line('l1', '201', null);
    await line('l2', '202', null);
    await assert.rejects(line('l3', '201', null), /UNIQUE/);
    await line('l3', '203', '+4971112345');
    await assert.rejects(line('l4', '204', '+4971112345'), /UNIQUE/);

    await db.updateTable('devices').set({ line_id: 'l1' }).execute();
    await db.deleteFrom('lines').where('id', '=', 'l1').execute();
    assert.equal((await db.selectFrom('devices').select('line_id').executeTakeFirstOrThrow()).line_id, null);
    await db.deleteFrom('users').where('id', '=', 'u1').execute();
    assert.deepEqual(await db.selectFrom('lines').selectAll().execute(), []);
  } finally {
    await db.destroy();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { storeBefore } from '../../../../test/support/migrations.js';
import { migrate } from '../connect.js';

test('017 keeps every presence input with its key and indexes, takes call-settings inputs and rejects unknown sources', async () => {
  const { db, engine, raw } = await storeBefore('017-call-settings');
  try {
    await sql`insert into users (id, tenant_id, local, domain, display_name, name_key, role, created_at, updated_at)
      values ('u1', 't', 'alice', 't.test', 'Alice', 'alice', 'user', 0, 0)`.execute(raw);
    for (const [source, key, holder] of [
      ['manual', '', null],
      ['line', '201', null],
      ['client', 'c1', 'node-a'],
      ['rtc', 'r1', null],
      ['calendar', '', null],
    ]) {
      await sql`insert into presence_inputs (tenant_id, user_id, source, key, value, expires_at, updated_at, holder)
        values ('t', 'u1', ${source}, ${key}, '{}', 5, 1, ${holder})`.execute(raw);
    }
    const before = (await sql`select * from presence_inputs order by source, key`.execute(raw)).rows;

    assert.equal((await migrate(db, engine))[0], '017-call-settings');
    assert.deepEqual((await sql`select * from presence_inputs order by source, key`.execute(raw)).rows, before);
    const indexes = await sql<{ name: string }>`select name from sqlite_master
      where type = 'index' and tbl_name = 'presence_inputs' and name not like 'sqlite_%' order by name`.execute(raw);
    // Later migrations add indexes of their own (036: by expiry).
    const names = indexes.rows.map((r) => r.name);
    for (const name of ['presence_inputs_holder', 'presence_inputs_tenant_user']) assert.ok(names.includes(name), name);
    const input = (source: string, key: string) =>
      sql`insert into presence_inputs (tenant_id, user_id, source, key, value, updated_at)
        values ('t', 'u1', ${source}, ${key}, '{}', 2)`.execute(raw);
    await input('call-settings', '');
    await assert.rejects(input('bogus', ''), /CHECK/);
    await assert.rejects(input('line', '201'), /UNIQUE|PRIMARY/, 'the key holds');

    await sql`insert into call_settings (user_id, tenant_id, updated_at) values ('u1', 't', 3)`.execute(raw);
    assert.deepEqual(await db.selectFrom('call_settings').selectAll().execute(), [
      {
        user_id: 'u1',
        tenant_id: 't',
        immediate_on: 0,
        immediate_to: null,
        busy_on: 0,
        busy_to: null,
        no_answer_on: 0,
        no_answer_to: null,
        no_answer_seconds: 20,
        dnd: 0,
        remote_office_on: 0,
        remote_office_number: null,
        updated_at: 3,
      },
    ]);
    await sql`delete from users where id = 'u1'`.execute(raw);
    assert.deepEqual(await db.selectFrom('call_settings').selectAll().execute(), []);
    assert.deepEqual((await sql`select * from presence_inputs`.execute(raw)).rows, []);
  } finally {
    await db.destroy();
  }
});

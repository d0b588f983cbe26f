import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { storeBefore } from '../../../../test/support/migrations.js';
import { repositories } from '../../../core/store.js';
import { migrate } from '../connect.js';

test('034 keeps what the full-text index holds, and later messages wait for it until indexPending', async () => {
  const { db, engine, raw } = await storeBefore('034-send-path');
  try {
    await sql`insert into users (id, tenant_id, local, domain, display_name, role, created_at, updated_at)
      values ('u1', 't', 'alice', 't.test', 'Alice', 'user', 0, 0)`.execute(raw);
    await sql`insert into conversations (id, tenant_id, kind, created_by, last_seq, created_at, updated_at)
      values ('c1', 't', 'group', 'u1', 2, 0, 0)`.execute(raw);
    await sql`insert into conversation_members (conversation_id, tenant_id, user_id, role, joined_at, delivered_seq, read_seq)
      values ('c1', 't', 'u1', 'owner', 0, 0, 0)`.execute(raw);
    const message = (id: string, seq: number, text: string) =>
      sql`insert into messages (id, tenant_id, conversation_id, seq, sender_id, client_id, text, created_at)
        values (${id}, 't', 'c1', ${seq}, 'u1', ${id}, ${text}, 0)`.execute(raw);
    await message('m1', 1, 'indexed before the upgrade');

    assert.equal((await migrate(db, engine))[0], '034-send-path');
    const repos = repositories(db);
    const found = async (q: string) => (await repos.messages.search('t', 'u1', q, 10)).map((m) => m.id);
    assert.deepEqual(await found('upgrade'), ['m1']);
    assert.equal((await repos.conversations.versioned('t', 'c1'))?.version, 0);

    await message('m2', 2, 'written after the upgrade');
    assert.deepEqual(await found('written'), [], 'waiting for the index');
    assert.equal(await db.transaction().execute((trx) => repositories(trx).messages.indexPending()), 1);
    assert.deepEqual(await found('written'), ['m2']);
    await repos.messages.edit('t', 'm2', 'rewritten later', 1);
    assert.deepEqual(await found('rewritten'), ['m2'], 'an indexed message edited is indexed again at once');
  } finally {
    await db.destroy();
  }
});

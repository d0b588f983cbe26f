import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { storeBefore } from '../../../../test/support/migrations.js';
import { migrate } from '../connect.js';

test('014 keeps stored credentials and leaves their SCRAM-SHA-1 keys empty until the next sign-in', async () => {
  const { db, engine, raw } = await storeBefore('014-scram-sha1');
  try {
    await sql`insert into users (id, tenant_id, local, domain, display_name, role, created_at, updated_at)
      values ('u1', 't', 'alice', 't.test', 'Alice', 'user', 0, 0)`.execute(raw);
    await sql`insert into credentials (user_id, tenant_id, password_hash, scram_sha256_salt, scram_sha256_iterations,
      scram_sha256_stored_key, scram_sha256_server_key, updated_at)
      values ('u1', 't', '$scrypt$hash', 'salt', 4096, 'stored', 'server', 0)`.execute(raw);

    assert.equal((await migrate(db, engine))[0], '014-scram-sha1');
    const rows = await sql<Record<string, unknown>>`select password_hash, scram_sha256_stored_key, scram_sha1_salt,
      scram_sha1_iterations, scram_sha1_stored_key, scram_sha1_server_key from credentials`.execute(raw);
    assert.deepEqual(rows.rows, [
      {
        password_hash: '$scrypt$hash',
        scram_sha256_stored_key: 'stored',
        scram_sha1_salt: null,
        scram_sha1_iterations: null,
        scram_sha1_stored_key: null,
        scram_sha1_server_key: null,
      },
    ]);
  } finally {
    await db.destroy();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { storeBefore } from '../../../../test/support/migrations.js';
import { migrate } from '../connect.js';

test('010 drops the SIP HA1 derived from login passwords and keeps the rest of the credentials', async () => {
  const { db, engine, raw } = await storeBefore('010-devices');
  try {
    await sql`insert into users (id, tenant_id, local, domain, display_name, role, created_at, updated_at)
      values ('u1', 't', 'alice', 't.test', 'Alice', 'user', 0, 0)`.execute(raw);
    await sql`insert into credentials (user_id, tenant_id, password_hash, scram_sha256_salt, scram_sha256_iterations,
      scram_sha256_stored_key, scram_sha256_server_key, sip_realm, sip_ha1_md5, sip_ha1_sha256, updated_at)
      values ('u1', 't', '$scrypt$hash', 'salt', 4096, 'stored', 'server', 't.test', 'md5-of-password',
      'sha-of-password', 0)`.execute(raw);

    assert.equal((await migrate(db, engine))[0], '010-devices');
    const rows = await sql<Record<string, unknown>>`select * from credentials`.execute(raw);
    assert.deepEqual(rows.rows, [
      {
        user_id: 'u1',
        tenant_id: 't',
        password_hash: '$scrypt$hash',
        scram_sha256_salt: 'salt',
        scram_sha256_iterations: 4096,
        scram_sha256_stored_key: 'stored',
        scram_sha256_server_key: 'server',
        updated_at: 0,
        // Added, empty, by 014.
        scram_sha1_salt: null,
        scram_sha1_iterations: null,
        scram_sha1_stored_key: null,
        scram_sha1_server_key: null,
      },
    ]);
    assert.deepEqual(await db.selectFrom('devices').selectAll().execute(), []);
  } finally {
    await db.destroy();
  }
});

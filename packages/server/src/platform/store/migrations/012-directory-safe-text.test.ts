import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { storeBefore } from '../../../../test/support/migrations.js';
import { migrate } from '../connect.js';

const contact = (name: string, company: string | null) =>
  JSON.stringify({
    externalId: name,
    name,
    givenName: null,
    surname: null,
    company,
    department: null,
    title: null,
    email: 'a@x.test',
    url: null,
    numbers: [{ type: 'work', raw: '0711 123456', e164: '+49711123456' }],
  });

test('012 cleans the names stored before sources were cleaned on sync; clean contacts stay as they are', async () => {
  const { db, engine, raw } = await storeBefore('012-directory-safe-text');
  try {
    await sql`insert into directory_sources (id, tenant_id, name, kind, priority, config, state, entries,
      invalid_numbers, created_at, updated_at) values ('s', 't', 'book', 'file', 100, '{}', 'ok', 2, 0, 0, 0)`.execute(
      raw,
    );
    const spoofed = contact('Anna\u202E rebreB', 'Muster\u0000 GmbH\u200B');
    const clean = contact('Bert Berger', 'Muster GmbH');
    await sql`insert into directory_entries (tenant_id, source_id, external_id, contact, seen_at)
      values ('t', 's', 'a', ${spoofed}, 0), ('t', 's', 'b', ${clean}, 0)`.execute(raw);

    assert.equal((await migrate(db, engine))[0], '012-directory-safe-text');
    const rows = await sql<{ external_id: string; contact: string }>`select external_id, contact
      from directory_entries order by external_id`.execute(raw);
    const [a, b] = rows.rows.map((r) => JSON.parse(r.contact));
    assert.deepEqual(
      [a.name, a.company, a.email, a.numbers[0].e164],
      ['Anna rebreB', 'Muster GmbH', 'a@x.test', '+49711123456'],
    );
    assert.equal(rows.rows[1]?.contact, clean);
    assert.equal(b.name, 'Bert Berger');
  } finally {
    await db.destroy();
  }
});

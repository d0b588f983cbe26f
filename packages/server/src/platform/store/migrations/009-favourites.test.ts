import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameWords } from '@parley/api';
import { type Kysely, Migrator, sql } from 'kysely';
import { connect, migrate } from '../connect.js';
import { nameKey } from '../name-key.js';
import { migrations } from './index.js';

test('name words: lower case, accents folded, split at everything but letters and digits', () => {
  assert.deepEqual(nameWords('Anna-Maria  Schmidt'), ['anna', 'maria', 'schmidt']);
  assert.deepEqual(nameWords('Jörg MÜLLER'), ['jorg', 'muller']);
  assert.deepEqual(nameWords('Élodie O’Brien (Sales) 2'), ['elodie', 'o', 'brien', 'sales', '2']);
  assert.deepEqual(nameWords('Straße'), ['straße']);
  assert.deepEqual(nameWords(' _%- '), []);
  assert.equal(nameKey('  Zoë  van der Berg '), 'zoe van der berg');
});

test('009 fills name_key for the users that existed before it', async () => {
  const { db, engine } = connect({ url: 'sqlite::memory:' });
  try {
    const before = migrations.slice(
      0,
      migrations.findIndex((m) => m.name === '009-favourites'),
    );
    const { error } = await new Migrator({
      db,
      provider: {
        getMigrations: async () => Object.fromEntries(before.map((m) => [m.name, { up: (d) => m.up(d, engine) }])),
      },
    }).migrateToLatest();
    assert.ifError(error);
    const raw = db as unknown as Kysely<unknown>;
    await sql`insert into tenants (id, name, created_at) values ('t', 'T', 0)`.execute(raw);
    await sql`insert into tenant_domains (domain, tenant_id, is_primary, created_at) values ('t.test', 't', 1, 0)`.execute(
      raw,
    );
    await sql`insert into users (id, tenant_id, local, domain, display_name, role, created_at, updated_at)
      values ('u1', 't', 'joerg', 't.test', 'Jörg Müller', 'user', 0, 0),
             ('u2', 't', 'ann', 't.test', 'Ann-Kathrin', 'user', 0, 0)`.execute(raw);

    assert.equal((await migrate(db, engine))[0], '009-favourites', 'the later migrations follow');
    const rows = await db.selectFrom('users').select(['id', 'name_key']).orderBy('id').execute();
    assert.deepEqual(rows, [
      { id: 'u1', name_key: 'jorg muller' },
      { id: 'u2', name_key: 'ann kathrin' },
    ]);
  } finally {
    await db.destroy();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameWords } from '@parley/api';
import { sql } from 'kysely';
import { storeBefore } from '../../../../test/support/migrations.js';
import { migrate } from '../connect.js';
import { nameKey } from '../name-key.js';

test('name words: lower case, accents folded, split at everything but letters and digits', () => {
  assert.deepEqual(nameWords('Anna-Maria  Schmidt'), ['anna', 'maria', 'schmidt']);
  assert.deepEqual(nameWords('Jörg MÜLLER'), ['jorg', 'muller']);
  assert.deepEqual(nameWords('Élodie O’Brien (Sales) 2'), ['elodie', 'o', 'brien', 'sales', '2']);
  assert.deepEqual(nameWords('Straße'), ['straße']);
  assert.deepEqual(nameWords(' _%- '), []);
  assert.equal(nameKey('  Zoë  van der Berg '), 'zoe van der berg');
});

test('009 fills name_key for the users that existed before it', async () => {
  const { db, engine, raw } = await storeBefore('009-favourites');
  try {
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

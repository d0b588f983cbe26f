import { type Kysely, Migrator, sql } from 'kysely';
import { connect } from '../../src/platform/store/connect.js';
import { migrations } from '../../src/platform/store/migrations/index.js';

/**
 * An in-memory SQLite store migrated up to just before migration `name`, holding tenant `t` with
 * domain `t.test`: where a migration's test puts the rows it must carry over. `raw` runs SQL on
 * tables the current schema types no longer describe.
 */
export async function storeBefore(name: string) {
  const { db, engine } = connect({ url: 'sqlite::memory:' });
  const before = migrations.slice(
    0,
    migrations.findIndex((m) => m.name === name),
  );
  const { error } = await new Migrator({
    db,
    provider: {
      getMigrations: async () => Object.fromEntries(before.map((m) => [m.name, { up: (d) => m.up(d, engine) }])),
    },
  }).migrateToLatest();
  if (error) throw error;
  const raw = db as unknown as Kysely<unknown>;
  await sql`insert into tenants (id, name, created_at) values ('t', 'T', 0)`.execute(raw);
  await sql`insert into tenant_domains (domain, tenant_id, is_primary, created_at) values ('t.test', 't', 1, 0)`.execute(
    raw,
  );
  return { db, engine, raw };
}

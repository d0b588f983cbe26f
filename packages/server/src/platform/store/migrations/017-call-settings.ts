import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.js';

/** The presence input sources before and after this migration. */
const SOURCES_BEFORE = `'manual', 'line', 'client', 'rtc', 'calendar'`;
const SOURCES = `${SOURCES_BEFORE}, 'call-settings'`;

/**
 * Call settings (one row per user who ever changed one; no row: everything off): the three
 * forwarding rules with their targets, do not disturb and remote office. They feed presence as an
 * input source of their own, `call-settings`, which the `presence_inputs.source` check gains here:
 * PostgreSQL swaps the constraint; SQLite cannot change a check, so the table is rebuilt with its
 * rows, key and indexes (nothing references it).
 */
export const callSettings: Migration = {
  name: '017-call-settings',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('call_settings')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('immediate_on', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('immediate_to', 'text')
      .addColumn('busy_on', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('busy_to', 'text')
      .addColumn('no_answer_on', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('no_answer_to', 'text')
      .addColumn('no_answer_seconds', 'integer', (c) => c.notNull().defaultTo(20))
      .addColumn('dnd', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('remote_office_on', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('remote_office_number', 'text')
      .addColumn('updated_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('call_settings_tenant').on('call_settings').column('tenant_id').execute();

    if (engine === 'postgres') {
      await sql`alter table presence_inputs drop constraint presence_inputs_source_check`.execute(db);
      await sql
        .raw(`alter table presence_inputs add constraint presence_inputs_source_check check (source in (${SOURCES}))`)
        .execute(db);
      return;
    }
    await db.schema
      .createTable('presence_inputs_017')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('source', 'text', (c) => c.notNull().check(sql.raw(`source in (${SOURCES})`)))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('expires_at', ts)
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addColumn('holder', 'text')
      .addPrimaryKeyConstraint('presence_inputs_pk', ['user_id', 'source', 'key'])
      .execute();
    await sql`insert into presence_inputs_017 (tenant_id, user_id, source, key, value, expires_at, updated_at, holder)
      select tenant_id, user_id, source, key, value, expires_at, updated_at, holder from presence_inputs`.execute(db);
    await db.schema.dropTable('presence_inputs').execute();
    await db.schema.alterTable('presence_inputs_017').renameTo('presence_inputs').execute();
    await db.schema
      .createIndex('presence_inputs_tenant_user')
      .on('presence_inputs')
      .columns(['tenant_id', 'user_id'])
      .execute();
    await db.schema.createIndex('presence_inputs_holder').on('presence_inputs').column('holder').execute();
  },
};

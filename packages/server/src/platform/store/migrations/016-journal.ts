import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * The call journal: one entry per user involved in a call, written once when the call ends
 * (unique per tenant, call and user, so a second write of the same entry changes nothing), listed
 * newest first per user.
 */
export const journal: Migration = {
  name: '016-journal',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('journal_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('line', 'text')
      .addColumn('remote_number', 'text')
      .addColumn('remote_uri', 'text')
      // A colleague may be removed later; their entries in others' journals stay.
      .addColumn('remote_user_id', 'text')
      .addColumn('remote_display', 'text')
      .addColumn('remote_name', 'text')
      .addColumn('remote_company', 'text')
      .addColumn('remote_match', 'text')
      .addColumn('started_at', ts, (c) => c.notNull())
      .addColumn('answered_at', ts)
      .addColumn('ended_at', ts, (c) => c.notNull())
      .addColumn('duration', 'integer', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('by', 'text')
      .addColumn('memo', 'text')
      .addColumn('read', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('search_key', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('journal_entries_call')
      .on('journal_entries')
      .columns(['tenant_id', 'call_id', 'user_id'])
      .unique()
      .execute();
    await db.schema
      .createIndex('journal_entries_user')
      .on('journal_entries')
      .columns(['tenant_id', 'user_id', 'started_at desc', 'id desc'])
      .execute();
  },
};

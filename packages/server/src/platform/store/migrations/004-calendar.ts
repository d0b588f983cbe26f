import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/** Per-user calendar connections (CalDAV or ICS URL) and the calendar resources last fetched. */
export const calendar: Migration = {
  name: '004-calendar',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('calendar_connections')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('username', 'text')
      .addColumn('password_sealed', 'text')
      .addColumn('etag', 'text')
      .addColumn('last_modified', 'text')
      .addColumn('sync_token', 'text')
      .addColumn('ctag', 'text')
      .addColumn('last_sync_at', ts)
      .addColumn('last_attempt_at', ts)
      .addColumn('last_error', 'text')
      .addColumn('stale', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('calendar_connections_tenant').on('calendar_connections').column('tenant_id').execute();
    await db.schema
      .createTable('calendar_resources')
      .addColumn('user_id', 'text', (c) => c.notNull().references('calendar_connections.user_id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('href', 'text', (c) => c.notNull())
      .addColumn('etag', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('calendar_resources_pk', ['user_id', 'href'])
      .execute();
  },
};

import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Lines: numbers (an internal extension, optionally an E.164 DID) owned by users, and the line a
 * SIP device is bound to. A device without a line rings for every line of its owner; removing a
 * line leaves its devices unbound rather than removing them (their secrets stay valid).
 */
export const lines: Migration = {
  name: '015-lines',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('lines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('number', 'text', (c) => c.notNull())
      .addColumn('did', 'text')
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('lines_number').on('lines').columns(['tenant_id', 'number']).unique().execute();
    // Both engines let several rows have no DID under a unique index.
    await db.schema.createIndex('lines_did').on('lines').columns(['tenant_id', 'did']).unique().execute();
    await db.schema.createIndex('lines_user').on('lines').columns(['tenant_id', 'user_id']).execute();
    await db.schema
      .alterTable('devices')
      .addColumn('line_id', 'text', (c) => c.references('lines.id').onDelete('set null'))
      .execute();
    await db.schema.createIndex('devices_line').on('devices').columns(['tenant_id', 'line_id']).execute();
  },
};

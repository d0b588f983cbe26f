import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * CSTA application accounts: a CTI application a tenant admin lets in with tenant-wide control,
 * signing in with `NAME@DOMAIN` and a generated secret kept only as its SHA-256 (the secret is
 * random and long, so a slow hash adds nothing).
 */
export const cstaApps: Migration = {
  name: '018-csta-apps',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('csta_apps')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('csta_apps_name').on('csta_apps').columns(['tenant_id', 'name']).unique().execute();
  },
};

import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * Per-domain federation trust (issue 15): each tenant's level for remote domains its admins list,
 * and the level of every other domain (no row: `public`).
 */
export const federationTrust: Migration = {
  name: '023-federation-trust',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    const level = (c: string) => sql`${sql.ref(c)} in ('blocked', 'public', 'business', 'trusted')`;
    await db.schema
      .createTable('federation_domains')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull().check(level('level')))
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('federation_domains_pk', ['tenant_id', 'domain'])
      .execute();
    await db.schema
      .createTable('federation_settings')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
      .addColumn('default_level', 'text', (c) => c.notNull().check(level('default_level')))
      .addColumn('updated_at', ts, (c) => c.notNull())
      .execute();
  },
};

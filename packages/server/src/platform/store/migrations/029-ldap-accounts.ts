import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * The LDAP phone-book account of a tenant: what desk phones bind with to search the directory
 * (`cn=phonebook,dc=DOMAIN…` or `phonebook@DOMAIN`), one per tenant, with a generated secret kept
 * only as its SHA-256.
 */
export const ldapAccounts: Migration = {
  name: '029-ldap-accounts',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('ldap_accounts')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
  },
};

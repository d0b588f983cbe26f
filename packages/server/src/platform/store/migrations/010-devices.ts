import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * SIP devices with their own generated secrets, and the end of the SIP HA1 derived from the login
 * password: an MD5 of the password next to the scrypt hash let a stolen database be cracked at MD5
 * speed. Those columns are dropped, with their values; devices get digests of their own secrets.
 */
export const devices: Migration = {
  name: '010-devices',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    // One column per statement: SQLite drops only one at a time.
    for (const column of ['sip_realm', 'sip_ha1_md5', 'sip_ha1_sha256']) {
      await db.schema.alterTable('credentials').dropColumn(column).execute();
    }
    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sip_username', 'text', (c) => c.notNull())
      .addColumn('realm', 'text', (c) => c.notNull())
      .addColumn('ha1_md5', 'text', (c) => c.notNull())
      .addColumn('ha1_sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('rotated_at', ts)
      .execute();
    await db.schema
      .createIndex('devices_username')
      .on('devices')
      .columns(['tenant_id', 'sip_username'])
      .unique()
      .execute();
    await db.schema.createIndex('devices_user').on('devices').columns(['tenant_id', 'user_id']).execute();
  },
};

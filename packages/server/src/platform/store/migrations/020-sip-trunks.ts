import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * SIP trunks of a tenant: the provider (ITSP) or PBX gateways its external calls go through, with
 * digest credentials (the password sealed with the server's secrets key, bound to the trunk's row)
 * and the source addresses that identify calls from it.
 */
export const sipTrunks: Migration = {
  name: '020-sip-trunks',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('sip_trunks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull().check(sql`transport in ('udp', 'tcp', 'tls')`))
      .addColumn('username', 'text')
      .addColumn('password_sealed', 'text')
      .addColumn('register', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('number_format', 'text', (c) => c.notNull().check(sql`number_format in ('e164', 'national')`))
      .addColumn('caller_id', 'text')
      // JSON array of addresses, address:port or CIDR ranges; empty: the host's addresses.
      .addColumn('inbound_sources', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sip_trunks_name').on('sip_trunks').columns(['tenant_id', 'name']).unique().execute();
  },
};

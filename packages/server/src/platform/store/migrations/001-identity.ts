import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.js';

/** Tenants, domains, users, numbers, credentials, sessions and WebSocket tickets. */
export const identity: Migration = {
  name: '001-identity',
  async up(db: Kysely<unknown>, engine) {
    // PostgreSQL gets real 64-bit columns; SQLite's INTEGER is already 64-bit.
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('country', 'text')
      .addColumn('area_code', 'text')
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('tenant_domains')
      .addColumn('domain', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tenant_domains_tenant').on('tenant_domains').column('tenant_id').execute();
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('local', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull().references('tenant_domains.domain'))
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'tenant-admin', 'system-admin')`))
      .addColumn('disabled_at', ts)
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addUniqueConstraint('users_address', ['domain', 'local'])
      .execute();
    await db.schema.createIndex('users_tenant').on('users').columns(['tenant_id', 'local']).execute();
    await db.schema
      .createTable('user_numbers')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_numbers_pk', ['user_id', 'position'])
      .execute();
    await db.schema.createIndex('user_numbers_number').on('user_numbers').columns(['tenant_id', 'number']).execute();
    await db.schema
      .createTable('credentials')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('scram_sha256_salt', 'text', (c) => c.notNull())
      .addColumn('scram_sha256_iterations', 'integer', (c) => c.notNull())
      .addColumn('scram_sha256_stored_key', 'text', (c) => c.notNull())
      .addColumn('scram_sha256_server_key', 'text', (c) => c.notNull())
      .addColumn('sip_realm', 'text', (c) => c.notNull())
      .addColumn('sip_ha1_md5', 'text', (c) => c.notNull())
      .addColumn('sip_ha1_sha256', 'text', (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_agent', 'text')
      .addColumn('address', 'text')
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('last_seen_at', ts, (c) => c.notNull())
      .addColumn('expires_at', ts, (c) => c.notNull())
      .addColumn('revoked_at', ts)
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').columns(['tenant_id', 'user_id']).execute();
    await db.schema
      .createTable('event_tickets')
      .addColumn('ticket_hash', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('expires_at', ts, (c) => c.notNull())
      .execute();
  },
};

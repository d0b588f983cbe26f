import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * The directory: each tenant's numbering plan (trunk and exit prefixes, PBX base number, extension
 * length), its directory sources, and the contacts they delivered with their numbers already
 * normalized (so the in-memory index is rebuilt at start without a resync).
 */
export const directory: Migration = {
  name: '006-directory',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.alterTable('tenants').addColumn('numbering', 'text').execute();
    await db.schema
      .createTable('directory_sources')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text')
      .addColumn('schedule_seconds', 'integer')
      .addColumn('visible_to', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('cursor', 'text')
      .addColumn('entries', 'integer', (c) => c.notNull())
      .addColumn('invalid_numbers', 'integer', (c) => c.notNull())
      .addColumn('last_sync_at', ts)
      .addColumn('last_full_sync_at', ts)
      .addColumn('last_error', 'text')
      .addColumn('report', 'text')
      .addColumn('progress_done', 'integer')
      .addColumn('progress_total', 'integer')
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addUniqueConstraint('directory_sources_name', ['tenant_id', 'name'])
      .execute();
    await db.schema
      .createTable('directory_entries')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull().references('directory_sources.id').onDelete('cascade'))
      .addColumn('external_id', 'text', (c) => c.notNull())
      // JSON of the contact: names, company, e-mail … and its numbers (raw, type, e164).
      .addColumn('contact', 'text', (c) => c.notNull())
      .addColumn('seen_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('directory_entries_pk', ['source_id', 'external_id'])
      .execute();
    await db.schema
      .createIndex('directory_entries_tenant')
      .on('directory_entries')
      .columns(['tenant_id', 'source_id'])
      .execute();
  },
};

import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * Uploads not tied to a conversation yet (XEP-0363 slots: the client uploads before it says to
 * whom it sends the file), so `attachments.conversation_id` may be null until the upload is sent
 * with a message: PostgreSQL drops the constraint; SQLite cannot, so the table is rebuilt with its
 * rows and indexes (nothing references it). And users' avatars: one image per user, in the store
 * (small, and every node serves it).
 */
export const uploadsAvatars: Migration = {
  name: '025-uploads-avatars',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('user_avatars')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('sha1', 'text', (c) => c.notNull())
      .addColumn('bytes', engine === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('user_avatars_tenant').on('user_avatars').column('tenant_id').execute();

    if (engine === 'postgres') {
      await sql`alter table attachments alter column conversation_id drop not null`.execute(db);
      return;
    }
    await db.schema
      .createTable('attachments_025')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.references('conversations.id').onDelete('cascade'))
      .addColumn('message_id', 'text', (c) => c.references('messages.id').onDelete('set null'))
      .addColumn('uploader_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', ts, (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await sql`insert into attachments_025 (id, tenant_id, conversation_id, message_id, uploader_id, name, content_type, size, sha256, created_at)
      select id, tenant_id, conversation_id, message_id, uploader_id, name, content_type, size, sha256, created_at from attachments`.execute(
      db,
    );
    await db.schema.dropTable('attachments').execute();
    await db.schema.alterTable('attachments_025').renameTo('attachments').execute();
    await db.schema.createIndex('attachments_message').on('attachments').column('message_id').execute();
    await db.schema
      .createIndex('attachments_uploader')
      .on('attachments')
      .columns(['tenant_id', 'uploader_id'])
      .execute();
    await db.schema.createIndex('attachments_created').on('attachments').column('created_at').execute();
  },
};

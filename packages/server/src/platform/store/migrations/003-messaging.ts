import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.js';

/**
 * Conversations (1:1 and groups), members with roles and receipts, messages with per-conversation
 * sequence numbers, reactions, attachments, and full-text search over message text: an FTS5 table
 * kept in step by triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL.
 */
export const messaging: Migration = {
  name: '003-messaging',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('direct', 'group')`))
      // The two user ids of a 1:1, sorted and joined: at most one 1:1 per pair.
      .addColumn('pair_key', 'text')
      .addColumn('name', 'text')
      .addColumn('topic', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('last_seq', ts, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addUniqueConstraint('conversations_pair', ['tenant_id', 'pair_key'])
      .execute();
    await db.schema
      .createTable('conversation_members')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'admin', 'member')`))
      .addColumn('joined_at', ts, (c) => c.notNull())
      .addColumn('left_at', ts)
      .addColumn('delivered_seq', ts, (c) => c.notNull().defaultTo(0))
      .addColumn('read_seq', ts, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'user_id'])
      .execute();
    await db.schema
      .createIndex('conversation_members_user')
      .on('conversation_members')
      .columns(['tenant_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('seq', ts, (c) => c.notNull())
      .addColumn('sender_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('reply_to', 'text')
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('edited_at', ts)
      .addColumn('deleted_at', ts)
      .addUniqueConstraint('messages_seq', ['conversation_id', 'seq'])
      .addUniqueConstraint('messages_client_id', ['conversation_id', 'sender_id', 'client_id'])
      .execute();
    await db.schema
      .createTable('message_reactions')
      .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('emoji', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('message_reactions_pk', ['message_id', 'user_id', 'emoji'])
      .execute();
    await db.schema
      .createTable('attachments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('message_id', 'text', (c) => c.references('messages.id').onDelete('set null'))
      .addColumn('uploader_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', ts, (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('attachments_message').on('attachments').column('message_id').execute();

    if (engine === 'postgres') {
      await sql`alter table messages add column search tsvector
        generated always as (to_tsvector('simple', text)) stored`.execute(db);
      await sql`create index messages_search on messages using gin (search)`.execute(db);
    } else {
      await sql`create virtual table messages_fts using fts5(
        text, message_id unindexed, tenant_id unindexed, conversation_id unindexed)`.execute(db);
      await sql`create trigger messages_fts_insert after insert on messages begin
        insert into messages_fts (rowid, text, message_id, tenant_id, conversation_id)
        values (new.rowid, new.text, new.id, new.tenant_id, new.conversation_id);
      end`.execute(db);
      await sql`create trigger messages_fts_update after update of text on messages begin
        delete from messages_fts where rowid = old.rowid;
        insert into messages_fts (rowid, text, message_id, tenant_id, conversation_id)
        values (new.rowid, new.text, new.id, new.tenant_id, new.conversation_id);
      end`.execute(db);
      await sql`create trigger messages_fts_delete after delete on messages begin
        delete from messages_fts where rowid = old.rowid;
      end`.execute(db);
    }
  },
};

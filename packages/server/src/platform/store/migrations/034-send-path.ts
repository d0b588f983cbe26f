import { type Kysely, sql } from 'kysely';
import type { Engine } from '../connect.js';
import type { Migration } from './index.js';

/**
 * What a sent message costs to store.
 *
 * A conversation's membership version: every change of who belongs to it (a member added, back or
 * gone) counts it up in the same transaction. A node that keeps the members of a conversation in
 * memory for sending (`core/messaging/send-views.ts`) reads it with the message's sequence number,
 * so a membership changed on any node is noticed by the send that follows.
 *
 * SQLite: a new message no longer goes into the full-text index (FTS5) in its own transaction —
 * each transaction wrote a new index segment, the largest part of a send's commit. Its row id
 * waits in `messages_fts_pending`; `MessageRepository.indexPending` moves the waiting ones into the
 * index together, before every search and after every few hundred sends. A text edited before
 * that is indexed as it is then; edits of indexed messages and deletions update the index at once
 * as before. PostgreSQL's generated `tsvector` column is unchanged.
 */
export const sendPath: Migration = {
  name: '034-send-path',
  async up(db: Kysely<unknown>, engine: Engine) {
    await db.schema
      .alterTable('conversations')
      .addColumn('members_version', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    if (engine === 'postgres') return;
    await sql`create table messages_fts_pending (message_rowid integer primary key)`.execute(db);
    await sql`drop trigger messages_fts_insert`.execute(db);
    await sql`create trigger messages_fts_insert after insert on messages begin
      insert into messages_fts_pending (message_rowid) values (new.rowid);
    end`.execute(db);
    await sql`drop trigger messages_fts_update`.execute(db);
    await sql`create trigger messages_fts_update after update of text on messages
      when old.rowid not in (select message_rowid from messages_fts_pending) begin
      delete from messages_fts where rowid = old.rowid;
      insert into messages_fts (rowid, text, message_id, tenant_id, conversation_id)
      values (new.rowid, new.text, new.id, new.tenant_id, new.conversation_id);
    end`.execute(db);
    await sql`drop trigger messages_fts_delete`.execute(db);
    await sql`create trigger messages_fts_delete after delete on messages begin
      delete from messages_fts where rowid = old.rowid;
      delete from messages_fts_pending where message_rowid = old.rowid;
    end`.execute(db);
  },
};

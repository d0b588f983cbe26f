import { type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely';
import type { MessagesTable } from '../../platform/store/messaging-schema.js';
import { prepared } from '../../platform/store/prepared.js';
import type { Database } from '../../platform/store/schema.js';
import type { Message, Reaction } from './model.js';

const message = (r: Selectable<MessagesTable>): Message => ({
  id: r.id,
  tenantId: r.tenant_id,
  conversationId: r.conversation_id,
  seq: Number(r.seq),
  senderId: r.sender_id,
  externalSender: r.external_sender,
  clientId: r.client_id,
  text: r.text,
  replyTo: r.reply_to,
  createdAt: r.created_at,
  editedAt: r.edited_at,
  deletedAt: r.deleted_at,
});

/** Which page of a conversation's history: the newest, before a sequence, or after one. */
export interface HistoryQuery {
  /** Messages with a smaller sequence, newest first. */
  before?: number;
  /** Messages with a larger sequence, oldest first (catch-up after a reconnect). */
  after?: number;
  /** Only messages created at or after this time (ms). */
  start?: number;
  /** Only messages created at or before this time (ms). */
  end?: number;
  limit: number;
}

/** A page of a user's archive of 1:1s (XEP-0313), ordered by (creation time, id). */
export interface ArchiveQuery {
  /** Only the 1:1 with this pair key. */
  pairKey?: string;
  /** Creation times, both inclusive. */
  start?: number;
  end?: number;
  /** Only messages after (before) this point of the order. */
  after?: { at: number; id: string };
  before?: { at: number; id: string };
  /** Newest first (the page that ends at `before`, or at the newest); oldest first otherwise. */
  newest: boolean;
  limit: number;
}

// The queries of every message sent, compiled once (`prepared.ts`).
const insertMessage = prepared((db, m: Message) =>
  db.insertInto('messages').values({
    id: m.id,
    tenant_id: m.tenantId,
    conversation_id: m.conversationId,
    seq: m.seq,
    sender_id: m.senderId,
    external_sender: m.externalSender,
    client_id: m.clientId,
    text: m.text,
    reply_to: m.replyTo,
    created_at: m.createdAt,
    edited_at: m.editedAt,
    deleted_at: m.deletedAt,
  }),
);
const sentBefore = prepared((db, p: { tenantId: string; conversationId: string; senderId: string; clientId: string }) =>
  db
    .selectFrom('messages')
    .selectAll()
    .where('tenant_id', '=', p.tenantId)
    .where('conversation_id', '=', p.conversationId)
    .where('sender_id', '=', p.senderId)
    .where('client_id', '=', p.clientId),
);

/** Words of a search as FTS5 string literals (quotes doubled), so no query syntax gets through. */
const ftsQuery = (q: string) =>
  q
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => `"${w.replaceAll('"', '""')}"`)
    .join(' ');

/** Messages and reactions of one tenant. Every method takes the tenant id. */
export class MessageRepository {
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** The messages (`m`) of the conversations `userId` is a current member of (`cm`: the membership). */
  private ofMember(tenantId: string, userId: string) {
    return this.db
      .selectFrom('messages as m')
      .innerJoin('conversation_members as cm', (j) =>
        j.onRef('cm.conversation_id', '=', 'm.conversation_id').on('cm.user_id', '=', userId),
      )
      .selectAll('m')
      .where('m.tenant_id', '=', tenantId)
      .where('cm.tenant_id', '=', tenantId)
      .where('cm.left_at', 'is', null);
  }

  async insert(m: Message): Promise<void> {
    await insertMessage.run(this.db, m);
  }

  async get(tenantId: string, id: string): Promise<Message | undefined> {
    const r = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && message(r);
  }

  /** The message a sender already sent with this idempotency key in this conversation. */
  async byClientId(
    tenantId: string,
    conversationId: string,
    senderId: string,
    clientId: string,
  ): Promise<Message | undefined> {
    const [r] = await sentBefore.rows(this.db, { tenantId, conversationId, senderId, clientId });
    return r && message(r);
  }

  async history(tenantId: string, conversationId: string, h: HistoryQuery): Promise<Message[]> {
    let q = this.db
      .selectFrom('messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .limit(h.limit);
    if (h.start !== undefined) q = q.where('created_at', '>=', h.start);
    if (h.end !== undefined) q = q.where('created_at', '<=', h.end);
    if (h.after !== undefined) {
      q = q.where('seq', '>', h.after).orderBy('seq', 'asc');
    } else {
      if (h.before !== undefined) q = q.where('seq', '<', h.before);
      q = q.orderBy('seq', 'desc');
    }
    return (await q.execute()).map(message);
  }

  async edit(tenantId: string, id: string, text: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('messages')
      .set({ text, edited_at: now, changed_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * Deletes a message's content but keeps the row (sequence, sender, time) as a tombstone; its
   * attachments' rows go with the content. Returns the ids of those attachments (their files are
   * the caller's to remove), or false when the message was already deleted.
   */
  async tombstone(tenantId: string, id: string, now: number): Promise<string[] | false> {
    const r = await this.db
      .updateTable('messages')
      .set({ text: '', deleted_at: now, changed_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    await this.db
      .deleteFrom('message_reactions')
      .where('tenant_id', '=', tenantId)
      .where('message_id', '=', id)
      .execute();
    const gone = await this.db
      .deleteFrom('attachments')
      .where('tenant_id', '=', tenantId)
      .where('message_id', '=', id)
      .returning('id')
      .execute();
    return gone.map((r) => r.id);
  }

  /** Records that a message changed (a reaction added or taken back), for `changes`. */
  async touch(tenantId: string, id: string, now: number): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ changed_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Messages of the conversations `userId` is a current member of that changed after a point
   * (edited, deleted, reacted to), ordered by (change time, id) so pages never skip a tie.
   */
  async changes(
    tenantId: string,
    userId: string,
    after: { at: number; id: string },
    limit: number,
  ): Promise<{ message: Message; changedAt: number }[]> {
    const rows = await this.ofMember(tenantId, userId)
      .where('m.changed_at', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('m.changed_at', '>', after.at),
          eb.and([eb('m.changed_at', '=', after.at), eb('m.id', '>', after.id)]),
        ]),
      )
      .orderBy('m.changed_at')
      .orderBy('m.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ message: message(r), changedAt: Number(r.changed_at) }));
  }

  /** A page of the 1:1 messages of the conversations `userId` is a current member of. */
  async archive(tenantId: string, userId: string, q: ArchiveQuery): Promise<Message[]> {
    let query = this.ofMember(tenantId, userId)
      .innerJoin('conversations as c', (j) => j.onRef('c.id', '=', 'm.conversation_id'))
      .where('c.tenant_id', '=', tenantId)
      .where('c.kind', '=', 'direct');
    if (q.pairKey !== undefined) query = query.where('c.pair_key', '=', q.pairKey);
    if (q.start !== undefined) query = query.where('m.created_at', '>=', q.start);
    if (q.end !== undefined) query = query.where('m.created_at', '<=', q.end);
    for (const [point, op] of [
      [q.after, '>'],
      [q.before, '<'],
    ] as const) {
      if (point) {
        query = query.where((eb) =>
          eb.or([
            eb('m.created_at', op, point.at),
            eb.and([eb('m.created_at', '=', point.at), eb('m.id', op, point.id)]),
          ]),
        );
      }
    }
    const order = q.newest ? 'desc' : 'asc';
    const rows = await query.orderBy('m.created_at', order).orderBy('m.id', order).limit(q.limit).execute();
    return rows.map(message);
  }

  /** The newest message of each of these conversations (those that have one). */
  async newest(tenantId: string, conversationIds: string[]): Promise<Message[]> {
    if (conversationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', (j) =>
        j.onRef('c.id', '=', 'm.conversation_id').onRef('c.last_seq', '=', 'm.seq'),
      )
      .selectAll('m')
      .where('m.tenant_id', '=', tenantId)
      .where('c.tenant_id', '=', tenantId)
      .where('m.conversation_id', 'in', conversationIds)
      .execute();
    return rows.map(message);
  }

  /** Adds a reaction; false when the user already reacted with this emoji. */
  async react(tenantId: string, r: Reaction): Promise<boolean> {
    const res = await this.db
      .insertInto('message_reactions')
      .values({
        message_id: r.messageId,
        tenant_id: tenantId,
        user_id: r.userId,
        emoji: r.emoji,
        created_at: r.createdAt,
      })
      .onConflict((oc) => oc.columns(['message_id', 'user_id', 'emoji']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async unreact(tenantId: string, messageId: string, userId: string, emoji: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('message_reactions')
      .where('tenant_id', '=', tenantId)
      .where('message_id', '=', messageId)
      .where('user_id', '=', userId)
      .where('emoji', '=', emoji)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async reactions(tenantId: string, messageIds: string[]): Promise<Reaction[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('message_reactions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('message_id', 'in', messageIds)
      .orderBy('created_at')
      .orderBy('user_id')
      .execute();
    return rows.map((r) => ({ messageId: r.message_id, userId: r.user_id, emoji: r.emoji, createdAt: r.created_at }));
  }

  /**
   * SQLite: moves the messages waiting for the full-text index into it, in one segment (migration
   * 034); how many. Run it in a transaction. PostgreSQL indexes each row as it is written: 0.
   */
  async indexPending(): Promise<number> {
    if (this.postgres) return 0;
    const r = await sql`insert into messages_fts (rowid, text, message_id, tenant_id, conversation_id)
      select m.rowid, m.text, m.id, m.tenant_id, m.conversation_id from messages m
      where m.rowid in (select message_rowid from messages_fts_pending)`.execute(this.db);
    await sql`delete from messages_fts_pending`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }

  /**
   * Full-text search over the messages of the conversations `userId` is a current member of,
   * newest first. SQLite: FTS5 (words as literals); PostgreSQL: tsvector with `plainto_tsquery`.
   */
  async search(tenantId: string, userId: string, query: string, limit: number): Promise<Message[]> {
    const words = query.trim();
    if (words.length === 0) return [];
    let q = this.ofMember(tenantId, userId).where('m.deleted_at', 'is', null);
    if (this.postgres) {
      q = q.where(sql<boolean>`m.search @@ plainto_tsquery('simple', ${words})`);
    } else {
      q = q.where(
        sql<boolean>`m.rowid in (select rowid from messages_fts where messages_fts match ${ftsQuery(words)} and tenant_id = ${tenantId})`,
      );
    }
    const rows = await q.orderBy('m.created_at', 'desc').orderBy('m.seq', 'desc').limit(limit).execute();
    return rows.map(message);
  }
}

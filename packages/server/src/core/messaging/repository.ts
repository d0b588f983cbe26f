import { type Kysely, type Selectable, sql } from 'kysely';
import type { ConversationsTable } from '../../platform/store/messaging-schema.js';
import { prepared } from '../../platform/store/prepared.js';
import type { Database } from '../../platform/store/schema.js';
import type { Conversation, ConversationSummary, Member, MemberRole, Receipt } from './model.js';

const conversation = (r: Selectable<ConversationsTable>): Conversation => ({
  id: r.id,
  tenantId: r.tenant_id,
  kind: r.kind,
  pairKey: r.pair_key,
  name: r.name,
  topic: r.topic,
  room: r.room,
  locked: Number(r.locked) === 1,
  external: r.external,
  externalReceipt:
    r.external === null
      ? null
      : { deliveredSeq: Number(r.external_delivered_seq), readSeq: Number(r.external_read_seq) },
  createdBy: r.created_by,
  lastSeq: Number(r.last_seq),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// The queries of every message sent, compiled once (`prepared.ts`).
const byId = prepared((db, p: { tenantId: string; id: string }) =>
  db.selectFrom('conversations').selectAll().where('tenant_id', '=', p.tenantId).where('id', '=', p.id),
);
const takeSeq = prepared((db, p: { tenantId: string; id: string; now: number }) =>
  db
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), updated_at: p.now }))
    .where('tenant_id', '=', p.tenantId)
    .where('id', '=', p.id)
    .returning(['last_seq', 'members_version']),
);
const bumpMembers = prepared((db, p: { tenantId: string; id: string }) =>
  db
    .updateTable('conversations')
    .set((eb) => ({ members_version: eb('members_version', '+', 1) }))
    .where('tenant_id', '=', p.tenantId)
    .where('id', '=', p.id),
);
interface Of {
  tenantId: string;
  conversationId: string;
}
const localMembers = (db: Kysely<Database>, p: Of) =>
  db
    .selectFrom('conversation_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.conversation_id',
      'm.user_id',
      'm.role',
      'm.joined_at',
      'm.left_at',
      'm.delivered_seq',
      'm.read_seq',
      sql<string>`u.local || '@' || u.domain`.as('address'),
      'u.display_name',
      sql<number>`0`.as('external'),
    ])
    .where('m.tenant_id', '=', p.tenantId)
    .where('m.conversation_id', '=', p.conversationId);
/** A group's members on other servers, in the shape of its local members (their JID as id and address). */
const externalMembers = (db: Kysely<Database>, p: Of) =>
  db
    .selectFrom('conversation_external_members as x')
    .select([
      'x.conversation_id',
      'x.jid as user_id',
      sql<MemberRole>`'member'`.as('role'),
      'x.joined_at',
      sql<number | null>`null`.as('left_at'),
      sql<number>`0`.as('delivered_seq'),
      sql<number>`0`.as('read_seq'),
      'x.jid as address',
      'x.nick as display_name',
      sql<number>`1`.as('external'),
    ])
    .where('x.tenant_id', '=', p.tenantId)
    .where('x.conversation_id', '=', p.conversationId);
// One statement for both (it runs for every message sent).
const allMembers = prepared((db, p: Of) =>
  localMembers(db, p).unionAll(externalMembers(db, p)).orderBy('joined_at').orderBy('address'),
);
const oneMember = prepared((db, p: Of & { userId: string }) => localMembers(db, p).where('m.user_id', '=', p.userId));
const receiptOf = (db: Kysely<Database>, p: Of & { userId: string }) =>
  db
    .updateTable('conversation_members')
    .where('tenant_id', '=', p.tenantId)
    .where('conversation_id', '=', p.conversationId)
    .where('user_id', '=', p.userId);
const ownReceipt = prepared((db, p: Of & { userId: string; seq: number }) =>
  receiptOf(db, p).set({ delivered_seq: p.seq, read_seq: p.seq }).where('read_seq', '<', p.seq),
);

const member = (r: Awaited<ReturnType<typeof allMembers.rows>>[number]): Member => ({
  conversationId: r.conversation_id,
  userId: r.user_id,
  address: r.address,
  displayName: r.display_name,
  role: r.role,
  joinedAt: r.joined_at,
  leftAt: r.left_at,
  deliveredSeq: Number(r.delivered_seq),
  readSeq: Number(r.read_seq),
  external: Number(r.external) === 1,
});

/** Conversations and their members (with receipts) of one tenant. Every method takes the tenant id. */
export class ConversationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(c: Conversation, members: { userId: string; role: MemberRole }[]): Promise<void> {
    await this.db
      .insertInto('conversations')
      .values({
        id: c.id,
        tenant_id: c.tenantId,
        kind: c.kind,
        pair_key: c.pairKey,
        name: c.name,
        topic: c.topic,
        room: c.room,
        locked: c.locked ? 1 : 0,
        external: c.external,
        external_delivered_seq: c.externalReceipt?.deliveredSeq ?? 0,
        external_read_seq: c.externalReceipt?.readSeq ?? 0,
        created_by: c.createdBy,
        last_seq: c.lastSeq,
        members_version: 0,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .execute();
    for (const m of members) await this.addMember(c.tenantId, c.id, m.userId, m.role, c.createdAt);
  }

  async get(tenantId: string, id: string): Promise<Conversation | undefined> {
    return (await this.versioned(tenantId, id))?.conversation;
  }

  /** The conversation and its membership version (see `nextSeq`). */
  async versioned(tenantId: string, id: string): Promise<{ conversation: Conversation; version: number } | undefined> {
    const [r] = await byId.rows(this.db, { tenantId, id });
    return r && { conversation: conversation(r), version: Number(r.members_version) };
  }

  /** The group with this room name (XEP-0045 rooms made by XMPP clients). */
  async byRoom(tenantId: string, room: string): Promise<Conversation | undefined> {
    const r = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('room', '=', room)
      .executeTakeFirst();
    return r && conversation(r);
  }

  async byPair(tenantId: string, key: string): Promise<Conversation | undefined> {
    const r = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('pair_key', '=', key)
      .executeTakeFirst();
    return r && conversation(r);
  }

  async update(
    tenantId: string,
    id: string,
    patch: { name?: string | null; topic?: string | null; room?: null; locked?: false },
    now: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('conversations')
      .set({
        updated_at: now,
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.topic !== undefined && { topic: patch.topic }),
        ...(patch.room !== undefined && { room: patch.room }),
        ...(patch.locked === false && { locked: 0 }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * Takes the next message sequence number of a conversation, with its membership version as it
   * is now (undefined: no such conversation). On PostgreSQL the update locks the row until the
   * transaction ends, so concurrent senders are serialised, and a membership change committed
   * before (which wrote the row too) is seen.
   */
  async nextSeq(tenantId: string, id: string, now: number): Promise<{ seq: number; version: number } | undefined> {
    const [r] = await takeSeq.rows(this.db, { tenantId, id, now });
    return r && { seq: Number(r.last_seq), version: Number(r.members_version) };
  }

  /**
   * Counts the membership version up: part of every change of who is a member, in its transaction
   * (a method that adds or removes members here or elsewhere calls it).
   */
  async membersChanged(tenantId: string, conversationId: string): Promise<void> {
    await bumpMembers.run(this.db, { tenantId, id: conversationId });
  }

  /** Adds a member, or brings back one who left (with the new role). */
  async addMember(tenantId: string, conversationId: string, userId: string, role: MemberRole, now: number) {
    await this.membersChanged(tenantId, conversationId);
    await this.db
      .insertInto('conversation_members')
      .values({
        conversation_id: conversationId,
        tenant_id: tenantId,
        user_id: userId,
        role,
        joined_at: now,
        left_at: null,
        delivered_seq: 0,
        read_seq: 0,
      })
      .onConflict((oc) =>
        oc.columns(['conversation_id', 'user_id']).doUpdateSet({ role, joined_at: now, left_at: null }),
      )
      .execute();
  }

  async setRole(tenantId: string, conversationId: string, userId: string, role: MemberRole): Promise<boolean> {
    const r = await this.db
      .updateTable('conversation_members')
      .set({ role })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Marks a member as gone; their row (and receipts) stay. */
  async leave(tenantId: string, conversationId: string, userId: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('conversation_members')
      .set({ left_at: now, role: 'member' })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .where('left_at', 'is', null)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    await this.membersChanged(tenantId, conversationId);
    return true;
  }

  /** Adds a member of another server (`jid`, bare) with their nick; one already there stays as is. */
  async addExternal(tenantId: string, conversationId: string, jid: string, nick: string, now: number) {
    await this.membersChanged(tenantId, conversationId);
    await this.db
      .insertInto('conversation_external_members')
      .values({ conversation_id: conversationId, tenant_id: tenantId, jid, nick, joined_at: now })
      .onConflict((oc) => oc.columns(['conversation_id', 'jid']).doNothing())
      .execute();
  }

  async renameExternal(tenantId: string, conversationId: string, jid: string, nick: string): Promise<void> {
    await this.db
      .updateTable('conversation_external_members')
      .set({ nick })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('jid', '=', jid)
      .execute();
  }

  /** Takes a member of another server out (nothing of theirs but their messages stays). */
  async removeExternal(tenantId: string, conversationId: string, jid: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('conversation_external_members')
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .where('jid', '=', jid)
      .executeTakeFirst();
    if (r.numDeletedRows === 0n) return false;
    await this.membersChanged(tenantId, conversationId);
    return true;
  }

  /** Moves a member's receipts forward (never back); returns the values now stored. */
  async setReceipt(
    tenantId: string,
    conversationId: string,
    userId: string,
    r: { deliveredSeq?: number; readSeq?: number },
  ): Promise<{ deliveredSeq: number; readSeq: number } | undefined> {
    const m = await this.member(tenantId, conversationId, userId);
    if (!m) return undefined;
    // Read implies delivered.
    const readSeq = Math.max(m.readSeq, r.readSeq ?? 0);
    const deliveredSeq = Math.max(m.deliveredSeq, r.deliveredSeq ?? 0, readSeq);
    if (readSeq !== m.readSeq || deliveredSeq !== m.deliveredSeq) {
      await receiptOf(this.db, { tenantId, conversationId, userId })
        .set({ delivered_seq: deliveredSeq, read_seq: readSeq })
        .execute();
    }
    return { deliveredSeq, readSeq };
  }

  /**
   * Moves the external party's receipts of a 1:1 forward (never back; read implies delivered), each
   * in one statement so concurrent receipts cannot move it back; whether either moved.
   */
  async setExternalReceipt(tenantId: string, conversationId: string, r: Receipt): Promise<boolean> {
    const forward = async (column: 'external_delivered_seq' | 'external_read_seq', seq: number) => {
      const done = await this.db
        .updateTable('conversations')
        .set({ [column]: seq })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', conversationId)
        .where('external', 'is not', null)
        .where(column, '<', seq)
        .executeTakeFirst();
      return done.numUpdatedRows > 0n;
    };
    const read = await forward('external_read_seq', r.readSeq);
    const delivered = await forward('external_delivered_seq', Math.max(r.deliveredSeq, r.readSeq));
    return read || delivered;
  }

  /**
   * The sender's receipt after their own message `seq`, the conversation's newest (allocated in the
   * same transaction): read, and so delivered, up to it — one statement on the hot path of a send.
   */
  async readOwn(tenantId: string, conversationId: string, userId: string, seq: number): Promise<void> {
    await ownReceipt.run(this.db, { tenantId, conversationId, userId, seq });
  }

  async member(tenantId: string, conversationId: string, userId: string): Promise<Member | undefined> {
    return (await oneMember.rows(this.db, { tenantId, conversationId, userId })).map(member)[0];
  }

  /** Every member, those who left included (with `leftAt`), in the order they joined. */
  async members(tenantId: string, conversationId: string): Promise<Member[]> {
    return (await allMembers.rows(this.db, { tenantId, conversationId })).map(member);
  }

  /**
   * The conversations a user is a current member of, most recently active first, each with the
   * user's receipts and unread count (messages of others after their read sequence, not deleted).
   */
  async listForUser(
    tenantId: string,
    userId: string,
    options: { limit?: number; offset?: number; updatedSince?: number; id?: string } = {},
  ): Promise<ConversationSummary[]> {
    let q = this.db
      .selectFrom('conversations as c')
      .innerJoin('conversation_members as m', 'm.conversation_id', 'c.id')
      .selectAll('c')
      .select(['m.role', 'm.delivered_seq', 'm.read_seq'])
      .select((eb) =>
        eb
          .selectFrom('messages as x')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('x.conversation_id', '=', 'c.id')
          .whereRef('x.seq', '>', 'm.read_seq')
          .where('x.sender_id', '!=', userId)
          .where('x.deleted_at', 'is', null)
          .as('unread'),
      )
      .where('c.tenant_id', '=', tenantId)
      .where('m.tenant_id', '=', tenantId)
      .where('m.user_id', '=', userId)
      .where('m.left_at', 'is', null)
      .orderBy('c.updated_at', 'desc')
      .orderBy('c.id');
    if (options.id !== undefined) q = q.where('c.id', '=', options.id);
    if (options.updatedSince !== undefined) q = q.where('c.updated_at', '>', options.updatedSince);
    if (options.limit !== undefined) q = q.limit(options.limit).offset(options.offset ?? 0);
    return (await q.execute()).map((r) => ({
      ...conversation(r),
      role: r.role,
      deliveredSeq: Number(r.delivered_seq),
      readSeq: Number(r.read_seq),
      unread: Number(r.unread ?? 0),
    }));
  }
}

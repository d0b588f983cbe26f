import { nameWords } from '@parley/api';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { JournalEntriesTable } from '../../platform/store/journal-schema.js';
import type { Database } from '../../platform/store/schema.js';
import type { JournalEntry, JournalFilter, JournalPosition } from './model.js';

/** At most this many words of `q` are searched. */
const MAX_QUERY_WORDS = 8;

const view = (r: JournalEntriesTable): JournalEntry => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  callId: r.call_id,
  direction: r.direction,
  line: r.line,
  remote: {
    number: r.remote_number,
    uri: r.remote_uri,
    userId: r.remote_user_id,
    display: r.remote_display,
    name: r.remote_name,
    company: r.remote_company,
    match: r.remote_match,
  },
  startedAt: Number(r.started_at),
  answeredAt: r.answered_at === null ? null : Number(r.answered_at),
  endedAt: Number(r.ended_at),
  duration: r.duration,
  result: r.result,
  by: r.by,
  memo: r.memo,
  read: r.read === 1,
  createdAt: Number(r.created_at),
});

/**
 * What `q` searches: the folded words of the entry's names, numbers, company, `by` and memo, each
 * followed by a space (a query word is found anywhere in it: `LIKE '%word%'`, no wildcards in words).
 */
export const searchKey = (e: JournalEntry): string =>
  nameWords(
    [e.remote.name, e.remote.display, e.remote.company, e.remote.number, e.remote.uri, e.line, e.by, e.memo]
      .filter((x) => x !== null)
      .join(' '),
  ).join(' ');

// biome-ignore lint/complexity/noBannedTypes: a query with no column selected yet
type Query = SelectQueryBuilder<Database, 'journal_entries', {}>;

/** Journal entries. Every method takes the tenant and the user; no query crosses either. */
export class JournalRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes the entry unless the user has one for that call already; whether it was written. */
  async insert(e: JournalEntry): Promise<boolean> {
    const r = await this.db
      .insertInto('journal_entries')
      .values({
        id: e.id,
        tenant_id: e.tenantId,
        user_id: e.userId,
        call_id: e.callId,
        direction: e.direction,
        line: e.line,
        remote_number: e.remote.number,
        remote_uri: e.remote.uri,
        remote_user_id: e.remote.userId,
        remote_display: e.remote.display,
        remote_name: e.remote.name,
        remote_company: e.remote.company,
        remote_match: e.remote.match,
        started_at: e.startedAt,
        answered_at: e.answeredAt,
        ended_at: e.endedAt,
        duration: e.duration,
        result: e.result,
        by: e.by,
        memo: e.memo,
        read: e.read ? 1 : 0,
        search_key: searchKey(e),
        created_at: e.createdAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'call_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async get(tenantId: string, userId: string, id: string): Promise<JournalEntry | undefined> {
    const r = await this.db
      .selectFrom('journal_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && view(r);
  }

  /** A page of the user's entries, newest first, after `after` (the last entry of the page before). */
  async list(
    tenantId: string,
    userId: string,
    filter: JournalFilter,
    page: { after?: JournalPosition; limit: number },
  ): Promise<JournalEntry[]> {
    let q = this.filtered(tenantId, userId, filter).selectAll();
    const after = page.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('started_at', '<', after.startedAt),
          eb.and([eb('started_at', '=', after.startedAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
    return rows.map(view);
  }

  /** Sets the memo and the read flag (each when given); the entry after, or undefined if there is none. */
  async update(
    tenantId: string,
    userId: string,
    id: string,
    change: { memo?: string | null; read?: boolean },
  ): Promise<JournalEntry | undefined> {
    const current = await this.get(tenantId, userId, id);
    if (!current) return undefined;
    const next: JournalEntry = {
      ...current,
      ...(change.memo !== undefined && { memo: change.memo }),
      ...(change.read !== undefined && { read: change.read }),
    };
    // Only the fields given: a concurrent change of the other one stays.
    await this.db
      .updateTable('journal_entries')
      .set({
        ...(change.memo !== undefined && { memo: next.memo, search_key: searchKey(next) }),
        ...(change.read !== undefined && { read: next.read ? 1 : 0 }),
      })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .execute();
    return next;
  }

  /** Marks every unread entry of the user read; how many there were. */
  async markAllRead(tenantId: string, userId: string): Promise<number> {
    const r = await this.db
      .updateTable('journal_entries')
      .set({ read: 1 })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('read', '=', 0)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** The user's missed calls not yet read (the web app's badge). */
  async unreadMissed(tenantId: string, userId: string): Promise<number> {
    const r = await this.filtered(tenantId, userId, { result: 'missed', unread: true })
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private filtered(tenantId: string, userId: string, f: JournalFilter): Query {
    let q = this.db.selectFrom('journal_entries').where('tenant_id', '=', tenantId).where('user_id', '=', userId);
    if (f.direction) q = q.where('direction', '=', f.direction);
    if (f.result) q = q.where('result', '=', f.result);
    if (f.unread !== undefined) q = q.where('read', '=', f.unread ? 0 : 1);
    if (f.from !== undefined) q = q.where('started_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('started_at', '<', f.to);
    for (const word of nameWords(f.q ?? '').slice(0, MAX_QUERY_WORDS)) {
      q = q.where('search_key', 'like', `%${word}%`);
    }
    return q;
  }
}

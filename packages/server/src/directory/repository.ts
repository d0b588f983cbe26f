import type { Kysely, Selectable } from 'kysely';
import type { DirectorySourcesTable } from '../platform/store/directory-schema.js';
import type { Database } from '../platform/store/schema.js';
import type { SourceRow, StoredContact, SyncReport } from './model.js';

const parse = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

function toRow(r: Selectable<DirectorySourcesTable>): SourceRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    kind: r.kind,
    priority: r.priority,
    config: JSON.parse(r.config),
    secretSealed: r.secret_sealed,
    scheduleSeconds: r.schedule_seconds,
    visibleTo: parse(r.visible_to),
    state: r.state,
    cursor: r.cursor,
    entries: r.entries,
    invalidNumbers: r.invalid_numbers,
    lastSyncAt: r.last_sync_at === null ? null : Number(r.last_sync_at),
    lastFullSyncAt: r.last_full_sync_at === null ? null : Number(r.last_full_sync_at),
    lastError: r.last_error,
    report: parse<SyncReport>(r.report),
    progress: r.progress_done === null ? null : { done: r.progress_done, total: r.progress_total },
    numbering: r.numbering,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Directory sources and the contacts they delivered, per tenant. */
export class DirectoryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertSource(s: SourceRow): Promise<void> {
    await this.db
      .insertInto('directory_sources')
      .values({
        id: s.id,
        tenant_id: s.tenantId,
        name: s.name,
        kind: s.kind,
        priority: s.priority,
        config: JSON.stringify(s.config),
        secret_sealed: s.secretSealed,
        schedule_seconds: s.scheduleSeconds,
        visible_to: s.visibleTo && JSON.stringify(s.visibleTo),
        state: s.state,
        cursor: null,
        entries: 0,
        invalid_numbers: 0,
        last_sync_at: null,
        last_full_sync_at: null,
        last_error: null,
        report: null,
        progress_done: null,
        progress_total: null,
        numbering: null,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
      })
      .execute();
  }

  async updateSource(
    tenantId: string,
    id: string,
    patch: Partial<
      Pick<
        SourceRow,
        | 'name'
        | 'priority'
        | 'config'
        | 'secretSealed'
        | 'scheduleSeconds'
        | 'visibleTo'
        | 'state'
        | 'cursor'
        | 'entries'
        | 'invalidNumbers'
        | 'lastSyncAt'
        | 'lastFullSyncAt'
        | 'lastError'
        | 'report'
        | 'progress'
        | 'numbering'
      >
    >,
    now: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('directory_sources')
      .set({
        updated_at: now,
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.priority !== undefined && { priority: patch.priority }),
        ...(patch.config !== undefined && { config: JSON.stringify(patch.config) }),
        ...(patch.secretSealed !== undefined && { secret_sealed: patch.secretSealed }),
        ...(patch.scheduleSeconds !== undefined && { schedule_seconds: patch.scheduleSeconds }),
        ...(patch.visibleTo !== undefined && { visible_to: patch.visibleTo && JSON.stringify(patch.visibleTo) }),
        ...(patch.state !== undefined && { state: patch.state }),
        ...(patch.cursor !== undefined && { cursor: patch.cursor }),
        ...(patch.entries !== undefined && { entries: patch.entries }),
        ...(patch.invalidNumbers !== undefined && { invalid_numbers: patch.invalidNumbers }),
        ...(patch.lastSyncAt !== undefined && { last_sync_at: patch.lastSyncAt }),
        ...(patch.lastFullSyncAt !== undefined && { last_full_sync_at: patch.lastFullSyncAt }),
        ...(patch.lastError !== undefined && { last_error: patch.lastError }),
        ...(patch.report !== undefined && { report: patch.report && JSON.stringify(patch.report) }),
        ...(patch.progress !== undefined && {
          progress_done: patch.progress?.done ?? null,
          progress_total: patch.progress?.total ?? null,
        }),
        ...(patch.numbering !== undefined && { numbering: patch.numbering }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * Marks the source as syncing unless it already is (a sync on another node); a sync that has
   * not reported progress for `staleMs` is taken to have died with its node.
   */
  async claimSync(tenantId: string, id: string, now: number, staleMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('directory_sources')
      .set({ state: 'syncing', progress_done: 0, progress_total: null, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('state', '!=', 'syncing'), eb('updated_at', '<', now - staleMs)]))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async deleteSource(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('directory_sources')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async sources(tenantId: string): Promise<SourceRow[]> {
    const rows = await this.db
      .selectFrom('directory_sources')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('priority')
      .orderBy('name')
      .execute();
    return rows.map(toRow);
  }

  async source(tenantId: string, idOrName: string): Promise<SourceRow | undefined> {
    const r = await this.db
      .selectFrom('directory_sources')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    return r && toRow(r);
  }

  /** Adds or replaces contacts of a source, stamping them as seen by the sync that started at `seenAt`. */
  async upsertEntries(tenantId: string, sourceId: string, contacts: StoredContact[], seenAt: number): Promise<void> {
    if (contacts.length === 0) return;
    // One statement per chunk keeps the bind parameters under SQLite's and PostgreSQL's limits.
    for (let i = 0; i < contacts.length; i += 500) {
      const values = contacts.slice(i, i + 500).map((c) => ({
        tenant_id: tenantId,
        source_id: sourceId,
        external_id: c.externalId,
        contact: JSON.stringify(c),
        seen_at: seenAt,
      }));
      await this.db
        .insertInto('directory_entries')
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(['source_id', 'external_id'])
            .doUpdateSet((eb) => ({ contact: eb.ref('excluded.contact'), seen_at: eb.ref('excluded.seen_at') }))
            .where('directory_entries.tenant_id', '=', tenantId),
        )
        .execute();
    }
  }

  async deleteEntries(tenantId: string, sourceId: string, externalIds: string[]): Promise<number> {
    let n = 0;
    for (let i = 0; i < externalIds.length; i += 500) {
      const r = await this.db
        .deleteFrom('directory_entries')
        .where('tenant_id', '=', tenantId)
        .where('source_id', '=', sourceId)
        .where('external_id', 'in', externalIds.slice(i, i + 500))
        .executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  }

  /** After a full sync: removes what it did not deliver. */
  async deleteUnseen(tenantId: string, sourceId: string, seenAt: number): Promise<number> {
    const r = await this.db
      .deleteFrom('directory_entries')
      .where('tenant_id', '=', tenantId)
      .where('source_id', '=', sourceId)
      .where('seen_at', '<', seenAt)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async countEntries(tenantId: string, sourceId: string): Promise<number> {
    const r = await this.db
      .selectFrom('directory_entries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('source_id', '=', sourceId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The source's contacts in pages (keyset on external id), for building the index. */
  async *entries(tenantId: string, sourceId: string, pageSize = 5000): AsyncGenerator<StoredContact[]> {
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('directory_entries')
        .select(['external_id', 'contact'])
        .where('tenant_id', '=', tenantId)
        .where('source_id', '=', sourceId)
        .where('external_id', '>', after)
        .orderBy('external_id')
        .limit(pageSize)
        .execute();
      if (rows.length === 0) return;
      yield rows.map((r) => JSON.parse(r.contact) as StoredContact);
      after = rows[rows.length - 1]?.external_id as string;
      if (rows.length < pageSize) return;
    }
  }
}

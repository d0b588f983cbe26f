import type { Kysely, Selectable } from 'kysely';
import type { CalendarConnectionsTable } from '../../platform/store/calendar-schema.js';
import type { Database } from '../../platform/store/schema.js';

export type CalendarType = 'caldav' | 'ics';

/** A user's calendar connection; `passwordSealed` is AES-GCM ciphertext, never the password. */
export interface CalendarConnection {
  tenantId: string;
  userId: string;
  type: CalendarType;
  url: string;
  username: string | null;
  passwordSealed: string | null;
  etag: string | null;
  lastModified: string | null;
  syncToken: string | null;
  ctag: string | null;
  lastSyncAt: number | null;
  lastAttemptAt: number | null;
  lastError: string | null;
  stale: boolean;
  /** Failed polls in a row. */
  failures: number;
  /** When the next poll is due (null: at once). */
  nextAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What a successful poll records: validators for the next conditional request. */
export interface SyncState {
  etag: string | null;
  lastModified: string | null;
  syncToken: string | null;
  ctag: string | null;
}

export interface CalendarResource {
  href: string;
  etag: string | null;
  data: string;
}

const toConnection = (r: Selectable<CalendarConnectionsTable>): CalendarConnection => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  type: r.type,
  url: r.url,
  username: r.username,
  passwordSealed: r.password_sealed,
  etag: r.etag,
  lastModified: r.last_modified,
  syncToken: r.sync_token,
  ctag: r.ctag,
  lastSyncAt: r.last_sync_at === null ? null : Number(r.last_sync_at),
  lastAttemptAt: r.last_attempt_at === null ? null : Number(r.last_attempt_at),
  lastError: r.last_error,
  stale: r.stale === 1,
  failures: Number(r.failures),
  nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** Calendar connections and their fetched resources, one per user; every method takes the tenant id. */
export class CalendarRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates or replaces the user's connection; replacing forgets validators, resources and backoff. */
  async put(
    c: Pick<CalendarConnection, 'tenantId' | 'userId' | 'type' | 'url' | 'username' | 'passwordSealed'>,
    now: number,
  ): Promise<void> {
    await this.db
      .deleteFrom('calendar_resources')
      .where('tenant_id', '=', c.tenantId)
      .where('user_id', '=', c.userId)
      .execute();
    const fresh = {
      type: c.type,
      url: c.url,
      username: c.username,
      password_sealed: c.passwordSealed,
      etag: null,
      last_modified: null,
      sync_token: null,
      ctag: null,
      last_sync_at: null,
      last_attempt_at: null,
      last_error: null,
      stale: 0,
      failures: 0,
      next_attempt_at: null,
      updated_at: now,
    };
    const r = await this.db
      .updateTable('calendar_connections')
      .set(fresh)
      .where('tenant_id', '=', c.tenantId)
      .where('user_id', '=', c.userId)
      .executeTakeFirst();
    if (r.numUpdatedRows > 0n) return;
    await this.db
      .insertInto('calendar_connections')
      .values({ ...fresh, tenant_id: c.tenantId, user_id: c.userId, created_at: now })
      .execute();
  }

  async get(tenantId: string, userId: string): Promise<CalendarConnection | undefined> {
    const r = await this.db
      .selectFrom('calendar_connections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r && toConnection(r);
  }

  async list(tenantId: string): Promise<CalendarConnection[]> {
    const rows = await this.db
      .selectFrom('calendar_connections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('user_id')
      .execute();
    return rows.map(toConnection);
  }

  async delete(tenantId: string, userId: string): Promise<boolean> {
    await this.db
      .deleteFrom('calendar_resources')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
    const r = await this.db
      .deleteFrom('calendar_connections')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Connections of the tenant whose next poll is due at `now`. */
  async due(tenantId: string, now: number): Promise<CalendarConnection[]> {
    const rows = await this.db
      .selectFrom('calendar_connections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)]))
      .orderBy('user_id')
      .execute();
    return rows.map(toConnection);
  }

  /** A successful poll: new validators, not stale, no error, no failures; the next poll at `nextAttemptAt`. */
  async recordSuccess(
    tenantId: string,
    userId: string,
    state: SyncState,
    now: number,
    nextAttemptAt: number | null,
  ): Promise<void> {
    await this.db
      .updateTable('calendar_connections')
      .set({
        etag: state.etag,
        last_modified: state.lastModified,
        sync_token: state.syncToken,
        ctag: state.ctag,
        last_sync_at: now,
        last_attempt_at: now,
        last_error: null,
        stale: 0,
        failures: 0,
        next_attempt_at: nextAttemptAt,
      })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
  }

  /**
   * A failed poll: stale with the error, `failures` failed polls in a row, the next try at
   * `nextAttemptAt`; validators and resources stay.
   */
  async recordFailure(
    tenantId: string,
    userId: string,
    error: string,
    now: number,
    backoff: { failures: number; nextAttemptAt: number | null },
  ): Promise<void> {
    await this.db
      .updateTable('calendar_connections')
      .set({
        last_attempt_at: now,
        last_error: error.slice(0, 1000),
        stale: 1,
        failures: backoff.failures,
        next_attempt_at: backoff.nextAttemptAt,
      })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
  }

  async resources(tenantId: string, userId: string): Promise<CalendarResource[]> {
    return this.db
      .selectFrom('calendar_resources')
      .select(['href', 'etag', 'data'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('href')
      .execute();
  }

  /** Inserts or replaces the given resources and removes the hrefs in `removed`. */
  async applyResources(
    tenantId: string,
    userId: string,
    changed: CalendarResource[],
    removed: string[],
  ): Promise<void> {
    const hrefs = [...removed, ...changed.map((c) => c.href)];
    for (let i = 0; i < hrefs.length; i += 500) {
      await this.db
        .deleteFrom('calendar_resources')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('href', 'in', hrefs.slice(i, i + 500))
        .execute();
    }
    for (let i = 0; i < changed.length; i += 200) {
      await this.db
        .insertInto('calendar_resources')
        .values(
          changed
            .slice(i, i + 200)
            .map((c) => ({ tenant_id: tenantId, user_id: userId, href: c.href, etag: c.etag, data: c.data })),
        )
        .execute();
    }
  }

  /** Forgets the fetched resources and the validators, so that the next poll downloads everything again. */
  async clearResources(tenantId: string, userId: string): Promise<void> {
    await this.db
      .deleteFrom('calendar_resources')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
    await this.db
      .updateTable('calendar_connections')
      .set({ etag: null, last_modified: null, sync_token: null, ctag: null })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
  }

  /** Replaces all resources (a full resync). */
  async replaceResources(tenantId: string, userId: string, all: CalendarResource[]): Promise<void> {
    await this.db
      .deleteFrom('calendar_resources')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute();
    await this.applyResources(tenantId, userId, all, []);
  }
}

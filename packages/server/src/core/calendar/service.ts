import type { HttpLimits } from '../../lib/http-client.js';
import type { Logger } from '../../platform/log.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import type { SecretSealer } from '../../platform/secrets.js';
import type { CoreContext } from '../context.js';
import { notFound, ParleyError } from '../errors.js';
import type { CalendarBlock, CalendarSink, CalendarSnapshot } from '../presence/model.js';
import { type Actor, checkMayChange } from '../users/service.js';
import { syncCalDav } from './caldav.js';
import { CalendarExpander, type ExpanderOptions } from './expander.js';
import { CalendarTooComplexError } from './ics.js';
import { fetchIcs } from './ics-source.js';
import type { CalendarConnection, CalendarResource, CalendarType, SyncState } from './repository.js';

interface Polled {
  blocks: CalendarBlock[];
  state: SyncState;
}

const noCalendar = () => new ParleyError('PARLEY_ERR_NOT_FOUND', 'No calendar is configured');

export interface CalendarOptions extends ExpanderOptions {
  pollSeconds: number;
  concurrency: number;
  timeoutSeconds: number;
  maxBytes: number;
  windowDays: number;
  timeZone: string;
  /** Expansion budget of one calendar (instances in the window, recurrence steps). */
  maxInstances: number;
  maxRecurrenceSteps: number;
  /** Cap of the exponential backoff of a failing calendar. */
  maxBackoffHours: number;
  secrets: SecretSealer;
  /** Which addresses calendar URLs (and their redirects) may reach. */
  outbound: OutboundPolicy;
  /** Where snapshots go: the presence service (wired in createCore). */
  sink: CalendarSink;
}

export type CalendarInput =
  | { type: 'caldav'; url: string; username: string; password: string }
  | { type: 'ics'; url: string };

/** What the API shows of a connection: never the password. */
export interface CalendarView {
  type: CalendarType;
  url: string;
  username: string | null;
  lastSyncAt: number | null;
  lastAttemptAt: number | null;
  stale: boolean;
  lastError: string | null;
  nextAttemptAt: number | null;
}

export const calendarView = (c: CalendarConnection): CalendarView => ({
  type: c.type,
  url: c.url,
  username: c.username,
  lastSyncAt: c.lastSyncAt,
  lastAttemptAt: c.lastAttemptAt,
  stale: c.stale,
  lastError: c.lastError,
  nextAttemptAt: c.nextAttemptAt,
});

const secretContext = (tenantId: string, userId: string) => `calendar/${tenantId}/${userId}`;
const key = (tenantId: string, userId: string) => `${tenantId}/${userId}`;
const DAY = 86_400_000;

/**
 * Per-user calendars: connection settings, polling with conditional requests, expansion into
 * blocks (in worker threads, see expander.ts) and delivery to the sink. A failing calendar turns
 * stale (its last good objects stay and are still expanded) and its error is logged once, on the
 * transition, not at every poll. Each failed poll in a row doubles the wait before the next one
 * (up to `maxBackoffHours`); the due time is stored, so a restart does not retry at once. A calendar
 * too complex to expand loses its stored objects and blocks: nothing keeps expanding it.
 */
export class CalendarService {
  private readonly sink: CalendarSink;
  private readonly running = new Set<string>();
  private readonly log: Logger;
  private readonly expander: CalendarExpander;
  private polling = false;

  constructor(
    private readonly ctx: CoreContext,
    readonly options: CalendarOptions,
  ) {
    this.sink = options.sink;
    this.log = ctx.log.child({ component: 'calendar' });
    this.expander = new CalendarExpander(options);
  }

  private get limits(): HttpLimits {
    return {
      timeoutMs: this.options.timeoutSeconds * 1000,
      maxBytes: this.options.maxBytes,
      outbound: this.options.outbound,
    };
  }

  /** The user must exist, and only a system administrator changes a system administrator's calendar. */
  private async checkTarget(
    tenantId: string,
    userId: string,
    actor: Actor | undefined,
    what = "change a system administrator's calendar",
  ) {
    const user = await this.ctx.store.repos.users.get(tenantId, userId);
    if (!user) throw notFound('user');
    checkMayChange(actor, user, what);
  }

  /**
   * The user's calendar connection. `actor` (an admin looking at someone else) may not see a
   * system administrator's: its URL may carry a token that is as good as a password.
   */
  async get(tenantId: string, userId: string, actor?: Actor): Promise<CalendarView> {
    if (actor) await this.checkTarget(tenantId, userId, actor, "see a system administrator's calendar");
    const c = await this.ctx.store.repos.calendars.get(tenantId, userId);
    if (!c) throw noCalendar();
    return calendarView(c);
  }

  /**
   * Stores (or replaces) the user's calendar; the password is sealed; the next poll is due at once
   * (no backoff). `actor` (an admin acting on someone else) may not change a system administrator's.
   */
  async set(tenantId: string, userId: string, input: CalendarInput, actor?: Actor): Promise<CalendarView> {
    await this.checkTarget(tenantId, userId, actor);
    const now = this.ctx.clock.now();
    await this.ctx.store.repos.calendars.put(
      {
        tenantId,
        userId,
        type: input.type,
        url: input.url,
        username: input.type === 'caldav' ? input.username : null,
        passwordSealed:
          input.type === 'caldav' ? this.options.secrets.seal(input.password, secretContext(tenantId, userId)) : null,
      },
      now,
    );
    return this.get(tenantId, userId);
  }

  /** Disconnects the user's calendar; `actor` as for set(). */
  async remove(tenantId: string, userId: string, actor?: Actor): Promise<void> {
    await this.checkTarget(tenantId, userId, actor);
    if (!(await this.ctx.store.repos.calendars.delete(tenantId, userId))) throw noCalendar();
    await this.deliver(tenantId, userId, { blocks: [], fetchedAt: this.ctx.clock.now(), stale: false });
  }

  /**
   * Polls one calendar now (also during a backoff: someone asked) and delivers its snapshot;
   * failures are recorded, not thrown. A poll of the same calendar already running is not repeated.
   * `actor` as for set(); the scheduler passes none.
   */
  async sync(tenantId: string, userId: string, actor?: Actor): Promise<CalendarView> {
    if (actor) await this.checkTarget(tenantId, userId, actor);
    const k = key(tenantId, userId);
    if (!this.running.has(k)) {
      this.running.add(k);
      try {
        await this.poll(tenantId, userId);
      } finally {
        this.running.delete(k);
      }
    }
    return this.get(tenantId, userId);
  }

  /** Polls every calendar whose due time has come, at most `concurrency` at once. */
  async pollDue(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const now = this.ctx.clock.now();
      const todo: [string, string][] = [];
      for (const tenant of await this.ctx.store.repos.tenants.list()) {
        for (const c of await this.ctx.store.repos.calendars.due(tenant.id, now)) todo.push([c.tenantId, c.userId]);
      }
      const workers = Array.from({ length: Math.min(this.options.concurrency, todo.length) }, async () => {
        for (let next = todo.shift(); next; next = todo.shift()) {
          await this.sync(next[0], next[1]).catch((err) => this.log.warn({ err }, 'calendar poll failed'));
        }
      });
      await Promise.all(workers);
    } finally {
      this.polling = false;
    }
  }

  private window() {
    const now = this.ctx.clock.now();
    return { from: now - DAY, to: now + this.options.windowDays * DAY };
  }

  /** When a calendar with `failures` failed polls in a row is due again. */
  private nextAttempt(failures: number, now: number): number {
    const wait = this.options.pollSeconds * 1000 * 2 ** Math.max(0, failures - 1);
    return now + Math.min(wait, this.options.maxBackoffHours * 3_600_000);
  }

  private async poll(tenantId: string, userId: string): Promise<void> {
    const repo = this.ctx.store.repos.calendars;
    const conn = await repo.get(tenantId, userId);
    if (!conn) return;
    const now = this.ctx.clock.now();
    const log = this.log.child({ tenantId, userId, calendar: conn.type });
    try {
      const { blocks, state } = conn.type === 'ics' ? await this.pollIcs(conn, log) : await this.pollCalDav(conn, log);
      const done = this.ctx.clock.now();
      await repo.recordSuccess(tenantId, userId, state, done, this.nextAttempt(0, done));
      if (conn.stale) log.info('calendar reachable again');
      await this.deliver(tenantId, userId, { blocks, fetchedAt: now, stale: false });
    } catch (err) {
      await this.failed(conn, err as Error, now, log);
    }
  }

  /** Records a failed poll with its backoff and delivers what is left: the last good blocks, or none. */
  private async failed(conn: CalendarConnection, err: Error, now: number, log: Logger) {
    const { tenantId, userId } = conn;
    const repo = this.ctx.store.repos.calendars;
    const failures = conn.failures + 1;
    const nextAttemptAt = this.nextAttempt(failures, now);
    await repo.recordFailure(tenantId, userId, err.message, now, { failures, nextAttemptAt });
    let tooComplex = err instanceof CalendarTooComplexError;
    // Logged once when the calendar turns stale, not at every failing poll.
    if (!conn.stale) {
      const what = tooComplex
        ? 'calendar too complex; its data is dropped'
        : 'calendar unavailable; keeping the last good data';
      log.warn({ url: conn.url, error: err.message, nextAttemptAt }, what);
    }
    let blocks: CalendarBlock[] = [];
    try {
      if (!tooComplex) blocks = await this.expandStored(await repo.resources(tenantId, userId), log);
    } catch (e) {
      if (!(e instanceof CalendarTooComplexError)) {
        log.debug({ error: (e as Error).message }, 'stored calendar not expanded; presence keeps its last snapshot');
        return;
      }
      tooComplex = true;
    }
    if (tooComplex) await repo.clearResources(tenantId, userId);
    await this.deliver(tenantId, userId, { blocks, fetchedAt: now, stale: true });
  }

  private async pollIcs(conn: CalendarConnection, log: Logger): Promise<Polled> {
    const repo = this.ctx.store.repos.calendars;
    const r = await fetchIcs(conn.url, conn, this.limits);
    const state: SyncState = { etag: conn.etag, lastModified: conn.lastModified, syncToken: null, ctag: null };
    if (!r.changed)
      return { blocks: await this.expandStored(await repo.resources(conn.tenantId, conn.userId), log), state };
    // A malformed or too complex body must not replace the last good one: expanded before it is stored.
    const blocks = await this.expand([r.data], [], log);
    await repo.replaceResources(conn.tenantId, conn.userId, [{ href: conn.url, etag: r.etag, data: r.data }]);
    return { blocks, state: { ...state, etag: r.etag, lastModified: r.lastModified } };
  }

  private async pollCalDav(conn: CalendarConnection, log: Logger): Promise<Polled> {
    const repo = this.ctx.store.repos.calendars;
    const password = conn.passwordSealed
      ? this.options.secrets.open(conn.passwordSealed, secretContext(conn.tenantId, conn.userId))
      : '';
    const stored = await repo.resources(conn.tenantId, conn.userId);
    const r = await syncCalDav(
      { url: conn.url, username: conn.username ?? '', password },
      { syncToken: conn.syncToken, ctag: conn.ctag, etags: new Map(stored.map((s) => [s.href, s.etag])) },
      this.window(),
      this.limits,
    );
    this.lastStats = r.stats;
    const state: SyncState = { etag: null, lastModified: null, syncToken: r.syncToken, ctag: r.ctag };
    if (!r.modified) return { blocks: await this.expandStored(stored, log), state };
    // The changed objects must all parse; they and the untouched stored ones are expanded together.
    const replaced = new Set([...r.removed, ...r.upserts.map((u) => u.href)]);
    const kept = stored.filter((s) => !replaced.has(s.href)).map((s) => s.data);
    const blocks = await this.expand(
      r.upserts.map((u) => u.data),
      kept,
      log,
    );
    await repo.applyResources(conn.tenantId, conn.userId, r.upserts, r.removed);
    return { blocks, state };
  }

  /** Requests and downloads of the last CalDAV poll (for tests and diagnostics). */
  lastStats: { requests: number; downloaded: number } | undefined;

  private expandStored(resources: CalendarResource[], log: Logger): Promise<CalendarBlock[]> {
    return this.expand(
      [],
      resources.map((r) => r.data),
      log,
    );
  }

  /** Parses and expands in a worker thread, within the calendar's budget and time limit. */
  private async expand(strict: string[], lenient: string[], log: Logger): Promise<CalendarBlock[]> {
    const { blocks, skipped } = await this.expander.expand({
      strict,
      lenient,
      ...this.window(),
      timeZone: this.options.timeZone,
      maxBytes: this.options.maxBytes,
      maxInstances: this.options.maxInstances,
      maxTotalSteps: this.options.maxRecurrenceSteps,
    });
    if (skipped.length > 0) log.debug({ skipped }, 'calendar objects or events skipped');
    return blocks;
  }

  private async deliver(tenantId: string, userId: string, snapshot: CalendarSnapshot) {
    try {
      await this.sink.setCalendar(tenantId, userId, snapshot);
    } catch (err) {
      this.log.warn({ err, tenantId, userId }, 'calendar sink failed');
    }
  }

  /** Stops the expansion workers. */
  close(): Promise<void> {
    return this.expander.close();
  }

  /** How often the feature checks for due calendars. */
  get tickMs(): number {
    return Math.min(Math.max((this.options.pollSeconds * 1000) / 10, 1000), 30_000);
  }
}

import type { HttpLimits } from '../../lib/http-client.js';
import type { Logger } from '../../platform/log.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import type { SecretSealer } from '../../platform/secrets.js';
import type { CoreContext } from '../context.js';
import { notFound, ParleyError } from '../errors.js';
import type { CalendarBlock, CalendarSink, CalendarSnapshot } from '../presence/model.js';
import { syncCalDav } from './caldav.js';
import { expandCalendars, parseIcs } from './ics.js';
import { fetchIcs } from './ics-source.js';
import type { CalendarConnection, CalendarResource, CalendarType } from './repository.js';

const noCalendar = () => new ParleyError('PARLEY_ERR_NOT_FOUND', 'No calendar is configured');

export interface CalendarOptions {
  pollSeconds: number;
  concurrency: number;
  timeoutSeconds: number;
  maxBytes: number;
  windowDays: number;
  timeZone: string;
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
}

export const calendarView = (c: CalendarConnection): CalendarView => ({
  type: c.type,
  url: c.url,
  username: c.username,
  lastSyncAt: c.lastSyncAt,
  lastAttemptAt: c.lastAttemptAt,
  stale: c.stale,
  lastError: c.lastError,
});

const secretContext = (tenantId: string, userId: string) => `calendar/${tenantId}/${userId}`;
const key = (tenantId: string, userId: string) => `${tenantId}/${userId}`;
const DAY = 86_400_000;

/**
 * Per-user calendars: connection settings, polling with conditional requests, expansion into
 * blocks and delivery to the sink. A failing calendar turns stale (its last good objects stay and
 * are still expanded) and its error is logged once, on the transition, not at every poll.
 */
export class CalendarService {
  private readonly sink: CalendarSink;
  private readonly due = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly log: Logger;
  private polling = false;

  constructor(
    private readonly ctx: CoreContext,
    readonly options: CalendarOptions,
  ) {
    this.sink = options.sink;
    this.log = ctx.log.child({ component: 'calendar' });
  }

  private get limits(): HttpLimits {
    return {
      timeoutMs: this.options.timeoutSeconds * 1000,
      maxBytes: this.options.maxBytes,
      outbound: this.options.outbound,
    };
  }

  private async requireUser(tenantId: string, userId: string) {
    if (!(await this.ctx.store.repos.users.get(tenantId, userId))) throw notFound('user');
  }

  async get(tenantId: string, userId: string): Promise<CalendarView> {
    const c = await this.ctx.store.repos.calendars.get(tenantId, userId);
    if (!c) throw noCalendar();
    return calendarView(c);
  }

  /** Stores (or replaces) the user's calendar; the password is sealed; the next poll is due at once. */
  async set(tenantId: string, userId: string, input: CalendarInput): Promise<CalendarView> {
    await this.requireUser(tenantId, userId);
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
    this.due.delete(key(tenantId, userId));
    return this.get(tenantId, userId);
  }

  async remove(tenantId: string, userId: string): Promise<void> {
    if (!(await this.ctx.store.repos.calendars.delete(tenantId, userId))) throw noCalendar();
    this.due.delete(key(tenantId, userId));
    await this.deliver(tenantId, userId, { blocks: [], fetchedAt: this.ctx.clock.now(), stale: false });
  }

  /** Polls one calendar now and delivers its snapshot; failures are recorded, not thrown. */
  async sync(tenantId: string, userId: string): Promise<CalendarView> {
    const k = key(tenantId, userId);
    if (!this.running.has(k)) {
      this.running.add(k);
      try {
        await this.poll(tenantId, userId);
      } finally {
        this.running.delete(k);
        this.due.set(k, this.ctx.clock.now() + this.options.pollSeconds * 1000);
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
        for (const c of await this.ctx.store.repos.calendars.list(tenant.id)) {
          if ((this.due.get(key(c.tenantId, c.userId)) ?? 0) <= now) todo.push([c.tenantId, c.userId]);
        }
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

  private async poll(tenantId: string, userId: string): Promise<void> {
    const repo = this.ctx.store.repos.calendars;
    const conn = await repo.get(tenantId, userId);
    if (!conn) return;
    const now = this.ctx.clock.now();
    const log = this.log.child({ tenantId, userId, calendar: conn.type });
    let stale = false;
    try {
      if (conn.type === 'ics') await this.pollIcs(conn);
      else await this.pollCalDav(conn);
      if (conn.stale) log.info('calendar reachable again');
    } catch (err) {
      stale = true;
      const message = (err as Error).message;
      await repo.recordFailure(tenantId, userId, message, now);
      // Logged once when the calendar turns stale, not at every failing poll.
      if (!conn.stale) log.warn({ url: conn.url, error: message }, 'calendar unavailable; keeping the last good data');
    }
    const blocks = this.expandStored(await repo.resources(tenantId, userId), log);
    await this.deliver(tenantId, userId, { blocks, fetchedAt: now, stale });
  }

  private async pollIcs(conn: CalendarConnection) {
    const repo = this.ctx.store.repos.calendars;
    const r = await fetchIcs(conn.url, conn, this.limits);
    const state = { etag: conn.etag, lastModified: conn.lastModified, syncToken: null, ctag: null };
    if (r.changed) {
      parseIcs(r.data, this.options.maxBytes); // a malformed body must not replace the last good one
      await repo.replaceResources(conn.tenantId, conn.userId, [{ href: conn.url, etag: r.etag, data: r.data }]);
      state.etag = r.etag;
      state.lastModified = r.lastModified;
    }
    await repo.recordSuccess(conn.tenantId, conn.userId, state, this.ctx.clock.now());
  }

  private async pollCalDav(conn: CalendarConnection) {
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
    if (r.modified) {
      for (const u of r.upserts) parseIcs(u.data, this.options.maxBytes);
      await repo.applyResources(conn.tenantId, conn.userId, r.upserts, r.removed);
    }
    await repo.recordSuccess(
      conn.tenantId,
      conn.userId,
      { etag: null, lastModified: null, syncToken: r.syncToken, ctag: r.ctag },
      this.ctx.clock.now(),
    );
  }

  /** Requests and downloads of the last CalDAV poll (for tests and diagnostics). */
  lastStats: { requests: number; downloaded: number } | undefined;

  private expandStored(resources: CalendarResource[], log: Logger): CalendarBlock[] {
    const calendars = [];
    for (const r of resources) {
      try {
        calendars.push(parseIcs(r.data, this.options.maxBytes));
      } catch (err) {
        log.debug({ href: r.href, err }, 'stored calendar object skipped');
      }
    }
    return expandCalendars(calendars, {
      ...this.window(),
      timeZone: this.options.timeZone,
      onSkip: (uid, err) => log.debug({ uid, error: err.message }, 'event skipped'),
    });
  }

  private async deliver(tenantId: string, userId: string, snapshot: CalendarSnapshot) {
    try {
      await this.sink.setCalendar(tenantId, userId, snapshot);
    } catch (err) {
      this.log.warn({ err, tenantId, userId }, 'calendar sink failed');
    }
  }

  /** How often the feature checks for due calendars. */
  get tickMs(): number {
    return Math.min(Math.max((this.options.pollSeconds * 1000) / 10, 1000), 30_000);
  }
}

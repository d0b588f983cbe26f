import { randomUUID } from 'node:crypto';
import type { Unsubscribe } from '../../platform/bus/bus.js';
import { type CallEvent, type CallEventType, callEventTypes, type Party } from '../calls/model.js';
import type { CoreContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { notFound } from '../errors.js';
import type { Mailer } from '../mail.js';
import type { User } from '../users/model.js';
import { deriveEntries } from './derive.js';
import { type MissedCallMailStyle, missedCallMail } from './mail.js';
import type {
  CallStep,
  EntryDraft,
  JournalEntry,
  JournalFilter,
  JournalPosition,
  NumberResolver,
  RemoteParty,
} from './model.js';

/**
 * How long an ended call waits for events of it still under way (different event types reach a
 * subscriber in no fixed order) before its entries are written from what arrived.
 */
const MISSING_EVENTS_MS = 5000;
/** How long an ended call's id is remembered, so later copies of its events (one per user) are dropped. */
const ENDED_MEMORY_MS = 60_000;

export interface JournalOptions {
  /** Who a number is (the directory); without one, external parties keep only their number. */
  resolver?: NumberResolver;
  /** Mail each missed call to the user's address; off when absent. */
  missedCallMail?: MissedCallMailStyle & { mailer: Mailer };
}

/** The users the journal names (a colleague by their display name) and mails. */
export interface JournalUsers {
  lookup(tenantId: string, userId: string): Promise<User | undefined>;
}

/** The events of one call this node switches, kept until it ends. */
interface CallMemory {
  steps: Map<number, CallStep>;
  /** The version that ended the call, once seen. */
  end: number | null;
  timer?: NodeJS.Timeout;
}

/** Entries read from the store at once by the export. */
const EXPORT_PAGE = 500;

function positionOf(cursor: string): JournalPosition {
  const [startedAt, id] = decodeCursor(cursor, ['number', 'string']) as [number, string];
  return { startedAt, id };
}

const noRemote: RemoteParty = {
  number: null,
  uri: null,
  userId: null,
  display: null,
  name: null,
  company: null,
  match: null,
};

/**
 * The call journal (DESIGN §7: every call leg produces a journal entry). Each node watches the
 * `call.*` events of the calls it switches — it is the only node that sees all of their events —
 * and, when a call ends, writes one entry per user involved, with the remote party resolved through
 * the directory; the store's unique key makes a second write of the same entry a no-op.
 */
export class JournalService {
  private readonly memory = new Map<string, CallMemory>();
  /** Ids of calls whose entries were written, with when. */
  private readonly ended = new Map<string, number>();
  /** Entries being written (stop and tests wait for them). */
  private readonly writing = new Set<Promise<void>>();
  private readonly log;

  constructor(
    private readonly ctx: CoreContext,
    private readonly users: JournalUsers,
    private readonly options: JournalOptions = {},
  ) {
    this.log = ctx.log.child({ component: 'journal' });
  }

  /** Watches the calls of this node until the returned function is called. */
  listen(): Unsubscribe {
    const subs = callEventTypes.map((type) => this.ctx.bus.subscribe(type, (e) => this.observe(type, e)));
    return () => {
      for (const unsubscribe of subs) unsubscribe();
      for (const m of this.memory.values()) clearTimeout(m.timer);
      this.memory.clear();
    };
  }

  /** Resolves once the entries of every call that ended so far are written. */
  async idle(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing);
  }

  /**
   * Takes one call event (published once per user in the call: the same version again is the same
   * event). Only the node switching the call keeps its events; once the call ended and every version
   * is here, its entries are written.
   */
  observe(type: CallEventType, e: CallEvent): void {
    const { call } = e;
    if (call.node !== this.ctx.cluster.instance || this.ended.has(call.id)) return;
    const m = this.memory.get(call.id) ?? { steps: new Map(), end: null };
    this.memory.set(call.id, m);
    if (m.steps.has(call.version)) return;
    m.steps.set(call.version, {
      type,
      call,
      connectionId: e.connectionId,
      cause: e.cause,
      ...(e.joined && { joined: e.joined }),
      at: this.ctx.clock.now(),
    });
    if (call.endedAt !== null) m.end = call.version;
    if (m.end === null) return;
    // Versions count up from 1 with every event of the call.
    if (m.steps.size >= m.end) this.finish(call.id, m);
    else m.timer ??= setTimeout(() => this.finish(call.id, m), MISSING_EVENTS_MS).unref();
  }

  private finish(callId: string, m: CallMemory): void {
    clearTimeout(m.timer);
    if (this.memory.get(callId) !== m) return;
    this.memory.delete(callId);
    const now = this.ctx.clock.now();
    for (const [id, at] of this.ended) {
      // Oldest first: the first one still young ends the sweep.
      if (now - at <= ENDED_MEMORY_MS) break;
      this.ended.delete(id);
    }
    this.ended.set(callId, now);
    if (m.steps.size < (m.end ?? 0))
      this.log.warn({ callId, missing: (m.end ?? 0) - m.steps.size }, 'call events missing');
    const steps = [...m.steps.values()];
    const tenantId = (steps[0] as CallStep).call.tenantId;
    const run = this.record(tenantId, callId, deriveEntries(steps)).then(
      () => undefined,
      (err) => this.log.error({ err, tenantId, callId }, 'journal entries not written'),
    );
    this.writing.add(run);
    void run.finally(() => this.writing.delete(run));
  }

  /** Writes the entries of an ended call (each once), tells their users and mails missed calls. */
  async record(tenantId: string, callId: string, drafts: EntryDraft[]): Promise<JournalEntry[]> {
    const written: JournalEntry[] = [];
    for (const d of drafts) {
      const user = await this.users.lookup(tenantId, d.userId);
      if (!user) continue;
      const entry: JournalEntry = {
        id: randomUUID(),
        tenantId,
        userId: d.userId,
        callId,
        direction: d.direction,
        line: d.line,
        remote: await this.describe(tenantId, d.remote),
        startedAt: d.startedAt,
        answeredAt: d.answeredAt,
        endedAt: d.endedAt,
        duration: d.duration,
        result: d.result,
        by: d.by && (await this.label(tenantId, d.by)),
        memo: null,
        read: false,
        createdAt: this.ctx.clock.now(),
      };
      if (!(await this.ctx.store.repos.journal.insert(entry))) continue;
      written.push(entry);
      await this.publish('journal.created', entry);
      if (entry.result === 'missed') await this.mail(entry, user);
    }
    return written;
  }

  /** A page of the user's entries, newest first; `cursor` is the previous page's. */
  async list(
    tenantId: string,
    userId: string,
    filter: JournalFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ entries: JournalEntry[]; cursor: string | null }> {
    const after = page.cursor === undefined ? undefined : positionOf(page.cursor);
    // One more than asked: whether a next page exists.
    const rows = await this.ctx.store.repos.journal.list(tenantId, userId, filter, {
      ...(after && { after }),
      limit: page.limit + 1,
    });
    const entries = rows.slice(0, page.limit);
    const last = entries.at(-1);
    return { entries, cursor: rows.length > page.limit && last ? encodeCursor([last.startedAt, last.id]) : null };
  }

  /** Every entry of the user that passes the filter, newest first, a page at a time (the CSV export). */
  async *all(tenantId: string, userId: string, filter: JournalFilter): AsyncGenerator<JournalEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.list(tenantId, userId, filter, { ...(cursor && { cursor }), limit: EXPORT_PAGE });
      yield* page.entries;
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }

  /** The user's unread missed calls. */
  unreadMissed(tenantId: string, userId: string): Promise<number> {
    return this.ctx.store.repos.journal.unreadMissed(tenantId, userId);
  }

  /** Sets an entry's memo or read flag; PARLEY_ERR_NOT_FOUND unless it is one of the user's. */
  async update(
    tenantId: string,
    userId: string,
    id: string,
    change: { memo?: string | null; read?: boolean },
  ): Promise<JournalEntry> {
    const entry = await this.ctx.store.repos.journal.update(tenantId, userId, id, change);
    if (!entry) throw notFound('journal entry');
    await this.publish('journal.updated', entry);
    return entry;
  }

  /** Marks all of the user's entries read. */
  async markAllRead(tenantId: string, userId: string): Promise<void> {
    if ((await this.ctx.store.repos.journal.markAllRead(tenantId, userId)) === 0) return;
    await this.ctx.bus.publish('journal.read', { tenantId, userId, unreadMissed: 0 });
  }

  private async publish(type: 'journal.created' | 'journal.updated', entry: JournalEntry): Promise<void> {
    const { tenantId, userId } = entry;
    const unreadMissed = await this.unreadMissed(tenantId, userId);
    await this.ctx.bus.publish(type, { tenantId, userId, entry, unreadMissed });
  }

  private async mail(entry: JournalEntry, user: User): Promise<void> {
    const o = this.options.missedCallMail;
    if (!o || !user.email) return;
    try {
      await o.mailer.send(missedCallMail(entry, user, o));
      this.log.info({ tenantId: entry.tenantId, userId: user.id, entryId: entry.id }, 'missed-call mail sent');
    } catch (err) {
      this.log.warn({ err, tenantId: entry.tenantId, userId: user.id, entryId: entry.id }, 'missed-call mail not sent');
    }
  }

  /** The remote party with its name: a colleague's display name, the directory's answer, or none. */
  private async describe(tenantId: string, p: Party | null): Promise<RemoteParty> {
    if (!p) return noRemote;
    const own = {
      ...noRemote,
      number: p.number ?? null,
      uri: p.uri ?? null,
      userId: p.userId ?? null,
      display: p.display ?? null,
    };
    if (p.userId !== undefined) {
      const colleague = await this.users.lookup(tenantId, p.userId);
      return { ...own, name: colleague?.displayName ?? null, match: 'user' };
    }
    const resolved =
      p.resolved ??
      (p.number && this.options.resolver ? await this.options.resolver.resolve(tenantId, p.number) : null);
    return resolved ? { ...own, name: resolved.name, company: resolved.company, match: resolved.match } : own;
  }

  /** How a party that forwarded or transferred the call is shown. */
  private async label(tenantId: string, p: Party): Promise<string | null> {
    const user = p.userId === undefined ? undefined : await this.users.lookup(tenantId, p.userId);
    return user?.displayName ?? p.resolved?.name ?? p.display ?? p.number ?? p.uri ?? null;
  }
}

import { randomUUID } from 'node:crypto';
import { withoutUnsafe } from '@parley/api';
import type { CoreContext } from '../core/context.js';
import { conflict, forbidden, invalid, notFound } from '../core/errors.js';
import { addressOf, type User } from '../core/users/repository.js';
import { jsonOnce } from '../lib/json-once.js';
import { type NumberingPlan, normalize } from '../lib/phone-number.js';
import type { SecretSealer } from '../platform/secrets.js';
import { type Hit, type IndexedContact, TenantIndex, words } from './index.js';
import { checkLimits, clampLimits, type DirectoryLimits } from './limits.js';
import { LocalAccessError, type LocalFiles, localPathOf, withLocalPath } from './local-files.js';
import type {
  ContactNumber,
  MatchKind,
  SourceKind,
  SourceRow,
  StoredContact,
  SyncReport,
  Visibility,
} from './model.js';
import type { DirectorySource, SourceContact } from './source.js';

/** The id and name of the always-present source of Parley's own users (first in priority). */
export const USERS_SOURCE = 'users';
/** A sync that has not reported progress this long is taken to have died with its node. */
const SYNC_STALE_MS = 10 * 60_000;
/** How many unparseable numbers and skipped rows a sync report keeps (the counts are exact). */
const REPORT_MAX = 200;
const CACHE_MAX = 10_000;
/** How long a lookup waits for a source asked live (a CRM). */
const LIVE_TIMEOUT_MS = 2000;

/** Builds the connector of a source from its settings and its opened secret. */
export type ConnectorFactory = (source: SourceRow, secret: string | null) => DirectorySource;

export interface DirectoryOptions {
  secrets: SecretSealer;
  connect: ConnectorFactory;
  /** Where local sources (a file's `path`, `sqlite:`) may read: `directory.localFolders`. */
  local: LocalFiles;
  /** `directory.limits`: the caps of every source's own limits. */
  limits: DirectoryLimits;
}

/** Who changes a source: only a system administrator may point one at a local file or database. */
export interface SourceActor {
  role: string;
}

const LOCAL_FOR_SYSTEM_ADMINS =
  'local files and databases on the server are for system administrators; upload the file instead (POST …/import)';

/** Who is asking: what they may see depends on their role and on each source's visibility. */
export interface Viewer {
  userId: string;
  role: string;
}

export interface Candidate {
  name: string | null;
  /** What to show: the name, or `~Company` for an uncertain company match. */
  display: string;
  company: string | null;
  department: string | null;
  title: string | null;
  email: string | null;
  url: string | null;
  /** A Parley user's address (local@domain) when the contact is one. */
  address: string | null;
  numbers: ContactNumber[];
  match: MatchKind | 'search';
  /** 100 exact; 80/70/60 the switchboard with 1/2/3 digits replaced, 75 a block; below 50 a prefix. */
  score: number;
  uncertain: boolean;
  /** The number of the contact that matched. */
  matched: string | null;
  /** The most important source the contact came from, and all of them. */
  source: string;
  sources: string[];
}

export interface LookupResult {
  number: string;
  /** How the number was understood: a full number or an internal extension. */
  kind: 'e164' | 'extension';
  candidates: Candidate[];
}

export interface SyncProgress {
  done: number;
  total: number | null;
}

export interface SyncSummary {
  source: string;
  full: boolean;
  entries: number;
  upserted: number;
  removed: number;
  invalidNumbers: number;
  skippedRows: number;
  ms: number;
}

interface SourceMeta {
  name: string;
  priority: number;
  visibleTo: Visibility | null;
}

const secretContext = (tenantId: string, sourceId: string) => `directory/${tenantId}/${sourceId}`;

/** A tenant's numbering plan: country and area code from the tenant, the rest stored with it. */
export function planOf(t: {
  country: string | null;
  areaCode: string | null;
  numbering: Partial<Omit<NumberingPlan, 'country' | 'areaCode'>> | null;
}): NumberingPlan {
  const country = t.country ?? 'DE';
  const nanp = ['US', 'CA'].includes(country);
  return {
    country,
    areaCode: t.areaCode,
    // libphonenumber strips NANP's national prefix 1 by itself.
    trunkPrefix: t.numbering?.trunkPrefix ?? (nanp ? '' : '0'),
    exitPrefix: t.numbering?.exitPrefix ?? (nanp ? '011' : '00'),
    pbxBase: t.numbering?.pbxBase ?? null,
    extensionLength: t.numbering?.extensionLength ?? null,
  };
}

/** A source asked on each lookup (it cannot be replicated), with its connector. */
interface LiveSource {
  s: SourceRow;
  connector: DirectorySource;
}

/** Identifies a numbering plan (stored with a source's entries: the plan they were normalized with). */
export const planKey = (plan: NumberingPlan): string => jsonOnce(plan);

/** A stored contact with its numbers read again, from the text as written, with `plan`. */
function renormalized(c: StoredContact, plan: NumberingPlan): StoredContact {
  return { ...c, numbers: c.numbers.map((n) => normalizeNumber(n.type, n.raw, plan).number) };
}

/**
 * The MetaDirectory of each tenant: its sources (LDAP, files, SQL, CRM over HTTP, and its own
 * users first), synced into the store with normalized numbers, and an in-memory index per tenant
 * that answers reverse lookups and the typeahead. Syncs on one node reach the others' indexes by
 * the `directory.changed` event.
 */
export class DirectoryService {
  private readonly indexes = new Map<string, Promise<TenantIndex>>();
  /** The index of `indexes` once it is built. */
  private readonly ready = new Map<string, TenantIndex>();
  private readonly meta = new Map<string, Map<string, SourceMeta>>();
  private readonly cache = new Map<string, Map<string, LookupResult>>();
  /** Per tenant, counts the changes of its index (a lookup only caches what it found in the current one). */
  private readonly generations = new Map<string, number>();
  private readonly plans = new Map<string, NumberingPlan>();
  /** The numbering plan (key) each index was built with. */
  private readonly builtWith = new WeakMap<TenantIndex, string>();
  /** Per tenant, the sources asked live on each lookup, with their connectors (dropped when a source changes). */
  private readonly live = new Map<string, Promise<LiveSource[]>>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: DirectoryOptions,
  ) {}

  private get repo() {
    return this.ctx.store.repos.directory;
  }

  /** The tenant's numbering plan (cached; a tenant update drops it through `forget`). */
  async plan(tenantId: string): Promise<NumberingPlan> {
    const cached = this.plans.get(tenantId);
    if (cached) return cached;
    const t = await this.ctx.store.repos.tenants.get(tenantId);
    if (!t) throw notFound('tenant');
    const plan = planOf(t);
    this.plans.set(tenantId, plan);
    return plan;
  }

  // Sources ---------------------------------------------------------------------------------------

  async sources(tenantId: string): Promise<SourceRow[]> {
    return this.repo.sources(tenantId);
  }

  async source(tenantId: string, idOrName: string): Promise<SourceRow> {
    const s = await this.repo.source(tenantId, idOrName);
    if (!s) throw notFound('directory source');
    return s;
  }

  async createSource(
    tenantId: string,
    input: {
      name: string;
      kind: SourceKind;
      priority?: number;
      config: Record<string, unknown>;
      secret?: string | null;
      scheduleSeconds?: number | null;
      visibleTo?: Visibility | null;
    },
    actor?: SourceActor,
  ): Promise<SourceRow> {
    if (input.name === USERS_SOURCE) throw invalid('name', `"${USERS_SOURCE}" is the source of Parley's own users`);
    if (await this.repo.source(tenantId, input.name)) throw conflict(`a directory source named ${input.name} exists`);
    const now = this.ctx.clock.now();
    const id = randomUUID();
    const row: SourceRow = {
      id,
      tenantId,
      name: input.name,
      kind: input.kind,
      priority: input.priority ?? 100,
      config: input.config,
      secretSealed: input.secret ? this.options.secrets.seal(input.secret, secretContext(tenantId, id)) : null,
      scheduleSeconds: input.scheduleSeconds ?? null,
      visibleTo: input.visibleTo ?? null,
      state: 'idle',
      cursor: null,
      entries: 0,
      invalidNumbers: 0,
      lastSyncAt: null,
      lastFullSyncAt: null,
      lastError: null,
      report: null,
      progress: null,
      numbering: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.checkConfig(input.kind, input.config, null, actor);
    this.connector(row, input.secret ?? null);
    await this.repo.insertSource(row);
    await this.changed(tenantId, id);
    return row;
  }

  async updateSource(
    tenantId: string,
    idOrName: string,
    patch: {
      name?: string;
      priority?: number;
      config?: Record<string, unknown>;
      secret?: string | null;
      scheduleSeconds?: number | null;
      visibleTo?: Visibility | null;
    },
    actor?: SourceActor,
  ): Promise<SourceRow> {
    const s = await this.source(tenantId, idOrName);
    if (patch.config !== undefined) await this.checkConfig(s.kind, patch.config, s.config, actor);
    const { secret, ...rest } = patch;
    const next: SourceRow = { ...s, ...rest };
    if (secret !== undefined)
      next.secretSealed = secret === null ? null : this.options.secrets.seal(secret, secretContext(tenantId, s.id));
    this.connector(next, secret ?? this.secretOf(s));
    // A new connection starts over: the next sync is a full one.
    const cursor = patch.config !== undefined ? { cursor: null } : {};
    await this.repo.updateSource(
      tenantId,
      s.id,
      { ...rest, ...cursor, ...(secret !== undefined && { secretSealed: next.secretSealed }) },
      this.ctx.clock.now(),
    );
    await this.changed(tenantId, s.id);
    return this.source(tenantId, s.id);
  }

  async deleteSource(tenantId: string, idOrName: string): Promise<void> {
    const s = await this.source(tenantId, idOrName);
    await this.repo.deleteSource(tenantId, s.id);
    await this.changed(tenantId, s.id);
  }

  /**
   * Refuses settings above the server's caps, and a local path (a file's `path`, `sqlite:`) set or
   * changed by anyone but a system administrator (`actor` absent: the CLI, run by one) or outside
   * `directory.localFolders`.
   */
  private async checkConfig(
    kind: SourceKind,
    config: Record<string, unknown>,
    before: Record<string, unknown> | null,
    actor: SourceActor | undefined,
  ): Promise<void> {
    checkLimits(kind, config, this.options.limits);
    const path = localPathOf(kind, config);
    if (path === null) return;
    const unchanged = before !== null && localPathOf(kind, before) === path;
    if (actor && actor.role !== 'system-admin' && !unchanged) throw forbidden(LOCAL_FOR_SYSTEM_ADMINS);
    try {
      await this.options.local.resolve(path);
    } catch (err) {
      if (err instanceof LocalAccessError) throw forbidden(err.message);
      throw err;
    }
  }

  /**
   * The source as its connector runs it: limits capped by the server's, a local path checked
   * against the configuration again (it may have changed since the source was stored) and
   * resolved to the real file.
   */
  private async runnable(s: SourceRow): Promise<SourceRow> {
    const config = clampLimits(s.kind, s.config, this.options.limits);
    const path = localPathOf(s.kind, s.config);
    if (path === null) return { ...s, config };
    return { ...s, config: withLocalPath(s.kind, config, await this.options.local.resolve(path)) };
  }

  /** The connector of a source; bad settings are PARLEY_ERR_VALIDATION (they never reach the store). */
  private connector(s: SourceRow, secret: string | null): DirectorySource {
    try {
      return this.options.connect(s, secret);
    } catch (err) {
      throw invalid('config', (err as Error).message);
    }
  }

  private secretOf(s: SourceRow): string | null {
    return s.secretSealed && this.options.secrets.open(s.secretSealed, secretContext(s.tenantId, s.id));
  }

  /** Checks the source's connection and credentials; throws PARLEY_ERR_VALIDATION with the reason. */
  async test(tenantId: string, idOrName: string): Promise<void> {
    const s = await this.source(tenantId, idOrName);
    try {
      await this.connector(await this.runnable(s), this.secretOf(s)).test(AbortSignal.timeout(30_000));
    } catch (err) {
      throw invalid('source', (err as Error).message);
    }
  }

  // Sync ------------------------------------------------------------------------------------------

  /**
   * Syncs a source into the store and the indexes: incremental when the source has a cursor and
   * `full` is not asked, else everything (then what was not delivered is removed). A failing
   * source keeps its last good contacts and gets state `error` with the message.
   */
  async sync(
    tenantId: string,
    idOrName: string,
    options: { full?: boolean; onProgress?: (p: SyncProgress) => void; contacts?: DirectorySource } = {},
  ): Promise<SyncSummary> {
    return (await this.startSync(tenantId, idOrName, options)).done;
  }

  /**
   * Marks the source as syncing (PARLEY_ERR_CONFLICT if a sync of it runs anywhere in the
   * cluster) and starts the sync; `done` settles with its outcome. `contacts` replaces the
   * source's connector for this run (an uploaded file).
   */
  async startSync(
    tenantId: string,
    idOrName: string,
    options: { full?: boolean; onProgress?: (p: SyncProgress) => void; contacts?: DirectorySource } = {},
  ): Promise<{ done: Promise<SyncSummary> }> {
    const s = await this.source(tenantId, idOrName);
    if (!(await this.repo.claimSync(tenantId, s.id, this.ctx.clock.now(), SYNC_STALE_MS))) {
      throw conflict(`directory source ${s.name} is being synced already`);
    }
    return { done: this.runSync(s, options) };
  }

  private async runSync(
    s: SourceRow,
    options: { full?: boolean; onProgress?: (p: SyncProgress) => void; contacts?: DirectorySource },
  ): Promise<SyncSummary> {
    const { tenantId } = s;
    const started = this.ctx.clock.now();
    const log = this.ctx.log.child({ tenantId, source: s.name });
    const plan = await this.plan(tenantId);
    const report: SyncReport = { invalidNumbers: [], skippedRows: [] };
    let invalidCount = 0;
    let upserted = 0;
    let lastProgressWrite = 0;
    const { maxContacts } = this.options.limits;
    // Stored numbers read with another numbering plan: only a full sync reads them all again.
    const numbering = planKey(plan);
    const cursor = options.full || options.contacts || s.numbering !== numbering ? null : s.cursor;
    const controller = new AbortController();
    try {
      const connector = options.contacts ?? this.connector(await this.runnable(s), this.secretOf(s));
      const gen = connector.sync({
        cursor,
        signal: controller.signal,
        log,
        progress: (done, total) => {
          options.onProgress?.({ done, total });
          const now = this.ctx.clock.now();
          if (now - lastProgressWrite >= 1000) {
            lastProgressWrite = now;
            void this.repo
              .updateSource(tenantId, s.id, { progress: { done, total } }, now)
              .catch((err) => log.warn({ err }, 'could not record sync progress'));
          }
        },
      });
      let step = await gen.next();
      while (!step.done) {
        if (upserted + step.value.length > maxContacts) {
          await gen.return({ full: false, cursor: null });
          throw new Error(`the source delivers more than ${maxContacts} contacts (directory.limits.maxContacts)`);
        }
        const stored = step.value.map((c) => {
          const { contact, invalid } = normalizeContact(c, plan);
          for (const i of invalid) {
            invalidCount++;
            if (report.invalidNumbers.length < REPORT_MAX)
              report.invalidNumbers.push({ externalId: c.externalId, ...i });
          }
          return contact;
        });
        await this.repo.upsertEntries(tenantId, s.id, stored, started);
        upserted += stored.length;
        step = await gen.next();
      }
      const outcome = step.value;
      const skipped = (connector as { skippedRows?: { line: number; reason: string }[] }).skippedRows ?? [];
      report.skippedRows = skipped.slice(0, REPORT_MAX);
      let removed = 0;
      if (outcome.full) removed += await this.repo.deleteUnseen(tenantId, s.id, started);
      if (outcome.deleted?.length) removed += await this.repo.deleteEntries(tenantId, s.id, outcome.deleted);
      const entries = await this.repo.countEntries(tenantId, s.id);
      const finished = this.ctx.clock.now();
      await this.repo.updateSource(
        tenantId,
        s.id,
        {
          state: 'ok',
          cursor: outcome.cursor,
          entries,
          invalidNumbers: invalidCount,
          lastSyncAt: finished,
          ...(outcome.full && { lastFullSyncAt: finished, numbering }),
          lastError: null,
          report,
          progress: null,
        },
        finished,
      );
      await this.changed(tenantId, s.id);
      const summary: SyncSummary = {
        source: s.name,
        full: outcome.full,
        entries,
        upserted,
        removed,
        invalidNumbers: invalidCount,
        skippedRows: skipped.length,
        ms: finished - started,
      };
      log.info(summary, 'directory source synced');
      return summary;
    } catch (err) {
      controller.abort();
      const message = (err as Error).message;
      log.warn({ err }, 'directory sync failed; the last good contacts stay');
      await this.repo.updateSource(
        tenantId,
        s.id,
        { state: 'error', lastError: message, progress: null },
        this.ctx.clock.now(),
      );
      if (upserted > 0) await this.changed(tenantId, s.id);
      throw invalid('source', message);
    }
  }

  /** Sources whose schedule says a sync is due (run by the node holding the directory-sync lease). */
  async syncDue(): Promise<void> {
    const now = this.ctx.clock.now();
    for (const tenant of await this.ctx.store.repos.tenants.list()) {
      for (const s of await this.repo.sources(tenant.id)) {
        if (s.scheduleSeconds === null || s.state === 'syncing') continue;
        if (s.lastSyncAt !== null && now - s.lastSyncAt < s.scheduleSeconds * 1000) continue;
        await this.sync(tenant.id, s.id).catch(() => undefined);
      }
    }
  }

  // Index -----------------------------------------------------------------------------------------

  /**
   * Builds the index of every tenant that has directory sources, one tenant after the other, so
   * that the first lookup after a start finds it ready instead of waiting for the build (about
   * 25 s for 1,000,000 contacts). Runs in the background of a start; lookups meanwhile wait for
   * their own tenant's build only.
   */
  async warm(signal: AbortSignal): Promise<void> {
    for (const tenant of await this.ctx.store.repos.tenants.list()) {
      if (signal.aborted) return;
      if ((await this.repo.sources(tenant.id)).length > 0) await this.index(tenant.id);
    }
  }

  /** Tells every node (this one included) that a source's contacts changed. */
  private async changed(tenantId: string, sourceId: string): Promise<void> {
    await this.ctx.bus.publish('directory.changed', { tenantId, sourceId });
  }

  /** Reloads one source of a tenant's index from the store (on `directory.changed`). */
  async reload(tenantId: string, sourceId: string): Promise<void> {
    this.live.delete(tenantId);
    const loading = this.indexes.get(tenantId);
    if (!loading) return;
    const index = await loading;
    const rows = await this.loadMeta(tenantId);
    // Contacts are replaced in place and the ones gone removed at the end: lookups meanwhile find
    // the old or the new entry of a contact, never none.
    const s = rows.find((r) => r.id === sourceId);
    let loaded = new Set<string>(); // a source deleted keeps nothing
    if (sourceId === USERS_SOURCE) loaded = await this.loadUsers(tenantId, index);
    else if (s) loaded = await this.loadSource(index, s);
    index.retainSource(sourceId, loaded);
    this.invalidate(tenantId);
  }

  /** A user was added, changed or removed: their entry in the users source follows. */
  async userChanged(tenantId: string, userId: string): Promise<void> {
    const loading = this.indexes.get(tenantId);
    if (!loading) return;
    const index = await loading;
    const user = await this.ctx.store.repos.users.get(tenantId, userId);
    if (user && user.disabledAt === null) index.put(USERS_SOURCE, userContact(user, await this.plan(tenantId)));
    else index.remove(USERS_SOURCE, userId);
    this.invalidate(tenantId);
  }

  /**
   * The tenant changed (its numbering plan, say): its index is built again with the new plan,
   * while the old one goes on answering until the new one is ready.
   */
  async rebuild(tenantId: string): Promise<void> {
    this.plans.delete(tenantId);
    this.live.delete(tenantId);
    const current = this.indexes.get(tenantId);
    if (!current) return;
    const built = this.builtWith.get(await current);
    if (built === planKey(await this.plan(tenantId))) return;
    const fresh = this.build(tenantId);
    this.ready.set(tenantId, await fresh);
    this.indexes.set(tenantId, fresh);
    this.invalidate(tenantId);
  }

  /** Drops the tenant's cached lookups, and any result of a lookup still running. */
  private invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
  }

  forget(tenantId: string): void {
    this.indexes.delete(tenantId);
    this.ready.delete(tenantId);
    this.meta.delete(tenantId);
    this.invalidate(tenantId);
    this.plans.delete(tenantId);
    this.live.delete(tenantId);
  }

  /** The tenant's index, built from the store on first use. */
  index(tenantId: string): Promise<TenantIndex> {
    const loading = this.indexes.get(tenantId);
    if (loading) return loading;
    const building = this.build(tenantId);
    this.indexes.set(tenantId, building);
    building.then(
      (index) => this.indexes.get(tenantId) === building && this.ready.set(tenantId, index),
      () => this.indexes.delete(tenantId),
    );
    return building;
  }

  private async build(tenantId: string): Promise<TenantIndex> {
    const started = Date.now();
    const index = new TenantIndex();
    this.builtWith.set(index, planKey(await this.plan(tenantId)));
    await this.loadUsers(tenantId, index);
    for (const s of await this.loadMeta(tenantId)) await this.loadSource(index, s);
    this.ctx.log.info({ tenantId, contacts: index.size, ms: Date.now() - started }, 'directory index built');
    return index;
  }

  private async loadMeta(tenantId: string): Promise<SourceRow[]> {
    const rows = await this.repo.sources(tenantId);
    const meta = new Map<string, SourceMeta>([[USERS_SOURCE, { name: USERS_SOURCE, priority: -1, visibleTo: null }]]);
    for (const s of rows) meta.set(s.id, { name: s.name, priority: s.priority, visibleTo: s.visibleTo });
    this.meta.set(tenantId, meta);
    return rows;
  }

  /**
   * A source's stored contacts into the index. Numbers stored under another numbering plan than
   * the tenant's (it changed since the last full sync) are normalized again from their text.
   */
  private async loadSource(index: TenantIndex, s: SourceRow): Promise<Set<string>> {
    const plan = await this.plan(s.tenantId);
    // Unknown (null: stored before plans were recorded) counts as another plan.
    const stale = s.numbering !== planKey(plan);
    if (stale && s.entries > 0) {
      this.ctx.log.info({ tenantId: s.tenantId, source: s.name }, 'numbers read again with the new numbering plan');
    }
    const loaded = new Set<string>();
    for await (const page of this.repo.entries(s.tenantId, s.id)) {
      for (const c of page) {
        index.put(s.id, stale ? renormalized(c, plan) : c);
        loaded.add(c.externalId);
      }
    }
    return loaded;
  }

  /** The enabled users into the index as the users source; returns their ids. */
  private async loadUsers(tenantId: string, index: TenantIndex): Promise<Set<string>> {
    const plan = await this.plan(tenantId);
    const loaded = new Set<string>();
    for (let offset = 0; ; offset += 500) {
      const users = await this.ctx.store.repos.users.list(tenantId, { limit: 500, offset });
      for (const u of users) {
        if (u.disabledAt !== null) continue;
        index.put(USERS_SOURCE, userContact(u, plan));
        loaded.add(u.id);
      }
      if (users.length < 500) break;
    }
    return loaded;
  }

  // Lookup and search -----------------------------------------------------------------------------

  /**
   * Reverse lookup: the contacts behind a number, best first (exact, then the company by its
   * switchboard or block, then PBX base numbers the number extends). Invalid numbers are
   * PARLEY_ERR_VALIDATION with the reason.
   */
  async lookup(tenantId: string, number: string, viewer: Viewer | null): Promise<LookupResult> {
    const plan = await this.plan(tenantId);
    const generation = this.generations.get(tenantId) ?? 0;
    // An index built with this plan tells normalize() which numbers it holds: a caller ID
    // that is one of them needs no parsing. Without one the number is parsed first, so one that
    // is not a number is refused without waiting for an index build.
    const ready = this.ready.get(tenantId);
    const n = normalize(
      number,
      plan,
      ready !== undefined && this.builtWith.get(ready) === planKey(plan) ? ready : undefined,
    );
    if (!n.ok) throw invalid('number', n.reason);
    const cacheKey = `${viewer?.userId ?? ''} ${n.e164}`;
    const cached = this.cache.get(tenantId)?.get(cacheKey);
    if (cached) return cached;
    const index = ready ?? (await this.index(tenantId));
    const meta = this.meta.get(tenantId) ?? new Map();
    const live = await this.liveSources(tenantId);
    const found = index.lookup(n.e164);
    if (live.length > 0) found.push(...(await this.liveHits(tenantId, live, { e164: n.e164, raw: number }, plan)));
    const hits = withSamePeople(index, found).filter((h) => visible(meta.get(h.entry.sourceId), viewer));
    const result: LookupResult = { number: n.e164, kind: n.kind, candidates: rank(hits, meta) };
    // The index changed while this lookup waited (for live sources): its result is not kept.
    if ((this.generations.get(tenantId) ?? 0) !== generation) return result;
    const tenantCache = this.cache.get(tenantId) ?? new Map<string, LookupResult>();
    this.cache.set(tenantId, tenantCache);
    if (tenantCache.size >= CACHE_MAX) tenantCache.clear();
    tenantCache.set(cacheKey, result);
    return result;
  }

  /** The sources that cannot be replicated (a CRM with a per-number query), asked on each lookup. */
  private liveSources(tenantId: string): Promise<LiveSource[]> {
    let sources = this.live.get(tenantId);
    if (!sources) {
      sources = this.repo.sources(tenantId).then((rows) =>
        rows
          .map((s) => ({
            s,
            connector: this.connector(
              { ...s, config: clampLimits(s.kind, s.config, this.options.limits) },
              this.secretOf(s),
            ),
          }))
          .filter(({ connector }) => typeof connector.lookup === 'function'),
      );
      this.live.set(tenantId, sources);
      sources.catch(() => this.live.delete(tenantId));
    }
    return sources;
  }

  /**
   * Asks the live sources all at once, each for at most LIVE_TIMEOUT_MS; one that fails or is
   * slow is logged and left out.
   */
  private async liveHits(
    tenantId: string,
    live: LiveSource[],
    number: { e164: string; raw: string },
    plan: NumberingPlan,
  ): Promise<Hit[]> {
    const answers = await Promise.all(
      live.map(async ({ s, connector }) => {
        try {
          const found = (await connector.lookup?.(number, AbortSignal.timeout(LIVE_TIMEOUT_MS))) ?? [];
          return found.map(
            (c): Hit => ({
              entry: { sourceId: s.id, contact: normalizeContact(c, plan).contact, sameEmail: null },
              match: 'exact',
              number: number.e164,
              stripped: 0,
            }),
          );
        } catch (err) {
          this.ctx.log.warn({ err, tenantId, source: s.name }, 'live directory lookup failed');
          return [];
        }
      }),
    );
    return answers.flat();
  }

  /** For telephony: the best name for a caller's number, or null (cached, invalidated on sync). */
  async resolve(tenantId: string, number: string): Promise<Candidate | null> {
    try {
      return (await this.lookup(tenantId, number, null)).candidates[0] ?? null;
    } catch {
      return null;
    }
  }

  /** Typeahead over names, companies, e-mail addresses and number fragments. */
  async search(tenantId: string, query: string, viewer: Viewer | null, limit = 20): Promise<Candidate[]> {
    const index = await this.index(tenantId);
    const meta = this.meta.get(tenantId) ?? new Map();
    const terms = words(query);
    const found = index.search(query, limit).filter((e) => visible(meta.get(e.sourceId), viewer));
    const scored = found.map((entry) => ({ entry, score: searchScore(entry, terms) }));
    return merge(
      scored.map((s) => ({
        entry: s.entry,
        match: 'search' as const,
        score: s.score,
        matched: null,
        uncertain: false,
      })),
      meta,
    ).slice(0, limit);
  }
}

/** A user as a contact of the users source. */
function userContact(u: User, plan: NumberingPlan): StoredContact {
  return {
    externalId: u.id,
    name: u.displayName,
    givenName: null,
    surname: null,
    company: null,
    department: null,
    title: null,
    email: u.email,
    url: null,
    address: addressOf(u),
    numbers: u.numbers.map((raw) => normalizeNumber('work', raw, plan).number),
  };
}

function normalizeNumber(type: ContactNumber['type'], raw: string, plan: NumberingPlan) {
  const n = normalize(raw, plan);
  // Written as `+49 711 1234-0`: the switchboard of a block of extensions.
  const number: ContactNumber = { type, raw, e164: n.ok ? n.e164 : null, ...(n.ok && n.blockBase && { block: true }) };
  return { number, reason: n.ok ? null : n.reason };
}

/** Normalizes a source's contact; numbers that cannot be understood are kept (raw) and reported. */
export function normalizeContact(
  c: SourceContact,
  plan: NumberingPlan,
): { contact: StoredContact; invalid: { raw: string; reason: string }[] } {
  const invalidNumbers: { raw: string; reason: string }[] = [];
  const numbers = c.numbers.map(({ type, raw }) => {
    const { number, reason } = normalizeNumber(type, raw, plan);
    if (reason !== null) invalidNumbers.push({ raw, reason });
    return number;
  });
  // What a source says is shown on incoming calls: no character may reorder or hide it (docs/security.md).
  const clean = (v: string | null) => (v === null ? null : withoutUnsafe(v, 'line'));
  const [givenName, surname] = [clean(c.givenName), clean(c.surname)];
  const name = clean(c.name) ?? ([givenName, surname].filter(Boolean).join(' ') || null);
  const shown = {
    givenName,
    surname,
    company: clean(c.company),
    department: clean(c.department),
    title: clean(c.title),
  };
  return { contact: { ...c, ...shown, name, numbers }, invalid: invalidNumbers };
}

/** Adds, for each exact hit with an e-mail address, the same person from other sources (to fill fields). */
function withSamePeople(index: TenantIndex, hits: Hit[]): Hit[] {
  let seen: Set<IndexedContact> | undefined;
  const more: Hit[] = [];
  for (const h of hits) {
    const email = h.match === 'exact' ? h.entry.contact.email : null;
    if (!email) continue;
    const same = h.entry.sameEmail ?? index.withEmail(email);
    if (same.length === 1 && same[0] === h.entry) continue; // the usual case: itself only
    seen ??= new Set(hits.map((x) => x.entry));
    for (const entry of same) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      more.push({ ...h, entry });
    }
  }
  return more.length === 0 ? hits : [...hits, ...more];
}

function visible(meta: SourceMeta | undefined, viewer: Viewer | null): boolean {
  if (!meta) return false;
  const v = meta.visibleTo;
  if (!v || viewer === null) return true;
  return (v.roles?.includes(viewer.role) ?? false) || (v.users?.includes(viewer.userId) ?? false);
}

const baseScore = (h: Hit) =>
  h.match === 'exact'
    ? 100
    : h.match === 'company'
      ? h.stripped === 0
        ? 75
        : 90 - 10 * h.stripped
      : Math.max(10, 50 - h.stripped);

function rank(hits: Hit[], meta: Map<string, SourceMeta>): Candidate[] {
  return merge(
    hits.map((h) => ({
      entry: h.entry,
      match: h.match,
      score: baseScore(h),
      matched: h.number,
      uncertain: h.match !== 'exact',
    })),
    meta,
  );
}

interface Scored {
  entry: IndexedContact;
  match: MatchKind | 'search';
  score: number;
  matched: string | null;
  uncertain: boolean;
}

/**
 * One candidate per person (the same e-mail, or the same name with the same number, in several
 * sources) and, for company matches, one per company; the more important source wins per field.
 * Best first: score, then source priority, then name.
 */
function merge(scored: Scored[], meta: Map<string, SourceMeta>): Candidate[] {
  const groups = new Map<string, Ranked[]>();
  for (const s of scored) {
    const c = s.entry.contact;
    const k =
      s.match === 'company' || s.match === 'prefix'
        ? `${s.match} ${(c.company ?? c.name ?? '').toLowerCase()}`
        : c.email
          ? `email ${c.email.toLowerCase()}`
          : `name ${(c.name ?? '').toLowerCase()} ${s.matched ?? c.externalId}`;
    const priority = meta.get(s.entry.sourceId)?.priority ?? 1000;
    const ranked: Ranked = {
      entry: s.entry,
      match: s.match,
      score: s.score,
      matched: s.matched,
      uncertain: s.uncertain,
      priority,
    };
    const list = groups.get(k);
    if (list) list.push(ranked);
    else groups.set(k, [ranked]);
  }
  const out: { candidate: Candidate; priority: number }[] = [];
  for (const group of groups.values()) {
    if (group.length > 1) group.sort(bestFirst);
    let priority = Number.POSITIVE_INFINITY;
    for (const g of group) priority = Math.min(priority, g.priority);
    out.push({ candidate: candidateOf(group, meta), priority });
  }
  if (out.length > 1) out.sort(rankFirst);
  return out.map(candidateIn);
}

interface Ranked extends Scored {
  /** Of its source: lower is more important. */
  priority: number;
}

const bestFirst = (a: Ranked, b: Ranked) => b.score - a.score || a.priority - b.priority;
const candidateIn = (o: { candidate: Candidate }) => o.candidate;
/** Best first: score, then source priority, then name in German order. */
const rankFirst = (a: { candidate: Candidate; priority: number }, b: { candidate: Candidate; priority: number }) =>
  b.candidate.score - a.candidate.score ||
  a.priority - b.priority ||
  byName.compare(a.candidate.display ?? '', b.candidate.display ?? '');

/** The first value of a field in the group (best first) that is not empty. */
function field<K extends keyof StoredContact>(group: Ranked[], k: K): StoredContact[K] | null {
  for (const g of group) {
    const v = g.entry.contact[k];
    if (v !== null && v !== undefined && v !== '') return v;
  }
  return null;
}

/** One person (or company) from the group's entries, best first: the more important source wins per field. */
function candidateOf(group: Ranked[], meta: Map<string, SourceMeta>): Candidate {
  const best = group[0] as Ranked;
  const company = field(group, 'company');
  const name = best.match === 'company' ? (company ?? field(group, 'name')) : field(group, 'name');
  const numbers = new Map<string, ContactNumber>();
  const sources: string[] = [];
  let address: string | null = null;
  for (const g of group) {
    for (const n of g.entry.contact.numbers) {
      const k = n.e164 ?? n.raw;
      if (!numbers.has(k)) numbers.set(k, n);
    }
    const source = meta.get(g.entry.sourceId)?.name ?? g.entry.sourceId;
    if (!sources.includes(source)) sources.push(source);
    address ??= g.entry.contact.address || null;
  }
  const person = best.match !== 'company';
  return {
    name,
    display: best.uncertain ? `~${company ?? name ?? ''}` : (name ?? company ?? ''),
    company,
    department: person ? field(group, 'department') : null,
    title: person ? field(group, 'title') : null,
    email: person ? field(group, 'email') : null,
    url: field(group, 'url'),
    address,
    numbers: [...numbers.values()],
    match: best.match,
    score: best.score,
    uncertain: best.uncertain,
    matched: best.matched,
    source: sources[0] as string,
    sources,
  };
}

/** German order of names (one collator: `localeCompare` with a locale builds one per call). */
const byName = new Intl.Collator('de');

/** Typeahead ranking: whole words of the name beat prefixes, names beat companies and the rest. */
function searchScore(entry: IndexedContact, terms: string[]): number {
  const c = entry.contact;
  const name = words(c.name);
  const company = words(c.company);
  let score = 0;
  for (const t of terms) {
    if (name.includes(t)) score += 30;
    else if (name.some((w) => w.startsWith(t))) score += 20;
    else if (company.some((w) => w.startsWith(t))) score += 10;
    else score += 5;
  }
  return Math.min(100, score);
}

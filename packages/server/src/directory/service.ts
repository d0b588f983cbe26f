import type { CoreContext } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { type NumberingPlan, normalize } from '../lib/phone-number.js';
import { normalizeContact, planKey, planOf, renormalized, userContact } from './contacts.js';
import { type Hit, TenantIndex } from './index.js';
import { clampLimits } from './limits.js';
import {
  type Candidate,
  type LookupResult,
  rank,
  type SourceMeta,
  type Viewer,
  visible,
  withSamePeople,
} from './lookup.js';
import type { SourceRow } from './model.js';
import { searchIndex } from './search.js';
import type { DirectorySource } from './source.js';
import { type DirectoryOptions, DirectorySources, USERS_SOURCE } from './sources.js';
import { DirectorySync, type SyncSummary } from './sync.js';

export { normalizeContact, planKey, planOf } from './contacts.js';
export type { DirectoryOptions } from './sources.js';
export type { SyncSummary } from './sync.js';

const CACHE_MAX = 10_000;
/** How long a lookup waits for a source asked live (a CRM). */
const LIVE_TIMEOUT_MS = 2000;

/** A source asked on each lookup (it cannot be replicated), with its connector. */
interface LiveSource {
  s: SourceRow;
  connector: DirectorySource;
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
  /** Sources: their settings, connectors and secrets (sources.ts). */
  private readonly sourceAdmin: DirectorySources;
  /** Syncs of sources (sync.ts). */
  private readonly syncRunner: DirectorySync;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: DirectoryOptions,
  ) {
    this.sourceAdmin = new DirectorySources(ctx, options);
    this.syncRunner = new DirectorySync(ctx, options, this.sourceAdmin, (tenantId) => this.plan(tenantId));
  }

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

  // Sources (sources.ts) --------------------------------------------------------------------------

  sources(tenantId: string): Promise<SourceRow[]> {
    return this.sourceAdmin.sources(tenantId);
  }

  source(tenantId: string, idOrName: string): Promise<SourceRow> {
    return this.sourceAdmin.source(tenantId, idOrName);
  }

  createSource(...args: Parameters<DirectorySources['createSource']>): Promise<SourceRow> {
    return this.sourceAdmin.createSource(...args);
  }

  updateSource(...args: Parameters<DirectorySources['updateSource']>): Promise<SourceRow> {
    return this.sourceAdmin.updateSource(...args);
  }

  deleteSource(tenantId: string, idOrName: string): Promise<void> {
    return this.sourceAdmin.deleteSource(tenantId, idOrName);
  }

  /** Checks the source's connection and credentials; throws PARLEY_ERR_VALIDATION with the reason. */
  test(tenantId: string, idOrName: string): Promise<void> {
    return this.sourceAdmin.test(tenantId, idOrName);
  }

  // Sync (sync.ts) --------------------------------------------------------------------------------

  /** Syncs a source: incremental or full; a failing source keeps its last good contacts. */
  sync(...args: Parameters<DirectorySync['sync']>): Promise<SyncSummary> {
    return this.syncRunner.sync(...args);
  }

  /** Claims the source for a sync (PARLEY_ERR_CONFLICT if one runs in the cluster) and starts it. */
  startSync(...args: Parameters<DirectorySync['startSync']>): Promise<{ done: Promise<SyncSummary> }> {
    return this.syncRunner.startSync(...args);
  }

  /** Sources whose schedule says a sync is due (run by the node holding the directory-sync lease). */
  syncDue(): Promise<void> {
    return this.syncRunner.syncDue();
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
            connector: this.sourceAdmin.connector(
              { ...s, config: clampLimits(s.kind, s.config, this.options.limits) },
              this.sourceAdmin.secretOf(s),
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

  /** Typeahead over names, companies, e-mail addresses and number fragments (search.ts). */
  async search(tenantId: string, query: string, viewer: Viewer | null, limit = 20): Promise<Candidate[]> {
    const index = await this.index(tenantId);
    return searchIndex(index, this.meta.get(tenantId) ?? new Map(), query, viewer, limit);
  }
}

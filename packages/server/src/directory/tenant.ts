// One tenant's directory: its numbering plan, its in-memory index (built from the store, kept in
// step with syncs and users), the metadata of its sources, the sources asked live, and the cache of
// its lookups. The DirectoryService holds one per tenant and routes to it.
import { setImmediate } from 'node:timers/promises';
import type { CoreContext } from '../core/context.js';
import { invalid, notFound } from '../core/errors.js';
import { planOf } from '../core/tenants/model.js';
import { displayFormatter, type NumberingPlan, normalize } from '../lib/phone-number.js';
import { normalizeContact, planKey, renormalized, userContact } from './contacts.js';
import { type Hit, TenantIndex } from './index.js';
import { clampLimits, type DirectoryLimits } from './limits.js';
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
import type { DirectoryRepository } from './repository.js';
import { listIndex, searchIndex } from './search.js';
import { sourceState } from './snapshot.js';
import type { DirectorySource } from './source.js';
import { type DirectorySources, USERS_SOURCE } from './sources.js';
import { IndexSnapshots, SNAPSHOT_DELAY_MS } from './tenant-snapshot.js';

const CACHE_MAX = 10_000;
/** How long a lookup waits for a source asked live (a CRM). */
const LIVE_TIMEOUT_MS = 2000;

/** A source asked on each lookup (it cannot be replicated), with its connector. */
interface LiveSource {
  s: SourceRow;
  connector: DirectorySource;
}

/** What every tenant's directory works with (shared by all of them). */
export interface TenantDirectoryDeps {
  ctx: CoreContext;
  repo: DirectoryRepository;
  sources: DirectorySources;
  limits: DirectoryLimits;
  /** The folder of the indexes' snapshots (snapshot.ts); null: none. */
  snapshots: string | null;
}

/** One tenant's directory: its index and everything cached for it. */
export class TenantDirectory {
  /** The index, being built or built. */
  private loading: Promise<TenantIndex> | null = null;
  /** The index of `loading` once it is built. */
  private ready: TenantIndex | null = null;
  /** The numbering plan (key) each index was built with. */
  private readonly builtWith = new WeakMap<TenantIndex, string>();
  private meta = new Map<string, SourceMeta>();
  private cache = new Map<string, LookupResult>();
  /** Counts the changes of the index (a lookup only caches what it found in the current one). */
  private generation = 0;
  private cachedPlan: NumberingPlan | null = null;
  /** formatDisplay() for the cached plan, made once per plan. */
  private display: ((e164: string) => string) | null = null;
  /** The sources asked live on each lookup, with their connectors (dropped when a source changes). */
  private live: Promise<LiveSource[]> | null = null;
  /** The index's snapshot: loaded at the first build, written after changes (tenant-snapshot.ts). */
  private readonly snapshots: IndexSnapshots;
  /** Sources to reload from the store once the index is loaded from its snapshot (changed since). */
  private stale: string[] = [];

  constructor(
    readonly tenantId: string,
    private readonly deps: TenantDirectoryDeps,
  ) {
    this.snapshots = new IndexSnapshots(tenantId, deps.snapshots, deps.ctx.log, () => {
      const index = this.ready;
      return index && { index, plan: this.builtWith.get(index) ?? '' };
    });
  }

  /** The tenant's numbering plan (cached; `rebuild` drops it). */
  async plan(): Promise<NumberingPlan> {
    if (this.cachedPlan) return this.cachedPlan;
    const t = await this.deps.ctx.store.repos.tenants.get(this.tenantId);
    if (!t) throw notFound('tenant');
    this.cachedPlan = planOf(t);
    this.display = displayFormatter(this.cachedPlan);
    return this.cachedPlan;
  }

  /** The index, built from the store on first use. */
  index(): Promise<TenantIndex> {
    if (this.loading) return this.loading;
    const building = this.build();
    this.loading = building;
    building.then(
      (index) => {
        if (this.loading !== building) return;
        this.ready = index;
        if (this.stale.length > 0) void this.refresh(this.stale.splice(0));
      },
      () => {
        if (this.loading === building) this.loading = null;
      },
    );
    return building;
  }

  /**
   * Reloads one source of the index from the store (on `directory.changed`); whether that changed
   * the index. Only then is the snapshot written, a minute later (a sync that delivered the same
   * contacts changes nothing).
   */
  async reload(sourceId: string): Promise<boolean> {
    this.live = null;
    if (!this.loading) return false;
    const index = await this.loading;
    const version = index.version;
    const rows = await this.loadMeta();
    // Contacts are replaced in place and the ones gone removed at the end: lookups meanwhile find
    // the old or the new entry of a contact, never none.
    const s = rows.find((r) => r.id === sourceId);
    let loaded = new Set<string>(); // a source deleted keeps nothing
    if (sourceId === USERS_SOURCE) loaded = await this.loadUsers(index);
    else if (s) loaded = await this.loadSource(index, s);
    else this.snapshots.loaded.delete(sourceId);
    index.retainSource(sourceId, loaded);
    // Once per reload, after its changes: a compaction started amid them would only be thrown away.
    if (index.wasteful) void index.compact();
    this.invalidate();
    if (index.version === version) return false;
    this.snapshots.saveSoon(SNAPSHOT_DELAY_MS);
    return true;
  }

  /**
   * Reloads the sources that may have changed while the index was on disk, one after the other
   * (the snapshot answers meanwhile). If that changed the index its snapshot is written at once;
   * else the snapshot on disk stays as it is.
   */
  private async refresh(sourceIds: string[]): Promise<void> {
    let changed = 0;
    for (const id of sourceIds) {
      try {
        if (await this.reload(id)) changed++;
      } catch (err) {
        this.deps.ctx.log.warn({ err, tenantId: this.tenantId, sourceId: id }, 'directory source not reloaded');
      }
    }
    if (changed > 0) this.snapshots.saveSoon(0);
    this.deps.ctx.log.info(
      { tenantId: this.tenantId, sources: sourceIds.length, changed },
      'directory index up to date',
    );
  }

  /** A user was added, changed or removed: their entry in the users source follows. */
  async userChanged(userId: string): Promise<void> {
    if (!this.loading) return;
    const index = await this.loading;
    const version = index.version;
    const user = await this.deps.ctx.store.repos.users.get(this.tenantId, userId);
    if (user && user.disabledAt === null) index.put(USERS_SOURCE, userContact(user, await this.plan()));
    else index.remove(USERS_SOURCE, userId);
    this.invalidate();
    // A change of what the directory does not show (a password, a setting) leaves the index as it was.
    if (index.version !== version) this.snapshots.saveSoon(SNAPSHOT_DELAY_MS);
  }

  /**
   * The tenant changed (its numbering plan, say): the index is built again with the new plan,
   * while the old one goes on answering until the new one is ready.
   */
  async rebuild(): Promise<void> {
    this.cachedPlan = null;
    this.display = null;
    this.live = null;
    if (!this.loading) return;
    const built = this.builtWith.get(await this.loading);
    if (built === planKey(await this.plan())) return;
    const fresh = this.build();
    this.ready = await fresh;
    this.loading = fresh;
    this.invalidate();
    this.snapshots.saveSoon(0);
  }

  /** Drops the cached lookups, and any result of a lookup still running. */
  private invalidate(): void {
    this.cache = new Map();
    this.generation++;
  }

  private async build(): Promise<TenantIndex> {
    const started = Date.now();
    const plan = planKey(await this.plan());
    const restored = await this.snapshots.restore(plan, () => this.loadMeta());
    if (restored) {
      this.builtWith.set(restored.index, plan);
      this.stale = restored.stale;
      return restored.index;
    }
    const index = new TenantIndex();
    this.builtWith.set(index, plan);
    await this.loadUsers(index);
    for (const s of await this.loadMeta()) await this.loadSource(index, s);
    // The words into their compact form now, not only at the first snapshot (there may be none);
    // nothing changes this index before it is returned, so that is always taken.
    await index.compact();
    this.deps.ctx.log.info(
      { tenantId: this.tenantId, contacts: index.size, bytes: index.bytes, ms: Date.now() - started },
      'directory index built',
    );
    this.snapshots.saveSoon(0);
    return index;
  }

  private async loadMeta(): Promise<SourceRow[]> {
    const rows = await this.deps.repo.sources(this.tenantId);
    const meta = new Map<string, SourceMeta>([[USERS_SOURCE, { name: USERS_SOURCE, priority: -1, visibleTo: null }]]);
    for (const s of rows) meta.set(s.id, { name: s.name, priority: s.priority, visibleTo: s.visibleTo });
    this.meta = meta;
    return rows;
  }

  /**
   * A source's stored contacts into the index. Numbers stored under another numbering plan than
   * the tenant's (it changed since the last full sync) are normalized again from their text.
   */
  private async loadSource(index: TenantIndex, s: SourceRow): Promise<Set<string>> {
    const plan = await this.plan();
    this.snapshots.loaded.set(s.id, sourceState(s));
    // Unknown (null: stored before plans were recorded) counts as another plan.
    const stale = s.numbering !== planKey(plan);
    if (stale && s.entries > 0) {
      this.deps.ctx.log.info(
        { tenantId: s.tenantId, source: s.name },
        'numbers read again with the new numbering plan',
      );
    }
    const loaded = new Set<string>();
    for await (const page of this.deps.repo.entries(s.tenantId, s.id)) {
      for (const c of page) {
        index.put(s.id, stale ? renormalized(c, plan) : c);
        loaded.add(c.externalId);
      }
      // A store that answers synchronously (SQLite) resolves each page without a turn of the
      // event loop: without this, requests would wait until all of a large source is loaded.
      await setImmediate();
    }
    return loaded;
  }

  /** The enabled users into the index as the users source; returns their ids. */
  private async loadUsers(index: TenantIndex): Promise<Set<string>> {
    const plan = await this.plan();
    const loaded = new Set<string>();
    for (let offset = 0; ; offset += 500) {
      const users = await this.deps.ctx.store.repos.users.list(this.tenantId, { limit: 500, offset });
      for (const u of users) {
        if (u.disabledAt !== null) continue;
        index.put(USERS_SOURCE, userContact(u, plan));
        loaded.add(u.id);
      }
      if (users.length < 500) break;
    }
    return loaded;
  }

  /**
   * Reverse lookup: the contacts behind a number, best first (exact, then the company by its
   * switchboard or block, then PBX base numbers the number extends). Invalid numbers are
   * PARLEY_ERR_VALIDATION with the reason.
   */
  async lookup(number: string, viewer: Viewer | null): Promise<LookupResult> {
    const plan = await this.plan();
    const generation = this.generation;
    // An index built with this plan tells normalize() which numbers it holds: a caller ID
    // that is one of them needs no parsing. Without one the number is parsed first, so one that
    // is not a number is refused without waiting for an index build.
    const ready = this.ready;
    const n = normalize(
      number,
      plan,
      ready !== null && this.builtWith.get(ready) === planKey(plan) ? ready : undefined,
    );
    if (!n.ok) throw invalid('number', n.reason);
    const cacheKey = `${viewer?.userId ?? ''} ${n.e164}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const index = ready ?? (await this.index());
    const meta = this.meta;
    const live = await this.liveSources();
    const found = index.lookup(n.e164);
    if (live.length > 0) found.push(...(await this.liveHits(live, { e164: n.e164, raw: number }, plan)));
    const hits = withSamePeople(index, found).filter((h) => visible(meta.get(h.entry.sourceId), viewer));
    const result: LookupResult = {
      number: n.e164,
      display: (this.display ?? displayFormatter(plan))(n.e164),
      kind: n.kind,
      candidates: rank(hits, meta),
    };
    // The index changed while this lookup waited (for live sources): its result is not kept.
    if (this.generation !== generation) return result;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(cacheKey, result);
    return result;
  }

  /** The sources that cannot be replicated (a CRM with a per-number query), asked on each lookup. */
  private liveSources(): Promise<LiveSource[]> {
    if (this.live) return this.live;
    const { sources, limits } = this.deps;
    const loading = this.deps.repo.sources(this.tenantId).then((rows) =>
      rows
        .map((s) => ({
          s,
          connector: sources.connector({ ...s, config: clampLimits(s.kind, s.config, limits) }, sources.secretOf(s)),
        }))
        .filter(({ connector }) => typeof connector.lookup === 'function'),
    );
    this.live = loading;
    loading.catch(() => {
      if (this.live === loading) this.live = null;
    });
    return loading;
  }

  /**
   * Asks the live sources all at once, each for at most LIVE_TIMEOUT_MS; one that fails or is
   * slow is logged and left out.
   */
  private async liveHits(
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
              entry: { id: -1, sourceId: s.id, contact: normalizeContact(c, plan).contact },
              match: 'exact',
              number: number.e164,
              stripped: 0,
            }),
          );
        } catch (err) {
          this.deps.ctx.log.warn({ err, tenantId: this.tenantId, source: s.name }, 'live directory lookup failed');
          return [];
        }
      }),
    );
    return answers.flat();
  }

  /** For telephony: the best name for a caller's number, or null (cached, invalidated on sync). */
  async resolve(number: string): Promise<Candidate | null> {
    try {
      return (await this.lookup(number, null)).candidates[0] ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Typeahead over names, companies, e-mail addresses and number fragments (search.ts); with
   * `infix`, words containing the query's words anywhere.
   */
  async search(query: string, viewer: Viewer | null, limit: number, infix = false): Promise<Candidate[]> {
    const index = await this.index();
    return searchIndex(index, this.meta, query, viewer, limit, infix);
  }

  /** The whole directory, `count` contacts at a time from slot `from` (search.ts `listIndex`; the LDAP phone book's listing). */
  async list(
    viewer: Viewer | null,
    from: number,
    count: number,
  ): Promise<{ candidates: Candidate[]; next: number | null }> {
    return listIndex(await this.index(), this.meta, viewer, from, count);
  }
}

import {
  type DirectorySource,
  directoryPaths,
  type ErrorBody,
  type FederationCheckResult,
  type FederationTrust,
  type Line,
  ParleyApiError,
  type RouteInput,
  type RouteOutput,
  type Tenant,
  type TrustLevel,
  type User,
} from '@parley/api';
import { csrfHeaders, type ParleyClient } from '../../lib/api';
import { Store } from '../../lib/store';

export interface Listing<T> {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  items: T[];
  error: unknown;
}

/** The answer of a file import (`ImportResult` of @parley/api). */
export interface ImportResult {
  summary: { entries: number; upserted: number; removed: number; invalidNumbers: number; skippedRows: number };
  skippedRows: { line: number; reason: string }[];
  source: DirectorySource;
}

const empty = <T>(): Listing<T> => ({ status: 'idle', items: [], error: null });

/** How often a syncing source's progress is asked for (the server records it once a second). */
const POLL_MS = 500;
const PAGE = 500;
/** The import route takes these types; anything else (e.g. a CSV a browser calls vnd.ms-excel) goes as bytes. */
const importTypes = ['text/csv', 'text/vcard', 'text/x-vcard', 'text/plain'];

/**
 * The administration screens' data: the tenant's users and their lines, the tenants (system
 * administrators) and the directory sources. Every change goes through the API and then replaces the one item it
 * changed. A syncing source is polled until its sync ends, so its progress bar moves on its own.
 */
export class AdminStore {
  readonly users = new Store<Listing<User>>(empty());
  readonly tenants = new Store<Listing<Tenant>>(empty());
  readonly sources = new Store<Listing<DirectorySource>>(empty());
  readonly lines = new Store<Listing<Line>>(empty());
  /** The tenant's federation trust (null until loaded). */
  readonly federation = new Store<FederationTrust | null>(null);
  private readonly polling = new Set<string>();

  constructor(
    private readonly api: () => ParleyClient,
    private readonly language: () => string,
  ) {}

  // Users -----------------------------------------------------------------------------------------

  async loadUsers(): Promise<void> {
    await this.load(this.users, async () => {
      const all: User[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const { users } = await this.api().request('admin.users.list', { query: { limit: PAGE, offset } });
        all.push(...users);
        if (users.length < PAGE) return all;
      }
    });
  }

  async createUser(body: RouteInput<'admin.users.create'>['body']): Promise<RouteOutput<'admin.users.create'>> {
    const created = await this.api().request('admin.users.create', { body });
    this.put(this.users, created.user);
    return created;
  }

  async updateUser(id: string, body: RouteInput<'admin.users.update'>['body']): Promise<User> {
    const user = await this.api().request('admin.users.update', { params: { id }, body });
    this.put(this.users, user);
    return user;
  }

  /** Sets the given password, or lets the server generate one (returned once). */
  async setPassword(id: string, password?: string): Promise<string | undefined> {
    const res = await this.api().request('admin.users.password', {
      params: { id },
      body: password ? { password } : {},
    });
    this.put(this.users, res.user);
    return res.password;
  }

  async removeUser(id: string): Promise<void> {
    await this.api().request('admin.users.delete', { params: { id } });
    this.drop(this.users, id);
    // Their lines went with them.
    this.lines.update((s) => ({ ...s, items: s.items.filter((l) => l.userId !== id) }));
  }

  // Lines -----------------------------------------------------------------------------------------

  async loadLines(): Promise<void> {
    await this.load(this.lines, async () => (await this.api().request('admin.lines.list', {})).lines);
  }

  async addLine(body: RouteInput<'admin.lines.create'>['body']): Promise<Line> {
    return this.put(this.lines, await this.api().request('admin.lines.create', { body }));
  }

  /** Puts the line in a pickup group (null: takes it out of its group). */
  async setPickupGroup(line: Line, pickupGroup: string | null): Promise<Line> {
    return this.put(
      this.lines,
      await this.api().request('admin.lines.update', { params: { number: line.number }, body: { pickupGroup } }),
    );
  }

  async removeLine(line: Line): Promise<void> {
    await this.api().request('admin.lines.delete', { params: { number: line.number } });
    this.drop(this.lines, line.id);
  }

  // Federation ------------------------------------------------------------------------------------

  async loadFederation(): Promise<void> {
    this.federation.set(await this.api().request('admin.federation.get', { query: {} }));
  }

  async setTrust(domain: string, level: TrustLevel): Promise<void> {
    await this.api().request('admin.federation.domain.set', { params: { domain }, query: {}, body: { level } });
    await this.loadFederation();
  }

  async removeTrust(domain: string): Promise<void> {
    await this.api().request('admin.federation.domain.delete', { params: { domain }, query: {} });
    await this.loadFederation();
  }

  async setDefaultTrust(level: TrustLevel): Promise<void> {
    this.federation.set(await this.api().request('admin.federation.default.set', { query: {}, body: { level } }));
  }

  checkFederation(domain: string): Promise<FederationCheckResult> {
    return this.api().request('admin.federation.check', { body: { domain } });
  }

  // Tenants ---------------------------------------------------------------------------------------

  async loadTenants(): Promise<void> {
    await this.load(this.tenants, async () => {
      const all: Tenant[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const { tenants } = await this.api().request('admin.tenants.list', { query: { limit: PAGE, offset } });
        all.push(...tenants);
        if (tenants.length < PAGE) return all;
      }
    });
  }

  async createTenant(body: RouteInput<'admin.tenants.create'>['body']): Promise<Tenant> {
    return this.put(this.tenants, await this.api().request('admin.tenants.create', { body }));
  }

  async updateTenant(id: string, body: RouteInput<'admin.tenants.update'>['body']): Promise<Tenant> {
    return this.put(this.tenants, await this.api().request('admin.tenants.update', { params: { id }, body }));
  }

  async addDomain(id: string, domain: string): Promise<Tenant> {
    return this.put(
      this.tenants,
      await this.api().request('admin.tenants.domains.add', { params: { id }, body: { domain } }),
    );
  }

  async removeDomain(id: string, domain: string): Promise<Tenant> {
    return this.put(this.tenants, await this.api().request('admin.tenants.domains.remove', { params: { id, domain } }));
  }

  async removeTenant(id: string): Promise<void> {
    await this.api().request('admin.tenants.delete', { params: { id } });
    this.drop(this.tenants, id);
  }

  // Directory sources -----------------------------------------------------------------------------

  async loadSources(): Promise<void> {
    await this.load(this.sources, async () => {
      const { sources } = await this.api().request('admin.directory.sources.list', {});
      return sources;
    });
    for (const s of this.sources.get().items) if (s.state === 'syncing') this.follow(s.id);
  }

  async createSource(body: RouteInput<'admin.directory.sources.create'>['body']): Promise<DirectorySource> {
    return this.put(this.sources, await this.api().request('admin.directory.sources.create', { body }));
  }

  async updateSource(id: string, body: RouteInput<'admin.directory.sources.update'>['body']): Promise<DirectorySource> {
    return this.put(this.sources, await this.api().request('admin.directory.sources.update', { params: { id }, body }));
  }

  async removeSource(id: string): Promise<void> {
    await this.api().request('admin.directory.sources.delete', { params: { id } });
    this.drop(this.sources, id);
  }

  /** Resolves when the connection and credentials work; rejects with the server's reason. */
  async testSource(id: string): Promise<void> {
    await this.api().request('admin.directory.sources.test', { params: { id } });
  }

  /** Starts a sync and follows its progress until it ends. */
  async syncSource(id: string, full: boolean): Promise<DirectorySource> {
    const source = this.put(
      this.sources,
      await this.api().request('admin.directory.sources.sync', { params: { id }, body: { full } }),
    );
    if (source.state === 'syncing') this.follow(id);
    return source;
  }

  /** Imports a CSV or vCard file into a file source (the raw-body route of @parley/api). */
  async importFile(id: string, file: Blob): Promise<ImportResult> {
    const type = importTypes.includes(file.type) ? file.type : 'application/octet-stream';
    const headers = { 'content-type': type, 'accept-language': this.language(), ...csrfHeaders() };
    const res = await fetch(directoryPaths.import.replace(':id', encodeURIComponent(id)), {
      method: 'POST',
      headers,
      body: file,
    });
    const body = (await res.json().catch(() => undefined)) as (ImportResult & ErrorBody) | undefined;
    if (!res.ok) {
      throw new ParleyApiError(
        res.status,
        body?.error?.code ?? 'PARLEY_ERR_INTERNAL',
        body?.error?.message ?? res.statusText,
        body?.error?.details,
      );
    }
    const result = body as ImportResult;
    this.put(this.sources, result.source);
    return result;
  }

  /** Polls one source while it syncs (once per source, however often asked). */
  private follow(id: string): void {
    if (this.polling.has(id)) return;
    this.polling.add(id);
    let failures = 0;
    const tick = async () => {
      try {
        const s = this.put(this.sources, await this.api().request('admin.directory.sources.get', { params: { id } }));
        failures = 0;
        if (s.state !== 'syncing') return this.polling.delete(id);
      } catch (err) {
        if ((err instanceof ParleyApiError && err.status === 404) || ++failures >= 10) {
          if (err instanceof ParleyApiError && err.status === 404) this.drop(this.sources, id);
          return this.polling.delete(id);
        }
      }
      setTimeout(() => void tick(), POLL_MS);
    };
    setTimeout(() => void tick(), POLL_MS);
  }

  // -----------------------------------------------------------------------------------------------

  private async load<T>(store: Store<Listing<T>>, fetchAll: () => Promise<T[]>): Promise<void> {
    store.update((s) => ({ ...s, status: 'loading', error: null }));
    try {
      const items = await fetchAll();
      store.set({ status: 'ready', items, error: null });
    } catch (error) {
      store.update((s) => ({ ...s, status: 'failed', error }));
    }
  }

  private put<T extends { id: string }>(store: Store<Listing<T>>, item: T): T {
    store.update((s) => {
      const at = s.items.findIndex((x) => x.id === item.id);
      const items = at < 0 ? [...s.items, item] : s.items.map((x, i) => (i === at ? item : x));
      return { ...s, items };
    });
    return item;
  }

  private drop<T extends { id: string }>(store: Store<Listing<T>>, id: string): void {
    store.update((s) => ({ ...s, items: s.items.filter((x) => x.id !== id) }));
  }
}

const stores = new WeakMap<object, AdminStore>();

/** The administration store of a signed-in session, made when an administration screen first opens. */
export function adminOf(session: { api: ParleyClient }, language: () => string): AdminStore {
  let store = stores.get(session);
  if (!store) {
    store = new AdminStore(() => session.api, language);
    stores.set(session, store);
  }
  return store;
}

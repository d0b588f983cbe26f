import type { CoreContext } from '../core/context.js';
import type { DirectoryRepository } from './repository.js';
import { type DirectoryOptions, DirectorySources } from './sources.js';
import { DirectorySync } from './sync.js';
import { TenantDirectory } from './tenant.js';

export { planOf } from '../core/tenants/model.js';
export { normalizeContact, planKey } from './contacts.js';
export type { DirectoryOptions } from './sources.js';
export type { SyncSummary } from './sync.js';

/**
 * The MetaDirectory of each tenant: its sources (LDAP, files, SQL, CRM over HTTP, and its own
 * users first), synced into the store with normalized numbers, and an in-memory index per tenant
 * (tenant.ts) that answers reverse lookups and the typeahead. Syncs on one node reach the others'
 * indexes by the `directory.changed` event.
 */
export class DirectoryService {
  /** Each tenant's directory: its index and caches, made on first use and dropped by `forget`. */
  private readonly tenants = new Map<string, TenantDirectory>();
  /** The sources: their settings, connectors and secrets, the connection test (sources.ts). */
  readonly sources: DirectorySources;
  /** Syncs of sources, on demand and scheduled (sync.ts). */
  readonly sync: DirectorySync;

  constructor(
    private readonly ctx: CoreContext,
    private readonly repo: DirectoryRepository,
    private readonly options: DirectoryOptions,
  ) {
    this.sources = new DirectorySources(ctx, repo, options);
    this.sync = new DirectorySync(ctx, repo, options, this.sources, (tenantId) => this.tenant(tenantId).plan());
  }

  /** The tenant's directory (tenant.ts): its plan, index, lookups and typeahead. */
  tenant(tenantId: string): TenantDirectory {
    let t = this.tenants.get(tenantId);
    if (!t) {
      t = new TenantDirectory(tenantId, {
        ctx: this.ctx,
        repo: this.repo,
        sources: this.sources,
        limits: this.options.limits,
        snapshots: this.options.snapshots ?? null,
      });
      this.tenants.set(tenantId, t);
    }
    return t;
  }

  /**
   * Builds the index of every tenant that has directory sources, one tenant after the other, so
   * that the first lookup after a start finds it ready instead of waiting for the build (about
   * 25 s for 1,000,000 contacts). Runs in the background of a start; lookups meanwhile wait for
   * their own tenant's build only.
   */
  async warm(signal: AbortSignal): Promise<void> {
    for (const tenant of await this.ctx.store.repos.tenants.list()) {
      if (signal.aborted) return;
      if ((await this.repo.sources(tenant.id)).length > 0) await this.tenant(tenant.id).index();
    }
  }

  /** Reloads one source of a tenant's index from the store (on `directory.changed`). */
  async reload(tenantId: string, sourceId: string): Promise<void> {
    await this.tenants.get(tenantId)?.reload(sourceId);
  }

  /** A user was added, changed or removed: their entry in the users source follows. */
  async userChanged(tenantId: string, userId: string): Promise<void> {
    await this.tenants.get(tenantId)?.userChanged(userId);
  }

  /** The tenant changed (its numbering plan, say): its index is built again with the new plan. */
  async rebuild(tenantId: string): Promise<void> {
    await this.tenants.get(tenantId)?.rebuild();
  }

  /** The tenant is gone: its index and caches with it. */
  forget(tenantId: string): void {
    this.tenants.delete(tenantId);
  }
}

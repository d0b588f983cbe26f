import { Domain } from '@parley/api';
import type { CoreContext } from '../context.js';
import { conflict, invalid, notFound } from '../errors.js';
import { ReadCache } from '../read-cache.js';
import {
  type DomainLevel,
  type FederationTrust,
  subscribesWithoutApproval,
  type TrustLevel,
  trustIn,
  trustLevels,
} from './model.js';

/**
 * Per-domain federation trust (`core.federation`): tenant admins set a level per remote domain and
 * for every other; XMPP s2s, SIP federation and the presence watchers ask `trustOf`. Cached per
 * node, dropped on `federation.changed` on every node.
 */
export class FederationService {
  private readonly cache: ReadCache<FederationTrust>;

  constructor(private readonly ctx: CoreContext) {
    this.cache = new ReadCache(ctx.clock);
  }

  /** Drops what is cached of a tenant's trust (all tenants without one). */
  forget(tenantId?: string): void {
    this.cache.forget(tenantId === undefined ? undefined : (_, key) => key === tenantId);
  }

  /** The tenant's default level and listed domains. */
  async trust(tenantId: string): Promise<FederationTrust> {
    const t = await this.cache.get(tenantId, () => this.ctx.store.repos.federation.trust(tenantId));
    if (!t) throw notFound('tenant');
    return t;
  }

  /**
   * The tenant's level for a remote domain: its entry, else the tenant's default.
   * @example if (!federates(await core.federation.trustOf(tenantId, 'partner.example'))) refuse();
   */
  async trustOf(tenantId: string, domain: string): Promise<TrustLevel> {
    return trustIn(await this.trust(tenantId), domain);
  }

  /** Whether a user of `domain` may subscribe to the tenant's users' presence without their approval. */
  async subscribesWithoutApproval(tenantId: string, domain: string): Promise<boolean> {
    return subscribesWithoutApproval(await this.trustOf(tenantId, domain));
  }

  /** A listed domain, or the default level for one that is not listed. */
  async domain(tenantId: string, domain: string): Promise<DomainLevel> {
    const name = await this.remote(domain);
    const t = await this.trust(tenantId);
    const listed = t.domains.find((d) => d.domain === name);
    return listed
      ? { ...listed, listed: true }
      : { domain: name, level: t.defaultLevel, updatedAt: null, listed: false };
  }

  /** Sets a remote domain's level; one of this server's own domains is refused (409). */
  async setDomain(tenantId: string, domain: string, level: TrustLevel): Promise<DomainLevel> {
    const name = await this.remote(domain);
    const now = this.ctx.clock.now();
    await this.ctx.store.repos.federation.setDomain(tenantId, name, checkLevel(level), now);
    await this.changed(tenantId);
    this.ctx.log.info({ tenantId, domain: name, level }, 'federation trust set');
    return { domain: name, level, updatedAt: now, listed: true };
  }

  /** Forgets a listed domain (404 when it is not listed): it gets the default level again. */
  async removeDomain(tenantId: string, domain: string): Promise<void> {
    const name = await this.remote(domain);
    if (!(await this.ctx.store.repos.federation.removeDomain(tenantId, name))) throw notFound(`domain ${name}`);
    await this.changed(tenantId);
    this.ctx.log.info({ tenantId, domain: name }, 'federation trust removed');
  }

  /** Sets the level of every domain the tenant did not list. */
  async setDefault(tenantId: string, level: TrustLevel): Promise<FederationTrust> {
    await this.ctx.store.repos.federation.setDefault(tenantId, checkLevel(level), this.ctx.clock.now());
    await this.changed(tenantId);
    this.ctx.log.info({ tenantId, level }, 'federation default trust set');
    return this.trust(tenantId);
  }

  private async changed(tenantId: string): Promise<void> {
    this.forget(tenantId);
    await this.ctx.bus.publish('federation.changed', { tenantId });
  }

  /** A valid remote domain name in lower case, not one of this server's (400, 409). */
  private async remote(domain: string): Promise<string> {
    const parsed = Domain.safeParse(domain.replace(/\.$/, ''));
    if (!parsed.success) throw invalid('domain', 'must be a domain name such as example.com');
    if (await this.ctx.store.repos.tenants.byDomain(parsed.data)) {
      throw conflict(`${parsed.data} is served here, not a federated domain`);
    }
    return parsed.data;
  }
}

function checkLevel(level: string): TrustLevel {
  if (!(trustLevels as readonly string[]).includes(level))
    throw invalid('level', `must be one of ${trustLevels.join(', ')}`);
  return level as TrustLevel;
}

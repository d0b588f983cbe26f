import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { ReadCache } from '../read-cache.js';
import type { Tenant, TenantNumbering } from './model.js';

export interface CreateTenantInput {
  domain: string;
  name?: string | undefined;
  country?: string | undefined;
  areaCode?: string | undefined;
  numbering?: TenantNumbering | undefined;
}

/** Tenants (hosted companies) with their domains and numbering plan. */
export class TenantService {
  /** Tenants by domain: every SIP request reads one (`forget` on each change). */
  private readonly byDomains: ReadCache<Tenant>;

  constructor(private readonly ctx: CoreContext) {
    this.byDomains = new ReadCache(ctx.clock);
  }

  /** Drops the cached tenants (after a change here or on another node). */
  forget(): void {
    this.byDomains.forget();
  }

  async create(input: CreateTenantInput): Promise<Tenant> {
    const now = this.ctx.clock.now();
    const tenant: Tenant = {
      id: randomUUID(),
      name: input.name ?? input.domain,
      domains: [input.domain],
      country: input.country ?? null,
      areaCode: input.areaCode ?? null,
      numbering: input.numbering ?? null,
      createdAt: now,
    };
    await this.ctx.store.transaction(async (r) => {
      if (await r.tenants.byDomain(input.domain)) throw conflict(`domain ${input.domain} already belongs to a tenant`);
      await r.tenants.insert(tenant);
    });
    await this.ctx.bus.publish('tenant.created', { tenantId: tenant.id, domain: input.domain });
    this.ctx.log.info({ tenantId: tenant.id, domain: input.domain }, 'tenant created');
    return tenant;
  }

  list(options: { limit?: number; offset?: number } = {}): Promise<Tenant[]> {
    return this.ctx.store.repos.tenants.list(options);
  }

  async get(tenantId: string): Promise<Tenant> {
    const t = await this.ctx.store.repos.tenants.get(tenantId);
    if (!t) throw notFound('tenant');
    return t;
  }

  /** The tenant of a domain; 404 when no tenant has it. */
  async byDomain(domain: string): Promise<Tenant> {
    const t = await this.byDomains.get(domain, () => this.ctx.store.repos.tenants.byDomain(domain));
    if (!t) throw notFound(`domain ${domain}`);
    return t;
  }

  async update(
    tenantId: string,
    patch: { name?: string; country?: string | null; areaCode?: string | null; numbering?: TenantNumbering | null },
  ): Promise<Tenant> {
    if (!(await this.ctx.store.repos.tenants.update(tenantId, patch))) throw notFound('tenant');
    this.forget();
    await this.ctx.bus.publish('tenant.updated', { tenantId });
    return this.get(tenantId);
  }

  async addDomain(tenantId: string, domain: string): Promise<Tenant> {
    await this.ctx.store.transaction(async (r) => {
      if (!(await r.tenants.get(tenantId))) throw notFound('tenant');
      if (await r.tenants.byDomain(domain)) throw conflict(`domain ${domain} already belongs to a tenant`);
      await r.tenants.addDomain(tenantId, domain, false, this.ctx.clock.now());
    });
    this.forget();
    await this.ctx.bus.publish('tenant.updated', { tenantId });
    return this.get(tenantId);
  }

  async removeDomain(tenantId: string, domain: string): Promise<Tenant> {
    await this.ctx.store.transaction(async (r) => {
      const tenant = await r.tenants.get(tenantId);
      if (!tenant?.domains.includes(domain)) throw notFound(`domain ${domain}`);
      if (tenant.domains[0] === domain) throw conflict('the primary domain cannot be removed');
      if ((await r.users.count(tenantId, { domain })) > 0) throw conflict(`domain ${domain} still has users`);
      await r.tenants.removeDomain(tenantId, domain);
    });
    this.forget();
    await this.ctx.bus.publish('tenant.updated', { tenantId });
    return this.get(tenantId);
  }

  async remove(tenantId: string): Promise<void> {
    if (!(await this.ctx.store.transaction((r) => r.tenants.delete(tenantId)))) throw notFound('tenant');
    this.forget();
    await this.ctx.bus.publish('tenant.deleted', { tenantId });
    this.ctx.log.info({ tenantId }, 'tenant removed');
  }
}

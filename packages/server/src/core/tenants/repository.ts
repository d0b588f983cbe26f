import type { Kysely } from 'kysely';
import { prepared } from '../../platform/store/prepared.js';
import type { Database } from '../../platform/store/schema.js';
import type { Tenant } from './model.js';

/** A domain's tenant (every login resolves one), compiled once (`prepared.ts`). */
const ofDomain = prepared((db, p: { domain: string }) =>
  db.selectFrom('tenant_domains').select('tenant_id').where('domain', '=', p.domain),
);

/**
 * Tenants and their domains. The one repository that is global by nature: it is what every other
 * query is scoped by, and resolving a domain to its tenant is how a request finds its scope.
 */
export class TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(tenant: Tenant): Promise<void> {
    await this.db
      .insertInto('tenants')
      .values({
        id: tenant.id,
        name: tenant.name,
        country: tenant.country,
        area_code: tenant.areaCode,
        numbering: tenant.numbering && JSON.stringify(tenant.numbering),
        created_at: tenant.createdAt,
      })
      .execute();
    for (const [i, domain] of tenant.domains.entries())
      await this.addDomain(tenant.id, domain, i === 0, tenant.createdAt);
  }

  async addDomain(tenantId: string, domain: string, primary: boolean, now: number): Promise<void> {
    await this.db
      .insertInto('tenant_domains')
      .values({ domain, tenant_id: tenantId, is_primary: primary ? 1 : 0, created_at: now })
      .execute();
  }

  async removeDomain(tenantId: string, domain: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('tenant_domains')
      .where('tenant_id', '=', tenantId)
      .where('domain', '=', domain)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async update(
    tenantId: string,
    patch: Partial<Pick<Tenant, 'name' | 'country' | 'areaCode' | 'numbering'>>,
  ): Promise<boolean> {
    const values = {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.country !== undefined && { country: patch.country }),
      ...(patch.areaCode !== undefined && { area_code: patch.areaCode }),
      ...(patch.numbering !== undefined && { numbering: patch.numbering && JSON.stringify(patch.numbering) }),
    };
    if (Object.keys(values).length === 0) return (await this.get(tenantId)) !== undefined;
    const r = await this.db.updateTable('tenants').set(values).where('id', '=', tenantId).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async delete(tenantId: string): Promise<boolean> {
    // Users reference domains; remove dependants first so every engine agrees on the order.
    await this.db.deleteFrom('users').where('tenant_id', '=', tenantId).execute();
    await this.db.deleteFrom('tenant_domains').where('tenant_id', '=', tenantId).execute();
    const r = await this.db.deleteFrom('tenants').where('id', '=', tenantId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async get(tenantId: string): Promise<Tenant | undefined> {
    return (await this.list({ ids: [tenantId] }))[0];
  }

  /** The tenant a domain belongs to. */
  async byDomain(domain: string): Promise<Tenant | undefined> {
    const tenantId = await this.tenantIdOf(domain);
    return tenantId === undefined ? undefined : this.get(tenantId);
  }

  /** The id of the tenant a domain belongs to. */
  async tenantIdOf(domain: string): Promise<string | undefined> {
    return (await ofDomain.rows(this.db, { domain }))[0]?.tenant_id;
  }

  async list(options: { ids?: string[]; limit?: number; offset?: number } = {}): Promise<Tenant[]> {
    let q = this.db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id');
    if (options.ids) q = q.where('id', 'in', options.ids);
    if (options.limit !== undefined) q = q.limit(options.limit).offset(options.offset ?? 0);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const domains = await this.db
      .selectFrom('tenant_domains')
      .select(['tenant_id', 'domain'])
      .where(
        'tenant_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('is_primary', 'desc')
      .orderBy('created_at')
      .orderBy('domain')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      country: r.country,
      areaCode: r.area_code,
      numbering: r.numbering === null ? null : JSON.parse(r.numbering),
      createdAt: r.created_at,
      domains: domains.filter((d) => d.tenant_id === r.id).map((d) => d.domain),
    }));
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

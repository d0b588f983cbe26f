import type { Kysely } from 'kysely';
import type { Database } from '../../platform/store/schema.js';
import { DEFAULT_TRUST, type DomainTrust, type FederationTrust, type TrustLevel } from './model.js';

/** The tenants' federation trust; every method is scoped to one tenant. */
export class FederationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async trust(tenantId: string): Promise<FederationTrust> {
    const [domains, settings] = await Promise.all([
      this.db
        .selectFrom('federation_domains')
        .select(['domain', 'level', 'updated_at'])
        .where('tenant_id', '=', tenantId)
        .orderBy('domain')
        .execute(),
      this.db
        .selectFrom('federation_settings')
        .select('default_level')
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst(),
    ]);
    return {
      tenantId,
      defaultLevel: settings?.default_level ?? DEFAULT_TRUST,
      domains: domains.map((d): DomainTrust => ({ domain: d.domain, level: d.level, updatedAt: d.updated_at })),
    };
  }

  async setDomain(tenantId: string, domain: string, level: TrustLevel, now: number): Promise<void> {
    await this.db
      .insertInto('federation_domains')
      .values({ tenant_id: tenantId, domain, level, updated_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'domain']).doUpdateSet({ level, updated_at: now }))
      .execute();
  }

  /** False when the tenant did not list the domain. */
  async removeDomain(tenantId: string, domain: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('federation_domains')
      .where('tenant_id', '=', tenantId)
      .where('domain', '=', domain)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setDefault(tenantId: string, level: TrustLevel, now: number): Promise<void> {
    await this.db
      .insertInto('federation_settings')
      .values({ tenant_id: tenantId, default_level: level, updated_at: now })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ default_level: level, updated_at: now }))
      .execute();
  }
}

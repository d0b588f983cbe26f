import type { Kysely } from 'kysely';
import type { CstaAppsTable, Database } from '../../platform/store/schema.js';
import type { CtiApp } from './model.js';

const view = (r: CstaAppsTable): CtiApp => ({ id: r.id, tenantId: r.tenant_id, name: r.name, createdAt: r.created_at });

/** CSTA application accounts of a tenant. Every method takes the tenant id; no query crosses tenants. */
export class CtiAppRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(app: CtiApp, secretHash: string): Promise<void> {
    await this.db
      .insertInto('csta_apps')
      .values({
        id: app.id,
        tenant_id: app.tenantId,
        name: app.name,
        secret_hash: secretHash,
        created_at: app.createdAt,
      })
      .execute();
  }

  async list(tenantId: string): Promise<CtiApp[]> {
    const rows = await this.db
      .selectFrom('csta_apps')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('name')
      .execute();
    return rows.map(view);
  }

  /** The account and its secret's hash. */
  async byName(tenantId: string, name: string): Promise<{ app: CtiApp; secretHash: string } | undefined> {
    const r = await this.db
      .selectFrom('csta_apps')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r && { app: view(r), secretHash: r.secret_hash };
  }

  /** False when the tenant has no such account. */
  async remove(tenantId: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('csta_apps')
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

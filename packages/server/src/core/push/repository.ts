import type { Kysely, Selectable } from 'kysely';
import type { Database, PushRegistrationsTable } from '../../platform/store/schema.js';
import type { PushRegistration } from './model.js';

const view = (r: Selectable<PushRegistrationsTable>): PushRegistration => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  service: r.service,
  node: r.node,
  options: JSON.parse(r.options) as Record<string, string>,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** Push registrations of one tenant's users. Every method takes the tenant id. */
export class PushRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(tenantId: string, userId: string): Promise<PushRegistration[]> {
    const rows = await this.db
      .selectFrom('push_registrations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('service')
      .orderBy('node')
      .execute();
    return rows.map(view);
  }

  /** Inserts the registration, or replaces the options of the one with the same service and node. */
  async upsert(r: PushRegistration): Promise<void> {
    const options = JSON.stringify(r.options);
    await this.db
      .insertInto('push_registrations')
      .values({
        tenant_id: r.tenantId,
        user_id: r.userId,
        service: r.service,
        node: r.node,
        options,
        created_at: r.createdAt,
        updated_at: r.updatedAt,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'user_id', 'service', 'node']).doUpdateSet({ options, updated_at: r.updatedAt }),
      )
      .execute();
  }

  /** Removes the user's registrations at `service` (only `node` when given); returns how many. */
  async remove(tenantId: string, userId: string, service: string, node?: string): Promise<number> {
    let q = this.db
      .deleteFrom('push_registrations')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('service', '=', service);
    if (node !== undefined) q = q.where('node', '=', node);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

import { type Kysely, sql } from 'kysely';
import type { Database, LinesTable } from '../../platform/store/schema.js';
import type { Line } from './model.js';

const view = (r: LinesTable): Line => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  number: r.number,
  did: r.did,
  pickupGroup: r.pickup_group,
  createdAt: r.created_at,
});

/** Lines of a tenant's users. Every method takes the tenant id; no query crosses tenants. */
export class LineRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(l: Line): Promise<void> {
    await this.db
      .insertInto('lines')
      .values({
        id: l.id,
        tenant_id: l.tenantId,
        user_id: l.userId,
        number: l.number,
        did: l.did,
        pickup_group: l.pickupGroup,
        created_at: l.createdAt,
      })
      .execute();
  }

  /**
   * Holds the tenant's row until the transaction ends: line changes of one tenant run one at a
   * time, so two of them cannot both pass the check that no dialled string reaches two lines.
   */
  async lockTenant(tenantId: string): Promise<void> {
    await this.db
      .updateTable('tenants')
      .set((eb) => ({ name: eb.ref('name') }))
      .where('id', '=', tenantId)
      .execute();
  }

  /** The tenant's lines (or one user's), shortest extension first, then by digits. */
  async list(tenantId: string, userId?: string): Promise<Line[]> {
    let q = this.db.selectFrom('lines').selectAll().where('tenant_id', '=', tenantId);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    const rows = await q.orderBy(sql`length(number)`).orderBy('number').execute();
    return rows.map(view);
  }

  /** The lines of a pickup group, shortest extension first. */
  async inPickupGroup(tenantId: string, group: string): Promise<Line[]> {
    const rows = await this.db
      .selectFrom('lines')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('pickup_group', '=', group)
      .orderBy(sql`length(number)`)
      .orderBy('number')
      .execute();
    return rows.map(view);
  }

  /** Puts the line in a pickup group (null: none); false when there is no such line. */
  async setPickupGroup(tenantId: string, id: string, group: string | null): Promise<boolean> {
    const r = await this.db
      .updateTable('lines')
      .set({ pickup_group: group })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  get(tenantId: string, id: string): Promise<Line | undefined> {
    return this.one(tenantId, 'id', id);
  }

  byNumber(tenantId: string, number: string): Promise<Line | undefined> {
    return this.one(tenantId, 'number', number);
  }

  byDid(tenantId: string, did: string): Promise<Line | undefined> {
    return this.one(tenantId, 'did', did);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('lines')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  private async one(tenantId: string, column: 'id' | 'number' | 'did', value: string): Promise<Line | undefined> {
    const r = await this.db
      .selectFrom('lines')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where(column, '=', value)
      .executeTakeFirst();
    return r && view(r);
  }
}

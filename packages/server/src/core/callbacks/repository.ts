import type { Kysely } from 'kysely';
import type { CallBacksTable, Database } from '../../platform/store/schema.js';
import type { CallBackRequest } from './model.js';

const view = (r: CallBacksTable): CallBackRequest => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  fromLineId: r.from_line_id,
  fromNumber: r.from_number,
  targetLineId: r.target_line_id,
  targetNumber: r.target_number,
  targetUserId: r.target_user_id,
  mode: r.mode,
  activeSeen: r.active_seen !== 0,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  claimedBy: r.claimed_by,
  claimedAt: r.claimed_at === null ? null : Number(r.claimed_at),
});

/**
 * Pending call-backs. A user's requests are read and removed by tenant; the node serving
 * call-backs reads every tenant's (`pending`, `expired`) and claims one with a conditional update.
 */
export class CallBackRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: CallBackRequest): Promise<void> {
    await this.db
      .insertInto('call_backs')
      .values({
        id: r.id,
        tenant_id: r.tenantId,
        user_id: r.userId,
        from_line_id: r.fromLineId,
        from_number: r.fromNumber,
        target_line_id: r.targetLineId,
        target_number: r.targetNumber,
        target_user_id: r.targetUserId,
        mode: r.mode,
        active_seen: r.activeSeen ? 1 : 0,
        created_at: r.createdAt,
        expires_at: r.expiresAt,
        claimed_by: r.claimedBy,
        claimed_at: r.claimedAt,
      })
      .execute();
  }

  /** The user's pending call-backs, oldest first. */
  async ofUser(tenantId: string, userId: string): Promise<CallBackRequest[]> {
    const rows = await this.db
      .selectFrom('call_backs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(view);
  }

  async get(tenantId: string, id: string): Promise<CallBackRequest | undefined> {
    const r = await this.db
      .selectFrom('call_backs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && view(r);
  }

  /** Every tenant's call-backs not expired at `now`, oldest first (for the node that serves them). */
  async pending(now: number): Promise<CallBackRequest[]> {
    const rows = await this.db
      .selectFrom('call_backs')
      .selectAll()
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(view);
  }

  /** Every tenant's call-backs expired at `now`. */
  async expired(now: number): Promise<CallBackRequest[]> {
    const rows = await this.db.selectFrom('call_backs').selectAll().where('expires_at', '<=', now).execute();
    return rows.map(view);
  }

  /** Removes it; false when it was gone already (another node served, cancelled or expired it). */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('call_backs')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Claims it for `node` unless another claim is newer than `staleBefore`; true when this one won. */
  async claim(tenantId: string, id: string, node: string, now: number, staleBefore: number): Promise<boolean> {
    const r = await this.db
      .updateTable('call_backs')
      .set({ claimed_by: node, claimed_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', staleBefore)]))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Notes that a no-answer request's target used its phone. */
  async markActive(tenantId: string, id: string): Promise<void> {
    await this.db
      .updateTable('call_backs')
      .set({ active_seen: 1 })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }
}

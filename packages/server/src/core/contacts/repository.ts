import type { Kysely } from 'kysely';
import type { Database } from '../../platform/store/schema.js';

/** Each user's favourite colleagues (user ids) in order. Every method takes the tenant id. */
export class FavouriteRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The ids of the user's favourites, in order. */
  async list(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('favourites')
      .select('target_id')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('position')
      .execute();
    return rows.map((r) => r.target_id);
  }

  /**
   * Makes `targetIds` the user's favourites. Positions are overwritten in place and the rest cut
   * off, so two replacements racing each other (two browsers) end with one of the two lists,
   * never with a duplicate key.
   */
  async replace(tenantId: string, userId: string, targetIds: readonly string[]): Promise<void> {
    if (targetIds.length > 0) {
      await this.db
        .insertInto('favourites')
        .values(targetIds.map((target_id, position) => ({ tenant_id: tenantId, user_id: userId, position, target_id })))
        .onConflict((oc) =>
          oc.columns(['user_id', 'position']).doUpdateSet((eb) => ({ target_id: eb.ref('excluded.target_id') })),
        )
        .execute();
    }
    await this.db
      .deleteFrom('favourites')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('position', '>=', targetIds.length)
      .execute();
  }
}

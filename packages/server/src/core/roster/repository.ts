import type { Kysely } from 'kysely';
import type { Database, RosterItemsTable } from '../../platform/store/schema.js';
import type { RosterItem } from './model.js';
import type { Subscription } from './subscription.js';

const view = (r: RosterItemsTable): RosterItem => ({
  jid: r.jid,
  name: r.name,
  groups: JSON.parse(r.groups) as string[],
  subscription: r.subscription as Subscription,
  pendingOut: r.pending_out === 1,
  pendingIn: r.pending_in === 1,
  pendingStatus: r.pending_status,
  listed: r.listed === 1,
});

/** Each user's personal roster contacts. Every method takes the tenant id; no query crosses tenants. */
export class RosterRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The user's contacts and pending requests, by JID. */
  async list(tenantId: string, userId: string): Promise<RosterItem[]> {
    const rows = await this.db
      .selectFrom('roster_items')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('jid')
      .execute();
    return rows.map(view);
  }

  /** Every contact with a subscription from one of the tenant's users, by user and JID. */
  async subscribers(tenantId: string): Promise<{ userId: string; jid: string }[]> {
    const rows = await this.db
      .selectFrom('roster_items')
      .select(['user_id', 'jid'])
      .where('tenant_id', '=', tenantId)
      .where('subscription', 'in', ['from', 'both'])
      .orderBy('user_id')
      .orderBy('jid')
      .execute();
    return rows.map((r) => ({ userId: r.user_id, jid: r.jid }));
  }

  async get(tenantId: string, userId: string, jid: string): Promise<RosterItem | undefined> {
    const r = await this.db
      .selectFrom('roster_items')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('jid', '=', jid)
      .executeTakeFirst();
    return r && view(r);
  }

  async count(tenantId: string, userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('roster_items')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async put(tenantId: string, userId: string, item: RosterItem, now: number): Promise<void> {
    const row = {
      name: item.name,
      groups: JSON.stringify(item.groups),
      subscription: item.subscription,
      pending_out: item.pendingOut ? 1 : 0,
      pending_in: item.pendingIn ? 1 : 0,
      pending_status: item.pendingStatus,
      listed: item.listed ? 1 : 0,
      updated_at: now,
    };
    await this.db
      .insertInto('roster_items')
      .values({ tenant_id: tenantId, user_id: userId, jid: item.jid, ...row })
      .onConflict((oc) => oc.columns(['user_id', 'jid']).doUpdateSet(row))
      .execute();
  }

  /** False when there was no such item. */
  async remove(tenantId: string, userId: string, jid: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('roster_items')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('jid', '=', jid)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

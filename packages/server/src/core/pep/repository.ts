import type { Kysely } from 'kysely';
import type { Database } from '../../platform/store/schema.js';
import type { PepAccess, PepItem, PepNodeConfig, PepSendLast } from './model.js';

/** A node as stored: its configuration and how many publications it has seen. */
export interface StoredNode {
  node: string;
  config: PepNodeConfig;
  seq: number;
}

const stored = (r: { node: string; access: string; max_items: number; send_last: string; seq: number | string }) => ({
  node: r.node,
  config: { access: r.access as PepAccess, maxItems: r.max_items, sendLast: r.send_last as PepSendLast },
  seq: Number(r.seq),
});

const itemOf = (r: { item_id: string; payload: string; published_at: number | string }): PepItem => ({
  id: r.item_id,
  payload: r.payload,
  publishedAt: Number(r.published_at),
});

/** The PEP nodes and items of one tenant's users. Every method takes the tenant id and the owner. */
export class PepRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private nodesOf(tenantId: string, userId: string) {
    return this.db
      .selectFrom('pep_nodes')
      .select(['node', 'access', 'max_items', 'send_last', 'seq'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId);
  }

  async nodes(tenantId: string, userId: string): Promise<StoredNode[]> {
    return (await this.nodesOf(tenantId, userId).orderBy('node').execute()).map(stored);
  }

  async node(tenantId: string, userId: string, node: string): Promise<StoredNode | undefined> {
    const r = await this.nodesOf(tenantId, userId).where('node', '=', node).executeTakeFirst();
    return r && stored(r);
  }

  /** Creates the node or sets its configuration and `seq`. */
  async putNode(tenantId: string, userId: string, n: StoredNode, now: number): Promise<void> {
    const values = { access: n.config.access, max_items: n.config.maxItems, send_last: n.config.sendLast, seq: n.seq };
    await this.db
      .insertInto('pep_nodes')
      .values({ tenant_id: tenantId, user_id: userId, node: n.node, ...values, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'node']).doUpdateSet({ ...values, updated_at: now }))
      .execute();
  }

  /** Removes the node and its items; whether it existed. */
  async removeNode(tenantId: string, userId: string, node: string): Promise<boolean> {
    await this.purge(tenantId, userId, node);
    const r = await this.db
      .deleteFrom('pep_nodes')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('node', '=', node)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Deletes items of the node (those `ids` names, else all). */
  private deleteItems(tenantId: string, userId: string, node: string, ids?: string[]) {
    let q = this.db
      .deleteFrom('pep_items')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('node', '=', node);
    if (ids) q = q.where('item_id', 'in', ids);
    return q;
  }

  private itemsOf(tenantId: string, userId: string, node: string) {
    return this.db
      .selectFrom('pep_items')
      .select(['item_id', 'payload', 'published_at'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('node', '=', node);
  }

  /** The node's items, newest first: the `limit` newest, or those of `ids`. */
  async items(
    tenantId: string,
    userId: string,
    node: string,
    q: { ids?: string[]; limit: number },
  ): Promise<PepItem[]> {
    let query = this.itemsOf(tenantId, userId, node);
    if (q.ids) query = query.where('item_id', 'in', q.ids);
    const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
    return rows.map(itemOf);
  }

  /** Adds the item, or replaces the one with its id (it becomes the newest). */
  async putItem(tenantId: string, userId: string, node: string, item: PepItem, seq: number): Promise<void> {
    const values = { payload: item.payload, seq, published_at: item.publishedAt };
    await this.db
      .insertInto('pep_items')
      .values({ tenant_id: tenantId, user_id: userId, node, item_id: item.id, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'node', 'item_id']).doUpdateSet(values))
      .execute();
  }

  /** Removes all but the `keep` newest items of the node. */
  async trim(tenantId: string, userId: string, node: string, keep: number): Promise<void> {
    const kept = await this.itemsOf(tenantId, userId, node)
      .select('seq')
      .orderBy('seq', 'desc')
      .offset(keep - 1)
      .limit(1)
      .executeTakeFirst();
    if (!kept) return;
    await this.deleteItems(tenantId, userId, node).where('seq', '<', kept.seq).execute();
  }

  /** Removes items by id; the ids that were there. */
  async removeItems(tenantId: string, userId: string, node: string, ids: string[]): Promise<string[]> {
    const gone = await this.deleteItems(tenantId, userId, node, ids).returning('item_id').execute();
    return gone.map((r) => r.item_id);
  }

  async purge(tenantId: string, userId: string, node: string): Promise<void> {
    await this.deleteItems(tenantId, userId, node).execute();
  }

  /**
   * The newest item of each node of the tenant's users named in `nodes` that sends its last item
   * on presence, newest first, at most `limit`.
   */
  async lastItems(tenantId: string, nodes: string[], limit: number) {
    const rows = await this.db
      .selectFrom('pep_nodes as n')
      .innerJoin('pep_items as i', (j) =>
        j.onRef('i.tenant_id', '=', 'n.tenant_id').onRef('i.user_id', '=', 'n.user_id').onRef('i.node', '=', 'n.node'),
      )
      .select(['n.user_id', 'n.node', 'n.access', 'i.item_id', 'i.payload', 'i.published_at'])
      .where('n.tenant_id', '=', tenantId)
      .where('n.node', 'in', nodes)
      .where('n.send_last', '=', 'on_sub_and_presence')
      .where('i.seq', '=', (eb) =>
        eb
          .selectFrom('pep_items as m')
          .select((m) => m.fn.max('m.seq').as('newest'))
          .whereRef('m.tenant_id', '=', 'n.tenant_id')
          .whereRef('m.user_id', '=', 'n.user_id')
          .whereRef('m.node', '=', 'n.node'),
      )
      .orderBy('i.published_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      node: r.node,
      access: r.access as PepAccess,
      item: itemOf(r),
    }));
  }

  /** Characters of all the user's payloads but those of `node`'s item `itemId` (which a publish replaces). */
  async bytes(tenantId: string, userId: string, except: { node: string; itemId: string }): Promise<number> {
    const r = await this.db
      .selectFrom('pep_items')
      .select((eb) => eb.fn.sum<number | string | null>(eb.fn('length', ['payload'])).as('n'))
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('node', '!=', except.node), eb('item_id', '!=', except.itemId)]))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}

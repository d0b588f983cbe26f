import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { conflict, forbidden, invalid, notFound, ParleyError } from '../errors.js';
import type { PresenceWatchers, Relation, Watcher } from '../presence/watchers.js';
import type { RosterService } from '../roster/service.js';
import {
  PEP_ACCESS,
  PEP_DEFAULT,
  PEP_LIMITS,
  PEP_SEND_LAST,
  type PepAccess,
  type PepItem,
  type PepNodeConfig,
} from './model.js';
import type { PepRepository, StoredNode } from './repository.js';

/** Whose node: a user of a tenant. */
export interface PepOwner {
  tenantId: string;
  userId: string;
}

/**
 * Whether a reader of `relation` to the owner may read a node of `access` (XEP-0060 §4.5):
 * `subscribed` says whether the reader has a presence subscription to the owner (asked only
 * where it decides).
 */
export async function readable(
  access: PepAccess,
  relation: Relation,
  subscribed: () => Promise<boolean>,
): Promise<boolean> {
  if (relation === 'self') return true;
  if (relation === 'blocked' || access === 'whitelist') return false;
  if (access === 'open') return true;
  // Colleagues see each other's presence through the tenant's shared roster group.
  if (relation === 'team' || relation === 'colleague') return true;
  return subscribed();
}

/** `value` if it is one of `values`; else PARLEY_ERR_VALIDATION at `path`. */
function oneOf<T extends string>(path: string, values: readonly T[], value: string): T {
  if (!(values as readonly string[]).includes(value)) throw invalid(path, `one of ${values.join(', ')}`);
  return value as T;
}

/** A configuration from what a client asked (unset fields as in `base`); a bad value is PARLEY_ERR_VALIDATION. */
export function configFrom(base: PepNodeConfig, asked: Partial<Record<keyof PepNodeConfig, string>>): PepNodeConfig {
  const config = { ...base };
  if (asked.access !== undefined) config.access = oneOf('access_model', PEP_ACCESS, asked.access);
  if (asked.sendLast !== undefined) config.sendLast = oneOf('send_last_published_item', PEP_SEND_LAST, asked.sendLast);
  if (asked.maxItems !== undefined) {
    const n = asked.maxItems === 'max' ? PEP_LIMITS.items : Number(asked.maxItems);
    if (!Number.isInteger(n) || n < 1 || n > PEP_LIMITS.items) {
      throw invalid('max_items', `a number from 1 to ${PEP_LIMITS.items}, or max`);
    }
    config.maxItems = n;
  }
  return config;
}

function checkName(path: string, value: string) {
  if (value.length === 0) throw invalid(path, 'must not be empty');
  if (value.length > PEP_LIMITS.name) throw invalid(path, `at most ${PEP_LIMITS.name} characters`);
}

/**
 * Each user's personal eventing nodes (XEP-0163): named nodes of XML items the user's clients
 * publish (OMEMO device lists and bundles, bookmarks, a nickname …) and others read as the node's
 * access model allows. Every change goes out as `pep.changed` with what the readers' clients need,
 * so each node of a cluster notifies the clients it holds. Payloads are kept as the adapter hands
 * them (serialised XML); the core checks only their size.
 */
export class PepService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly watchers: PresenceWatchers,
    private readonly roster: RosterService,
  ) {}

  private get repo() {
    return this.ctx.store.repos.pep;
  }

  /** A node's configuration; PARLEY_ERR_NOT_FOUND when there is no such node. */
  async config(owner: PepOwner, node: string): Promise<PepNodeConfig> {
    const n = await this.repo.node(owner.tenantId, owner.userId, node);
    if (!n) throw notFound(`node ${node}`);
    return n.config;
  }

  /** Whether `reader` may read a node of `access` of the owner. */
  async mayRead(owner: PepOwner, reader: Watcher, access: PepAccess): Promise<boolean> {
    const relation = await this.watchers.relation(owner.tenantId, reader, owner.userId);
    return readable(access, relation, async () => {
      const { subscription } = await this.roster.get(owner.tenantId, owner.userId, reader.address);
      return subscription === 'from' || subscription === 'both';
    });
  }

  /**
   * The items of a node `reader` may read, newest first: the `max` newest (all it keeps
   * without), or those of `ids`. PARLEY_ERR_NOT_FOUND for no such node, PARLEY_ERR_FORBIDDEN
   * for a reader its access model leaves out.
   */
  async items(owner: PepOwner, node: string, reader: Watcher, q: { ids?: string[]; max?: number }): Promise<PepItem[]> {
    const n = await this.repo.node(owner.tenantId, owner.userId, node);
    if (!n) throw notFound(`node ${node}`);
    if (!(await this.mayRead(owner, reader, n.config.access))) throw forbidden(`node ${node} is not open to you`);
    const limit = Math.min(q.max ?? n.config.maxItems, PEP_LIMITS.items);
    return this.repo.items(owner.tenantId, owner.userId, node, { ids: q.ids, limit });
  }

  /**
   * What a client of `reader` that asks for events of `nodes` gets when it comes online (XEP-0163
   * §4.3.3): the newest item of each such node of the reader's tenant (the reader's own and their
   * colleagues') that it may read and that sends its last item on presence; newest first, at most
   * `PEP_LIMITS.lastItems`.
   */
  async lastItems(
    reader: Watcher & { tenantId: string },
    nodes: string[],
  ): Promise<{ userId: string; node: string; item: PepItem }[]> {
    if (nodes.length === 0) return [];
    const rows = await this.repo.lastItems(reader.tenantId, nodes, PEP_LIMITS.lastItems);
    const out: { userId: string; node: string; item: PepItem }[] = [];
    for (const { userId, node, access, item } of rows) {
      if (await this.mayRead({ tenantId: reader.tenantId, userId }, reader, access)) out.push({ userId, node, item });
    }
    return out;
  }

  /**
   * Makes an empty node (XEP-0060 §8.1) configured by `options` (else the defaults);
   * PARLEY_ERR_CONFLICT when the owner has one of that name.
   */
  async create(owner: PepOwner, node: string, options?: Partial<Record<keyof PepNodeConfig, string>>): Promise<void> {
    checkName('node', node);
    const config = configFrom(PEP_DEFAULT, options ?? {});
    const { tenantId, userId } = owner;
    await this.ctx.store.transaction(async (r) => {
      if (await r.pep.node(tenantId, userId, node)) throw conflict(`node ${node} exists`);
      await this.checkNodeQuota(r.pep, owner);
      await r.pep.putNode(tenantId, userId, { node, config, seq: 0 }, this.ctx.clock.now());
    });
  }

  private async checkNodeQuota(repo: PepRepository, { tenantId, userId }: PepOwner): Promise<void> {
    if ((await repo.nodes(tenantId, userId)).length >= PEP_LIMITS.nodes) {
      throw new ParleyError('PARLEY_ERR_QUOTA_EXCEEDED', `at most ${PEP_LIMITS.nodes} nodes per user`);
    }
  }

  /**
   * Publishes an item (XEP-0060 §7.1): to a new node, created with `options` (else the
   * defaults); to an existing one only if `options` match its configuration (publish-options as
   * preconditions, §7.1.5: else PARLEY_ERR_CONFLICT). An item with the id of one kept replaces it;
   * the node keeps its newest `maxItems`. Returns the item's id (a new one when none was given).
   */
  async publish(
    owner: PepOwner,
    node: string,
    item: { id?: string; payload: string },
    options?: Partial<Record<keyof PepNodeConfig, string>>,
  ): Promise<string> {
    checkName('node', node);
    if (item.id !== undefined) checkName('item', item.id);
    if (item.payload.length > PEP_LIMITS.payload) throw invalid('item', `at most ${PEP_LIMITS.payload} characters`);
    const id = item.id ?? randomUUID();
    const now = this.ctx.clock.now();
    const published: PepItem = { id, payload: item.payload, publishedAt: now };
    const { tenantId, userId } = owner;
    const config = await this.ctx.store.transaction(async (r) => {
      const existing = await r.pep.node(tenantId, userId, node);
      if (existing && options && !same(existing.config, configFrom(existing.config, options))) {
        throw conflict(`the publish options do not match the configuration of node ${node}`);
      }
      if (!existing) await this.checkNodeQuota(r.pep, owner);
      if ((await r.pep.bytes(tenantId, userId, { node, itemId: id })) + item.payload.length > PEP_LIMITS.bytes) {
        throw new ParleyError('PARLEY_ERR_QUOTA_EXCEEDED', `at most ${PEP_LIMITS.bytes} characters of items per user`);
      }
      const n: StoredNode = existing
        ? { ...existing, seq: existing.seq + 1 }
        : { node, config: configFrom(PEP_DEFAULT, options ?? {}), seq: 1 };
      await r.pep.putNode(tenantId, userId, n, now);
      await r.pep.putItem(tenantId, userId, node, published, n.seq);
      await r.pep.trim(tenantId, userId, node, n.config.maxItems);
      return n.config;
    });
    await this.ctx.bus.publish('pep.changed', { tenantId, userId, node, access: config.access, published });
    return id;
  }

  /** Removes items (XEP-0060 §7.2); `notify`: readers' clients are told. PARLEY_ERR_NOT_FOUND for none of them. */
  async retract(owner: PepOwner, node: string, ids: string[], notify: boolean): Promise<void> {
    const { access } = await this.config(owner, node);
    const gone = await this.repo.removeItems(owner.tenantId, owner.userId, node, ids);
    if (gone.length === 0) throw notFound(`item ${ids.join(', ')}`);
    if (notify) await this.ctx.bus.publish('pep.changed', { ...owner, node, access, retracted: gone });
  }

  /** Changes a node's configuration (XEP-0060 §8.2); fewer `maxItems` drops the oldest items. */
  async configure(owner: PepOwner, node: string, asked: Partial<Record<keyof PepNodeConfig, string>>): Promise<void> {
    const n = await this.repo.node(owner.tenantId, owner.userId, node);
    if (!n) throw notFound(`node ${node}`);
    const config = configFrom(n.config, asked);
    await this.repo.putNode(owner.tenantId, owner.userId, { ...n, config }, this.ctx.clock.now());
    await this.repo.trim(owner.tenantId, owner.userId, node, config.maxItems);
  }

  /**
   * Removes the items (`purge`, XEP-0060 §8.5) or the node with them (`delete`, §8.4); readers'
   * clients are told. Returns the node's access model (who else is to be told).
   */
  async clear(owner: PepOwner, node: string, how: 'purged' | 'deleted'): Promise<PepAccess> {
    const { access } = await this.config(owner, node);
    if (how === 'deleted') await this.repo.removeNode(owner.tenantId, owner.userId, node);
    else await this.repo.purge(owner.tenantId, owner.userId, node);
    await this.ctx.bus.publish('pep.changed', { ...owner, node, access, cleared: how });
    return access;
  }
}

const same = (a: PepNodeConfig, b: PepNodeConfig) =>
  a.access === b.access && a.maxItems === b.maxItems && a.sendLast === b.sendLast;

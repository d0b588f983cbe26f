import { type Presence, samePresence } from './aggregate.js';
import type { PresenceSeen } from './watch.js';
import { type Relation, visibleTo } from './watchers.js';

/** A user's presence as the tenant's watches last met it, and what each relation sees of it. */
interface Current {
  /** The id string every view of the user carries (the first one met, kept across values). */
  userId: string;
  /** The user's place in the tenant's `LastSent` arrays. */
  slot: number;
  user: string;
  presence: Presence;
  views: Map<Relation, PresenceSeen>;
}

/**
 * What the open watches of a tenant see of its users, held once: per user the value last met and
 * one view of it per relation, so a watch keeps references to these (its user ids and what it
 * last got) rather than copies of every colleague's presence. A tenant's are dropped when its last
 * watch closes; without an open watch every view is a fresh object.
 */
export class SharedViews {
  private readonly tenants = new Map<string, { watches: number; users: Map<string, Current> }>();

  /** The place of `userId` in the arrays of `LastSent` while the tenant has a watch open (undefined: none yet). */
  slot(tenantId: string, userId: string): number | undefined {
    return this.tenants.get(tenantId)?.users.get(userId)?.slot;
  }

  /** A watch of `tenantId` opens; call the function returned when it closes. */
  open(tenantId: string): () => void {
    const tenant = this.tenants.get(tenantId) ?? { watches: 0, users: new Map() };
    tenant.watches += 1;
    this.tenants.set(tenantId, tenant);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      tenant.watches -= 1;
      if (tenant.watches === 0 && this.tenants.get(tenantId) === tenant) this.tenants.delete(tenantId);
    };
  }

  /**
   * What `relation` may see of `presence` of the user `userId` (address `user`): the same object,
   * with the same id string, for every caller while the user's presence stays the same.
   */
  seen(tenantId: string, userId: string, user: string, presence: Presence, relation: Relation): PresenceSeen {
    const users = this.tenants.get(tenantId)?.users;
    if (!users) return { userId, user, relation, presence: visibleTo(presence, relation) };
    let current = users.get(userId);
    if (!current || current.user !== user || !samePresence(current.presence, presence)) {
      const slot = current?.slot ?? users.size;
      current = { userId: current?.userId ?? userId, slot, user, presence, views: new Map() };
      users.set(current.userId, current);
    }
    let view = current.views.get(relation);
    if (!view) {
      const { userId: id, user: address } = current;
      view = { userId: id, user: address, relation, presence: visibleTo(current.presence, relation) };
      current.views.set(relation, view);
    }
    return view;
  }
}

/**
 * What one watch last got of each user: the shared view, in an array at the user's slot (a
 * pointer per user, where a Map would take several words and a hash bucket).
 */
export class LastSent {
  private readonly sent: (PresenceSeen | undefined)[] = [];

  constructor(
    private readonly views: SharedViews,
    private readonly tenantId: string,
  ) {}

  get(userId: string): PresenceSeen | undefined {
    const slot = this.views.slot(this.tenantId, userId);
    return slot === undefined ? undefined : this.sent[slot];
  }

  set(seen: PresenceSeen): void {
    const slot = this.views.slot(this.tenantId, seen.userId);
    if (slot !== undefined) this.sent[slot] = seen;
  }

  /** The users it got something of. */
  userIds(): string[] {
    return this.sent.flatMap((s) => (s ? [s.userId] : []));
  }
}

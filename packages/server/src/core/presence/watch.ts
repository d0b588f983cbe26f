import type { CoreContext } from '../context.js';
import { addressOf } from '../users/model.js';
import { type Presence, samePresence } from './aggregate.js';
import type { PresenceService } from './service.js';
import { LastSent, SharedViews } from './shared-views.js';
import { type Relation, visibleTo, type Watcher } from './watchers.js';

/** What a watcher sees of one user of the tenant: their presence as the watcher's relation allows. */
export interface PresenceSeen {
  userId: string;
  /** The user's address (`local@domain`). */
  user: string;
  /** How the watcher relates to the user; `presence` is what that relation may see (`visibleTo`). */
  relation: Relation;
  presence: Presence;
}

/** Called with each change a watcher may see; the same object for every watcher of one relation. */
export type OnPresenceChange = (seen: PresenceSeen) => void;

/** A running watch: `presence.watch` hands it out, `close` ends it. */
export interface PresenceWatch {
  /**
   * What the watcher may see now of the users with these addresses (null: not a user of the
   * tenant), in the order asked; later changes are only handed on when they differ from it.
   */
  snapshot(addresses: readonly string[]): Promise<(PresenceSeen | null)[]>;
  /** Stops the watch: no `onChange` after this. */
  close(): void;
}

/** The views the watches of each presence service share (`shared-views.ts`). */
const shared = new WeakMap<PresenceService, SharedViews>();

function sharedOf(source: PresenceService): SharedViews {
  let views = shared.get(source);
  if (!views) {
    views = new SharedViews();
    shared.set(source, views);
  }
  return views;
}

/**
 * One view per published change and relation, shared by every watcher of it, so a change fanned
 * out to a tenant is filtered once per relation (and an adapter can render it once too).
 */
const views = new WeakMap<object, Map<Relation, PresenceSeen>>();

/** What `relation` may see of `presence`; the same object each time for one `change` (an event). */
function seenAs(
  source: PresenceService,
  tenantId: string,
  relation: Relation,
  userId: string,
  user: string,
  presence: Presence,
  change?: object,
): PresenceSeen {
  const make = () => sharedOf(source).seen(tenantId, userId, user, presence, relation);
  if (!change) return make();
  let byRelation = views.get(change);
  if (!byRelation) {
    byRelation = new Map();
    views.set(change, byRelation);
  }
  let seen = byRelation.get(relation);
  if (!seen) {
    seen = make();
    byRelation.set(relation, seen);
  }
  return seen;
}

/** What `watcher` may see now of the users of `tenantId` with these addresses (null: no such user). */
export async function see(
  ctx: CoreContext,
  source: PresenceService,
  tenantId: string,
  watcher: Watcher,
  addresses: readonly string[],
): Promise<(PresenceSeen | null)[]> {
  const found = await ctx.store.repos.users.byAddresses(tenantId, [...new Set(addresses)]);
  const byAddress = new Map(found.map((u) => [addressOf(u), u]));
  return Promise.all(
    addresses.map(async (address) => {
      const u = byAddress.get(address);
      if (!u) return null;
      const [presence, relation] = await Promise.all([
        source.get(tenantId, u.id),
        source.watchers.relation(tenantId, watcher, u.id),
      ]);
      return seenAs(source, tenantId, relation, u.id, address, presence);
    }),
  );
}

/**
 * Watches the presence of every user of `tenantId` as `watcher` may see it: each
 * `presence.changed` filtered by the watcher's relation to the user, handed on only when what the
 * watcher sees really changed since what it last got; when a team or block changes the watcher's
 * relation (`presence.visibility.changed`), or the tenant's trust in a federated watcher's domain
 * (`federation.changed`), the affected users' presence as it may now see it.
 */
export function watch(
  ctx: CoreContext,
  source: PresenceService,
  tenantId: string,
  watcher: Watcher,
  onChange: OnPresenceChange,
): PresenceWatch {
  const sharedViews = sharedOf(source);
  const release = sharedViews.open(tenantId);
  /** What the watcher last got of each user: views shared with the tenant's other watches. */
  const lastSent = new LastSent(sharedViews, tenantId);
  /** Per snapshot being read, the users a change was handed on of meanwhile. */
  const reading = new Set<Set<string>>();
  let closed = false;

  /**
   * `previous` null: the watcher's relation changed, so what it saw before is unknown. `change`: the
   * event that published `presence`, whose view every watcher of the same relation shares.
   */
  const deliver = async (
    userId: string,
    user: string,
    presence: Presence,
    previous: Presence | null,
    change?: object,
  ) => {
    const relation = await source.watchers.relation(tenantId, watcher, userId);
    if (closed) return;
    const seen = seenAs(source, tenantId, relation, userId, user, presence, change);
    const before = lastSent.get(userId)?.presence ?? (previous && visibleTo(previous, relation));
    if (before && samePresence(before, seen.presence)) return;
    lastSent.set(seen);
    for (const changed of reading) changed.add(seen.userId);
    onChange(seen);
  };

  const bus = ctx.bus;
  const unsubscribe = [
    bus.subscribe('presence.changed', (e) => deliver(e.userId, e.user, e.presence, e.previous, e), { tenantId }),
    bus.subscribe(
      'presence.visibility.changed',
      async (e) => {
        if (!e.watchers.includes(watcher.address)) return;
        const others = e.userIds.filter((id) => id !== watcher.userId);
        for (const u of await ctx.store.repos.users.byIds(tenantId, others)) {
          await deliver(u.id, addressOf(u), await source.get(tenantId, u.id), null);
        }
      },
      { tenantId },
    ),
    // A federated watcher's domain may have another trust level now: what it saw is resent as it may see it.
    bus.subscribe(
      'federation.changed',
      async () => {
        if (watcher.tenantId !== null) return;
        for (const u of await ctx.store.repos.users.byIds(tenantId, lastSent.userIds())) {
          await deliver(u.id, addressOf(u), await source.get(tenantId, u.id), null);
        }
      },
      { tenantId },
    ),
  ];

  return {
    async snapshot(addresses) {
      const changed = new Set<string>();
      reading.add(changed);
      const seen = await see(ctx, source, tenantId, watcher, addresses).finally(() => reading.delete(changed));
      return seen.map((s) => {
        if (!s) return null;
        // A change handed on while this was read is newer than what was read.
        const sent = changed.has(s.userId) && lastSent.get(s.userId);
        if (sent) return { ...s, presence: sent.presence };
        lastSent.set(s);
        return s;
      });
    },
    close() {
      closed = true;
      for (const u of unsubscribe.splice(0)) u();
      release();
    },
  };
}

import type { CoreContext } from '../context.js';
import { invalid, notFound, ParleyError } from '../errors.js';
import { ROSTER_GROUPS_MAX, ROSTER_MAX_ITEMS, ROSTER_NAME_MAX, type RosterItem } from './model.js';
import { inbound, noSubscription, type Outcome, outbound, type SubscriptionKind } from './subscription.js';

const blank = (jid: string, listed: boolean): RosterItem => ({
  jid,
  name: null,
  groups: [],
  ...noSubscription,
  pendingStatus: null,
  listed,
});

/** An item the roster shows: listed, or with a subscription or pending request worth showing. */
const kept = (i: RosterItem) => i.listed || i.pendingIn;

/**
 * Personal roster contacts (XMPP, RFC 6121) with their subscription state. Addresses are bare JIDs
 * the caller has prepared (`lib/jid.ts`). Every change publishes `roster.updated` for the user's
 * clients on every node.
 */
export class RosterService {
  constructor(private readonly ctx: CoreContext) {}

  private get repo() {
    return this.ctx.store.repos.roster;
  }

  /** The user's listed contacts (not the pending requests of others). */
  async items(tenantId: string, userId: string): Promise<RosterItem[]> {
    return (await this.repo.list(tenantId, userId)).filter((i) => i.listed);
  }

  /** Inbound subscription requests the user has not answered (redelivered at login, RFC 6121 §3.1.3). */
  async pendingRequests(tenantId: string, userId: string): Promise<RosterItem[]> {
    return (await this.repo.list(tenantId, userId)).filter((i) => i.pendingIn);
  }

  /** Who sees the presence of the tenant's users through a personal subscription: each user and contact. */
  subscribers(tenantId: string): Promise<{ userId: string; jid: string }[]> {
    return this.repo.subscribers(tenantId);
  }

  /** The state of one contact (a blank one when the user has none). */
  async get(tenantId: string, userId: string, jid: string): Promise<RosterItem> {
    return (await this.repo.get(tenantId, userId, jid)) ?? blank(jid, false);
  }

  /**
   * Adds or changes a contact's name and groups (RFC 6121 §2.3); its subscription is untouched.
   * PARLEY_ERR_VALIDATION for too long names or too many groups, PARLEY_ERR_QUOTA_EXCEEDED beyond
   * ROSTER_MAX_ITEMS.
   */
  async set(tenantId: string, userId: string, jid: string, o: { name: string | null; groups: string[] }) {
    const groups = [...new Set(o.groups.map((g) => g.trim()).filter((g) => g.length > 0))];
    if (o.name !== null && o.name.length > ROSTER_NAME_MAX) invalidName('name');
    if (groups.length > ROSTER_GROUPS_MAX) throw invalid('groups', `at most ${ROSTER_GROUPS_MAX} groups`);
    if (groups.some((g) => g.length > ROSTER_NAME_MAX)) invalidName('groups');
    const item = await this.ctx.store.transaction(async (r) => {
      const before = await r.roster.get(tenantId, userId, jid);
      if (!before && (await r.roster.count(tenantId, userId)) >= ROSTER_MAX_ITEMS) {
        throw full();
      }
      const next: RosterItem = { ...(before ?? blank(jid, true)), name: o.name || null, groups, listed: true };
      await r.roster.put(tenantId, userId, next, this.ctx.clock.now());
      return next;
    });
    await this.ctx.bus.publish('roster.updated', { tenantId, userId, item, removed: false });
    return item;
  }

  /** Removes a contact (RFC 6121 §2.5); returns its state before, for the unsubscribes the caller sends. */
  async remove(tenantId: string, userId: string, jid: string): Promise<RosterItem> {
    const before = await this.repo.get(tenantId, userId, jid);
    if (!before?.listed || !(await this.repo.remove(tenantId, userId, jid))) throw notFound('roster item');
    const item = blank(jid, false);
    await this.ctx.bus.publish('roster.updated', { tenantId, userId, item, removed: true });
    return before;
  }

  /** The user sent a subscription stanza to `jid` (RFC 6121 A.2); a subscribe adds the contact. */
  outbound(tenantId: string, userId: string, jid: string, kind: SubscriptionKind): Promise<Outcome> {
    return this.apply(tenantId, userId, jid, (item) => {
      const r = outbound(kind, item);
      // Asking for or approving a subscription adds the contact (RFC 6121 §3.1.2, §3.1.5).
      const listed = item.listed || kind === 'subscribe' || (kind === 'subscribed' && r.changed);
      const status = r.state.pendingIn ? item.pendingStatus : null;
      return { r, next: { ...item, ...r.state, listed, pendingStatus: status } };
    });
  }

  /** `jid` sent the user a subscription stanza (RFC 6121 A.3); a request's status text is kept with it. */
  inbound(
    tenantId: string,
    userId: string,
    jid: string,
    kind: SubscriptionKind,
    status: string | null = null,
  ): Promise<Outcome> {
    return this.apply(tenantId, userId, jid, (item) => {
      const r = inbound(kind, item);
      const pendingStatus = !r.state.pendingIn ? null : r.changed ? status : item.pendingStatus;
      return { r, next: { ...item, ...r.state, pendingStatus: pendingStatus?.slice(0, ROSTER_NAME_MAX) ?? null } };
    });
  }

  private async apply(
    tenantId: string,
    userId: string,
    jid: string,
    step: (item: RosterItem) => { r: Outcome; next: RosterItem },
  ): Promise<Outcome> {
    const { r, next, publish } = await this.ctx.store.transaction(async (repos) => {
      const before = await repos.roster.get(tenantId, userId, jid);
      const { r, next } = step(before ?? blank(jid, false));
      const changed = r.changed || next.listed !== (before?.listed ?? false);
      if (!changed) return { r, next, publish: false };
      if (!before && (await repos.roster.count(tenantId, userId)) >= ROSTER_MAX_ITEMS) {
        throw full();
      }
      if (kept(next) || next.subscription !== 'none' || next.pendingOut) {
        await repos.roster.put(tenantId, userId, next, this.ctx.clock.now());
      } else {
        await repos.roster.remove(tenantId, userId, jid);
      }
      return { r, next, publish: next.listed || before?.listed === true };
    });
    if (publish) await this.ctx.bus.publish('roster.updated', { tenantId, userId, item: next, removed: false });
    return r;
  }
}

const full = () => new ParleyError('PARLEY_ERR_QUOTA_EXCEEDED', `a roster holds at most ${ROSTER_MAX_ITEMS} contacts`);

function invalidName(path: string): never {
  throw invalid(path, `must be at most ${ROSTER_NAME_MAX} characters`);
}

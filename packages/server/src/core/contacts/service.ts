import type { CoreContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { invalid } from '../errors.js';
import { addressOf, type User } from '../users/model.js';
import type { ColleaguePosition } from '../users/repository.js';
import type { Colleague } from './model.js';

const encodeColleague = (p: ColleaguePosition) => encodeCursor([p.key, p.id]);

function decodeColleague(cursor: string): ColleaguePosition {
  const [key, id] = decodeCursor(cursor, ['string', 'string']) as [string, string];
  return { key, id };
}

/**
 * Whether a user of the tenant is a colleague of its users: enabled, and not a system administrator
 * (who runs the installation and only has an account in some tenant). `UserRepository.colleagues`
 * applies the same rule in its query.
 */
const isColleague = (u: User) => u.disabledAt === null && u.role !== 'system-admin';

/**
 * Colleagues (the enabled users of the caller's tenant but system administrators) and each user's
 * favourites among them. A favourite is kept by user id: it goes with the colleague's removal, and
 * a disabled colleague is left out of the list until enabled again.
 */
export class ContactsService {
  constructor(private readonly ctx: CoreContext) {}

  /** Users as colleagues see them, each marked when another user of the tenant has the same name. */
  private async colleaguesOf(tenantId: string, users: User[]): Promise<Colleague[]> {
    const shared = await this.ctx.store.repos.users.sharedNames(
      tenantId,
      users.map((u) => u.displayName),
    );
    return users.map((u) => ({
      id: u.id,
      local: u.local,
      domain: u.domain,
      displayName: u.displayName,
      email: u.email,
      numbers: u.numbers,
      sharedName: shared.has(u.displayName),
    }));
  }

  /** A page of the tenant's enabled users by name; `cursor` is the previous page's. */
  async colleagues(
    tenantId: string,
    options: { q?: string | undefined; limit: number; cursor?: string | undefined },
  ): Promise<{ users: Colleague[]; cursor: string | null }> {
    const { users, next } = await this.ctx.store.repos.users.colleagues(tenantId, {
      limit: options.limit,
      ...(options.q !== undefined && { q: options.q }),
      ...(options.cursor !== undefined && { after: decodeColleague(options.cursor) }),
    });
    return { users: await this.colleaguesOf(tenantId, users), cursor: next && encodeColleague(next) };
  }

  /** The user's favourites in their order (disabled colleagues left out). */
  async favourites(tenantId: string, userId: string): Promise<Colleague[]> {
    const ids = await this.ctx.store.repos.favourites.list(tenantId, userId);
    const byId = new Map((await this.ctx.store.repos.users.byIds(tenantId, ids)).map((u) => [u.id, u]));
    return this.colleaguesOf(
      tenantId,
      ids.flatMap((id) => {
        const u = byId.get(id);
        return u && isColleague(u) ? [u] : [];
      }),
    );
  }

  /**
   * Replaces the user's favourites with these addresses (normalized, repeated ones once). Each must
   * be an enabled user of the tenant: otherwise PARLEY_ERR_VALIDATION naming the first bad entry,
   * with the same words for unknown, disabled and other tenants' addresses. Publishes
   * `favourites.updated` for the user's other clients.
   */
  async setFavourites(tenantId: string, userId: string, addresses: readonly string[]): Promise<Colleague[]> {
    const found = await this.ctx.store.repos.users.byAddresses(tenantId, [...new Set(addresses)]);
    const byAddress = new Map(found.filter(isColleague).map((u) => [addressOf(u), u]));
    const chosen = new Map<string, User>();
    for (const [i, address] of addresses.entries()) {
      const u = byAddress.get(address);
      if (!u) throw invalid(`body.favourites.${i}`, `${address} is not a colleague (an enabled user of your tenant)`);
      if (!chosen.has(u.id)) chosen.set(u.id, u);
    }
    const users = [...chosen.values()];
    await this.ctx.store.transaction((r) =>
      r.favourites.replace(
        tenantId,
        userId,
        users.map((u) => u.id),
      ),
    );
    const favourites = await this.colleaguesOf(tenantId, users);
    await this.ctx.bus.publish('favourites.updated', { tenantId, userId, favourites });
    return favourites;
  }
}

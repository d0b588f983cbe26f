import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { conflict, invalid, notFound } from '../errors.js';
import { federatedRelation, type TrustLevel } from '../federation/model.js';
import { addressOf, type User } from '../users/model.js';
import { offlinePresence, type Presence } from './aggregate.js';
import type { Team } from './model.js';

/** How a watcher relates to the user whose presence they look at. */
export type Relation = 'self' | 'team' | 'colleague' | 'business' | 'external' | 'blocked';

/**
 * What a watcher of `relation` may see (DESIGN §6): colleagues see availability, flags, until,
 * note, context and the next appointment's time; team members also its subject; business
 * partners (a federated domain of that trust) the availability and flags; externals only the
 * availability; a blocked watcher sees the user offline.
 */
export function visibleTo(p: Presence, relation: Relation): Presence {
  switch (relation) {
    case 'self':
    case 'team':
      return p;
    case 'colleague':
      return p.nextAppointment?.subject ? { ...p, nextAppointment: { ...p.nextAppointment, subject: null } } : p;
    case 'business':
      return { ...offlinePresence, availability: p.availability, flags: p.flags };
    case 'external':
      return { ...offlinePresence, availability: p.availability };
    case 'blocked':
      return offlinePresence;
  }
}

/** A watcher: a user of some tenant here, or of a federated domain (`tenantId` null), known by address. */
export interface Watcher {
  tenantId: string | null;
  userId: string | null;
  address: string;
}

export const watcherOf = (u: User): Watcher => ({
  tenantId: u.tenantId,
  userId: u.id,
  address: addressOf(u),
});

interface Relations {
  teamsOf: Map<string, Set<string>>;
  blocked: Set<string>;
}

/** The tenant's trust in a remote domain (`core/federation`). */
export type TrustOf = (tenantId: string, domain: string) => Promise<TrustLevel>;

/** Teams, blocked watchers, and the relation between a watcher and a user (cached per tenant). */
export class PresenceWatchers {
  private readonly cache = new Map<string, Promise<Relations>>();

  constructor(
    private readonly ctx: CoreContext,
    /** Without it a federated watcher is an external. */
    private readonly trustOf?: TrustOf,
  ) {}

  /** Forgets the cached relations of a tenant (after changes here or on another node). */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private relations(tenantId: string): Promise<Relations> {
    let r = this.cache.get(tenantId);
    if (!r) {
      r = (async () => {
        const repo = this.ctx.store.repos.presence;
        const teamsOf = new Map<string, Set<string>>();
        for (const m of await repo.memberships(tenantId)) {
          const set = teamsOf.get(m.userId) ?? new Set<string>();
          set.add(m.teamId);
          teamsOf.set(m.userId, set);
        }
        const blocked = new Set((await repo.blocks(tenantId)).map((b) => `${b.userId} ${b.watcher}`));
        return { teamsOf, blocked };
      })();
      r.catch(() => this.cache.delete(tenantId));
      this.cache.set(tenantId, r);
    }
    return r;
  }

  async relation(tenantId: string, watcher: Watcher, userId: string): Promise<Relation> {
    if (watcher.tenantId === tenantId && watcher.userId === userId) return 'self';
    const r = await this.relations(tenantId);
    if (r.blocked.has(`${userId} ${watcher.address}`)) return 'blocked';
    if (watcher.tenantId === null && this.trustOf) {
      const domain = watcher.address.slice(watcher.address.lastIndexOf('@') + 1);
      return federatedRelation(await this.trustOf(tenantId, domain));
    }
    if (watcher.tenantId !== tenantId || watcher.userId === null) return 'external';
    const mine = r.teamsOf.get(watcher.userId);
    const theirs = r.teamsOf.get(userId);
    if (mine && theirs) for (const t of mine) if (theirs.has(t)) return 'team';
    return 'colleague';
  }

  private async changed(tenantId: string, userIds: string[], watchers?: string[]) {
    this.invalidate(tenantId);
    const users = await Promise.all(userIds.map((id) => this.ctx.store.repos.users.get(tenantId, id)));
    const addresses = watchers ?? users.flatMap((u) => (u ? [addressOf(u)] : []));
    await this.ctx.bus.publish('presence.visibility.changed', { tenantId, userIds, watchers: addresses });
  }

  // Teams ------------------------------------------------------------------------------------

  listTeams(tenantId: string): Promise<Team[]> {
    return this.ctx.store.repos.presence.teams(tenantId);
  }

  async getTeam(tenantId: string, teamId: string): Promise<Team> {
    const [team] = await this.ctx.store.repos.presence.teams(tenantId, teamId);
    if (!team) throw notFound('team');
    return team;
  }

  async createTeam(tenantId: string, name: string, memberIds: string[] = []): Promise<Team> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 100) throw invalid('name', 'must be 1-100 characters');
    const team: Team = {
      id: randomUUID(),
      tenantId,
      name: trimmed,
      createdAt: this.ctx.clock.now(),
      members: [...new Set(memberIds)],
    };
    await this.ctx.store.transaction(async (r) => {
      if ((await r.presence.teams(tenantId)).some((t) => t.name === trimmed)) {
        throw conflict(`a team named ${trimmed} exists`);
      }
      await r.presence.insertTeam(team);
    });
    await this.changed(tenantId, team.members);
    return this.getTeam(tenantId, team.id);
  }

  async deleteTeam(tenantId: string, teamId: string): Promise<void> {
    const team = await this.getTeam(tenantId, teamId);
    await this.ctx.store.repos.presence.deleteTeam(tenantId, teamId);
    await this.changed(tenantId, team.members);
  }

  async addMember(tenantId: string, teamId: string, userId: string): Promise<Team> {
    const team = await this.getTeam(tenantId, teamId);
    await this.ctx.store.repos.presence.addMember(tenantId, teamId, userId);
    await this.changed(tenantId, [...team.members, userId]);
    return this.getTeam(tenantId, teamId);
  }

  async removeMember(tenantId: string, teamId: string, userId: string): Promise<Team> {
    const team = await this.getTeam(tenantId, teamId);
    if (!(await this.ctx.store.repos.presence.removeMember(tenantId, teamId, userId))) throw notFound('team member');
    await this.changed(tenantId, team.members);
    return this.getTeam(tenantId, teamId);
  }

  // Blocks -----------------------------------------------------------------------------------

  async blocked(tenantId: string, userId: string): Promise<string[]> {
    return (await this.ctx.store.repos.presence.blocks(tenantId, userId)).map((b) => b.watcher);
  }

  async block(tenantId: string, userId: string, watcherAddress: string): Promise<void> {
    await this.ctx.store.repos.presence.block(tenantId, userId, watcherAddress, this.ctx.clock.now());
    await this.changed(tenantId, [userId], [watcherAddress]);
  }

  async unblock(tenantId: string, userId: string, watcherAddress: string): Promise<void> {
    if (!(await this.ctx.store.repos.presence.unblock(tenantId, userId, watcherAddress))) {
      throw notFound('blocked watcher');
    }
    await this.changed(tenantId, [userId], [watcherAddress]);
  }
}

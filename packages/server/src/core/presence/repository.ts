import type { Kysely } from 'kysely';
import type { PresenceInputsTable } from '../../platform/store/presence-schema.js';
import type { Database } from '../../platform/store/schema.js';

export type InputSource = PresenceInputsTable['source'];

/** One stored presence input: its source, its key within the source (line, client id …) and its value. */
export interface StoredInput {
  source: InputSource;
  key: string;
  value: unknown;
  expiresAt: number | null;
  updatedAt: number;
}

export interface Team {
  id: string;
  tenantId: string;
  name: string;
  createdAt: number;
  /** User ids. */
  members: string[];
}

/**
 * Presence inputs, teams and blocked watchers of one tenant. Every method takes the tenant id;
 * expired inputs are never returned (and removed by `purgeExpired`).
 */
export class PresenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async putInput(
    tenantId: string,
    userId: string,
    input: { source: InputSource; key: string; value: unknown; expiresAt: number | null },
    now: number,
  ): Promise<void> {
    const row = {
      tenant_id: tenantId,
      user_id: userId,
      source: input.source,
      key: input.key,
      value: JSON.stringify(input.value),
      expires_at: input.expiresAt,
      updated_at: now,
    };
    await this.db
      .insertInto('presence_inputs')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'source', 'key'])
          .doUpdateSet({ value: row.value, expires_at: row.expires_at, updated_at: now })
          .where('presence_inputs.tenant_id', '=', tenantId),
      )
      .execute();
  }

  /** Removes one input, or every input of a source when `key` is absent; returns how many. */
  async deleteInput(tenantId: string, userId: string, source: InputSource, key?: string): Promise<number> {
    let q = this.db
      .deleteFrom('presence_inputs')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('source', '=', source);
    if (key !== undefined) q = q.where('key', '=', key);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  }

  /** Moves a live input's expiry (clients refresh theirs while connected); false when it is gone or expired. */
  async touchInput(
    tenantId: string,
    userId: string,
    source: InputSource,
    key: string,
    expiresAt: number,
    now: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('presence_inputs')
      .set({ expires_at: expiresAt })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('source', '=', source)
      .where('key', '=', key)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async inputs(tenantId: string, userId: string, now: number): Promise<StoredInput[]> {
    const rows = await this.db
      .selectFrom('presence_inputs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('source')
      .orderBy('key')
      .execute();
    return rows.map((r) => ({
      source: r.source,
      key: r.key,
      value: JSON.parse(r.value),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** Users of the tenant with at least one input (live or expired but not yet purged). */
  async usersWithInputs(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('presence_inputs')
      .select('user_id')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .orderBy('user_id')
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** Drops expired inputs; returns the users who had one. */
  async purgeExpired(tenantId: string, now: number): Promise<string[]> {
    const rows = await this.db
      .deleteFrom('presence_inputs')
      .where('tenant_id', '=', tenantId)
      .where('expires_at', '<=', now)
      .returning('user_id')
      .execute();
    return [...new Set(rows.map((r) => r.user_id))];
  }

  async insertTeam(team: Team): Promise<void> {
    await this.db
      .insertInto('presence_teams')
      .values({ id: team.id, tenant_id: team.tenantId, name: team.name, created_at: team.createdAt })
      .execute();
    for (const userId of team.members) await this.addMember(team.tenantId, team.id, userId);
  }

  async deleteTeam(tenantId: string, teamId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('presence_teams')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', teamId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async teams(tenantId: string, teamId?: string): Promise<Team[]> {
    let q = this.db.selectFrom('presence_teams').selectAll().where('tenant_id', '=', tenantId).orderBy('name');
    if (teamId !== undefined) q = q.where('id', '=', teamId);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const members = await this.db
      .selectFrom('presence_team_members')
      .select(['team_id', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .where(
        'team_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('user_id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      name: r.name,
      createdAt: Number(r.created_at),
      members: members.filter((m) => m.team_id === r.id).map((m) => m.user_id),
    }));
  }

  async addMember(tenantId: string, teamId: string, userId: string): Promise<void> {
    await this.db
      .insertInto('presence_team_members')
      .values({ tenant_id: tenantId, team_id: teamId, user_id: userId })
      .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
      .execute();
  }

  async removeMember(tenantId: string, teamId: string, userId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('presence_team_members')
      .where('tenant_id', '=', tenantId)
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Every team membership of the tenant (what visibility needs, in one query). */
  async memberships(tenantId: string): Promise<{ teamId: string; userId: string }[]> {
    const rows = await this.db
      .selectFrom('presence_team_members')
      .select(['team_id', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .orderBy('team_id')
      .orderBy('user_id')
      .execute();
    return rows.map((r) => ({ teamId: r.team_id, userId: r.user_id }));
  }

  async block(tenantId: string, userId: string, watcher: string, now: number): Promise<void> {
    await this.db
      .insertInto('presence_blocks')
      .values({ tenant_id: tenantId, user_id: userId, watcher, created_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'watcher']).doNothing())
      .execute();
  }

  async unblock(tenantId: string, userId: string, watcher: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('presence_blocks')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('watcher', '=', watcher)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Blocked watchers of the tenant's users, or of one user. */
  async blocks(tenantId: string, userId?: string): Promise<{ userId: string; watcher: string }[]> {
    let q = this.db
      .selectFrom('presence_blocks')
      .select(['user_id', 'watcher'])
      .where('tenant_id', '=', tenantId)
      .orderBy('user_id')
      .orderBy('watcher');
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return (await q.execute()).map((r) => ({ userId: r.user_id, watcher: r.watcher }));
  }
}

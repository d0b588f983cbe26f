import type { Kysely } from 'kysely';
import { prepared } from '../../platform/store/prepared.js';
import type { PresenceInputsTable } from '../../platform/store/presence-schema.js';
import type { Database } from '../../platform/store/schema.js';
import type { Team } from './model.js';

export type InputSource = PresenceInputsTable['source'];

/** One stored presence input: its source, its key within the source (line, client id …) and its value. */
export interface StoredInput {
  source: InputSource;
  key: string;
  value: unknown;
  expiresAt: number | null;
  updatedAt: number;
  /** The node instance holding a client input. */
  holder: string | null;
}

// The queries of every sign-in, sign-out and presence change, compiled once (`prepared.ts`).
interface Of {
  tenantId: string;
  userId: string;
}
type InputRow = Of & {
  source: InputSource;
  key: string;
  value: string;
  expiresAt: number | null;
  now: number;
  holder: string | null;
};
const upsertInput = prepared((db, p: InputRow) =>
  db
    .insertInto('presence_inputs')
    .values({
      tenant_id: p.tenantId,
      user_id: p.userId,
      source: p.source,
      key: p.key,
      value: p.value,
      expires_at: p.expiresAt,
      updated_at: p.now,
      holder: p.holder,
    })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'source', 'key'])
        .doUpdateSet({ value: p.value, expires_at: p.expiresAt, updated_at: p.now, holder: p.holder })
        .where('presence_inputs.tenant_id', '=', p.tenantId),
    ),
);
const touch = prepared((db, p: Of & { source: InputSource; key: string; expiresAt: number; now: number }) =>
  db
    .updateTable('presence_inputs')
    .set({ expires_at: p.expiresAt })
    .where('tenant_id', '=', p.tenantId)
    .where('user_id', '=', p.userId)
    .where('source', '=', p.source)
    .where('key', '=', p.key)
    .where('expires_at', '>', p.now),
);
const liveInputs = prepared((db, p: Of & { now: number }) =>
  db
    .selectFrom('presence_inputs')
    .selectAll()
    .where('tenant_id', '=', p.tenantId)
    .where('user_id', '=', p.userId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', p.now)]))
    .orderBy('source')
    .orderBy('key'),
);
const stateOf = prepared((db, p: Of) =>
  db
    .selectFrom('presence_state')
    .select(['presence', 'due', 'version'])
    .where('tenant_id', '=', p.tenantId)
    .where('user_id', '=', p.userId),
);
type StateRow = Of & { presence: string; due: number | null; now: number };
const firstState = prepared((db, p: StateRow) =>
  db
    .insertInto('presence_state')
    .values({
      tenant_id: p.tenantId,
      user_id: p.userId,
      presence: p.presence,
      due: p.due,
      version: 1,
      updated_at: p.now,
    })
    .onConflict((oc) => oc.column('user_id').doNothing()),
);
const nextState = prepared((db, p: StateRow & { version: number; next: number }) =>
  db
    .updateTable('presence_state')
    .set({ presence: p.presence, due: p.due, version: p.next, updated_at: p.now })
    .where('tenant_id', '=', p.tenantId)
    .where('user_id', '=', p.userId)
    .where('version', '=', p.version),
);

/**
 * Presence inputs, teams and blocked watchers of one tenant. Every method takes the tenant id;
 * expired inputs are never returned (and removed by `dropExpired`).
 */
export class PresenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds or replaces an input; `holder` is the node instance whose connection keeps it alive. */
  async putInput(
    tenantId: string,
    userId: string,
    input: { source: InputSource; key: string; value: unknown; expiresAt: number | null; holder?: string | null },
    now: number,
  ): Promise<void> {
    await upsertInput.run(this.db, {
      tenantId,
      userId,
      source: input.source,
      key: input.key,
      value: JSON.stringify(input.value),
      expiresAt: input.expiresAt,
      now,
      holder: input.holder ?? null,
    });
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
    const r = await touch.run(this.db, { tenantId, userId, source, key, expiresAt, now });
    return (r.numAffectedRows ?? 0n) > 0n;
  }

  async inputs(tenantId: string, userId: string, now: number): Promise<StoredInput[]> {
    const rows = await liveInputs.rows(this.db, { tenantId, userId, now });
    return rows.map((r) => ({
      source: r.source,
      key: r.key,
      value: JSON.parse(r.value),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      updatedAt: Number(r.updated_at),
      holder: r.holder,
    }));
  }

  /**
   * Drops the inputs expired at `now`; returns the users who had one. Cluster-wide, as the
   * presence schedule runs on one node; each user is then recomputed within their tenant.
   */
  async dropExpired(now: number): Promise<{ tenantId: string; userId: string }[]> {
    const rows = await this.db
      .deleteFrom('presence_inputs')
      .where('expires_at', '<=', now)
      .returning(['tenant_id', 'user_id'])
      .execute();
    return distinctUsers(rows);
  }

  /**
   * Drops the inputs held by node instances that are not in `live` (a node that stopped
   * heartbeating); returns the users who had one. Cluster-wide on purpose: a dead node's
   * connections span tenants, and every user found is then recomputed within their tenant.
   */
  async expireHolders(live: string[]): Promise<{ tenantId: string; userId: string }[]> {
    const rows = await this.db
      .deleteFrom('presence_inputs')
      .where('holder', 'is not', null)
      .$if(live.length > 0, (q) => q.where('holder', 'not in', live))
      .returning(['tenant_id', 'user_id'])
      .execute();
    return distinctUsers(rows);
  }

  /** The user's last computed presence (JSON), its next scheduled change and the row version. */
  async state(
    tenantId: string,
    userId: string,
  ): Promise<{ presence: unknown; due: number | null; version: number } | undefined> {
    const [r] = await stateOf.rows(this.db, { tenantId, userId });
    return r && { presence: JSON.parse(r.presence), due: r.due === null ? null : Number(r.due), version: r.version };
  }

  /**
   * Writes the computed presence if the row is still at `version` (undefined: no row yet);
   * false when another writer came first (the caller evaluates again).
   */
  async casState(
    tenantId: string,
    userId: string,
    version: number | undefined,
    next: { presence: unknown; due: number | null },
    now: number,
  ): Promise<boolean> {
    const row = { tenantId, userId, presence: JSON.stringify(next.presence), due: next.due, now };
    const r =
      version === undefined
        ? await firstState.run(this.db, row)
        : await nextState.run(this.db, { ...row, version, next: version + 1 });
    return (r.numAffectedRows ?? 0n) > 0n;
  }

  /**
   * Users whose next scheduled change has come, across tenants (the presence schedule runs on one
   * node for the whole cluster); each is then recomputed within their tenant.
   */
  async due(now: number, limit: number): Promise<{ tenantId: string; userId: string }[]> {
    const rows = await this.db
      .selectFrom('presence_state')
      .select(['tenant_id', 'user_id'])
      .where('due', '<=', now)
      .orderBy('due')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id }));
  }

  /** Users of the tenant with inputs but no computed presence yet (after an upgrade). */
  async usersWithoutState(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('presence_inputs as i')
      .select('i.user_id')
      .distinct()
      .where('i.tenant_id', '=', tenantId)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('presence_state as s').select('s.user_id').whereRef('s.user_id', '=', 'i.user_id'))),
      )
      .orderBy('i.user_id')
      .execute();
    return rows.map((r) => r.user_id);
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

/** Each user of these input rows once. */
function distinctUsers(rows: { tenant_id: string; user_id: string }[]): { tenantId: string; userId: string }[] {
  const users = new Map(rows.map((r) => [r.user_id, { tenantId: r.tenant_id, userId: r.user_id }]));
  return [...users.values()];
}

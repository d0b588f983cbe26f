import { nameWords } from '@parley/api';
import { type Kysely, sql } from 'kysely';
import { nameKey } from '../../platform/store/name-key.js';
import { prepared } from '../../platform/store/prepared.js';
import type { CredentialsTable, Database, UsersTable } from '../../platform/store/schema.js';
import type { DerivedCredentials, ScramKeys } from './credentials.js';
import { splitAddress, type User } from './model.js';

/**
 * A user by address, through the tenant its domain belongs to: the one user lookup that crosses
 * tenants, because it is how a login finds its scope.
 */
export async function findUserByAddress(
  repos: { tenants: { tenantIdOf(domain: string): Promise<string | undefined> }; users: UserRepository },
  address: string,
): Promise<User | undefined> {
  const { local, domain } = splitAddress(address);
  const tenantId = await repos.tenants.tenantIdOf(domain);
  return tenantId === undefined ? undefined : repos.users.byAddress(tenantId, local, domain);
}

// One user's lookups (every login and every stanza to a user), compiled once (`prepared.ts`).
const userById = prepared((db, p: { tenantId: string; id: string }) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', p.tenantId).where('id', '=', p.id),
);
const userByAddress = prepared((db, p: { tenantId: string; local: string; domain: string }) =>
  db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', p.tenantId)
    .where('local', '=', p.local)
    .where('domain', '=', p.domain),
);
const numbersOfOne = prepared((db, p: { tenantId: string; userId: string }) =>
  db
    .selectFrom('user_numbers')
    .select(['user_id', 'number'])
    .where('tenant_id', '=', p.tenantId)
    .where('user_id', '=', p.userId)
    .orderBy('position'),
);
const credentialsOf = prepared((db, p: { tenantId: string; userId: string }) =>
  db.selectFrom('credentials').selectAll().where('tenant_id', '=', p.tenantId).where('user_id', '=', p.userId),
);

/** Where a page of the colleague list ends: the last user's `name_key` and id. */
export interface ColleaguePosition {
  key: string;
  id: string;
}

/** Words of a colleague query that count (each adds a condition). */
const MAX_QUERY_WORDS = 8;

export type UserPatch = Partial<Pick<User, 'displayName' | 'email' | 'numbers' | 'role' | 'disabledAt'>>;

/** Users of one tenant. Every method takes the tenant id; no query crosses tenants. */
export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(user: User): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: user.id,
        tenant_id: user.tenantId,
        local: user.local,
        domain: user.domain,
        display_name: user.displayName,
        name_key: nameKey(user.displayName),
        email: user.email,
        role: user.role,
        disabled_at: user.disabledAt,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      })
      .execute();
    await this.writeNumbers(user.tenantId, user.id, user.numbers);
  }

  private async writeNumbers(tenantId: string, userId: string, numbers: string[]) {
    await this.db.deleteFrom('user_numbers').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
    if (numbers.length === 0) return;
    await this.db
      .insertInto('user_numbers')
      .values(numbers.map((number, position) => ({ tenant_id: tenantId, user_id: userId, position, number })))
      .execute();
  }

  async update(tenantId: string, userId: string, patch: UserPatch, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('users')
      .set({
        updated_at: now,
        ...(patch.displayName !== undefined && {
          display_name: patch.displayName,
          name_key: nameKey(patch.displayName),
        }),
        ...(patch.email !== undefined && { email: patch.email }),
        ...(patch.role !== undefined && { role: patch.role }),
        ...(patch.disabledAt !== undefined && { disabled_at: patch.disabledAt }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', userId)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    if (patch.numbers) await this.writeNumbers(tenantId, userId, patch.numbers);
    return true;
  }

  async delete(tenantId: string, userId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('users')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', userId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async get(tenantId: string, userId: string): Promise<User | undefined> {
    return (await this.withNumbers(tenantId, await userById.rows(this.db, { tenantId, id: userId })))[0];
  }

  async byAddress(tenantId: string, local: string, domain: string): Promise<User | undefined> {
    return (await this.withNumbers(tenantId, await userByAddress.rows(this.db, { tenantId, local, domain })))[0];
  }

  async list(tenantId: string, options: { limit?: number; offset?: number } = {}): Promise<User[]> {
    return this.query(tenantId, options);
  }

  /** Users of the tenant with these ids (in no particular order; unknown ids are left out). */
  async byIds(tenantId: string, ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids])
      .execute();
    return this.withNumbers(tenantId, rows);
  }

  /** Which of these display names more than one user of the tenant has (compared by `name_key`). */
  async sharedNames(tenantId: string, displayNames: readonly string[]): Promise<Set<string>> {
    const keys = [...new Set(displayNames.map(nameKey))];
    if (keys.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('users')
      .select('name_key')
      .where('tenant_id', '=', tenantId)
      .where('name_key', 'in', keys)
      .groupBy('name_key')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    const shared = new Set(rows.map((r) => r.name_key));
    return new Set(displayNames.filter((n) => shared.has(nameKey(n))));
  }

  /** Users of the tenant with these addresses (`local@domain`, in no particular order). */
  async byAddresses(tenantId: string, addresses: readonly string[]): Promise<User[]> {
    if (addresses.length === 0) return [];
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) =>
        eb.or(
          addresses.map((a) => {
            const { local, domain } = splitAddress(a);
            return eb.and([eb('local', '=', local), eb('domain', '=', domain)]);
          }),
        ),
      )
      .execute();
    return this.withNumbers(tenantId, rows);
  }

  /**
   * The enabled users of a tenant but system administrators (the colleagues of its users) by name
   * (`name_key`, then id), a page after `after`; with `q`,
   * those whose name has a word starting with each word of `q`, or whose address starts with `q`.
   * `next` is the position after the page's last user, null when nothing follows.
   */
  async colleagues(
    tenantId: string,
    options: { q?: string; after?: ColleaguePosition; limit: number },
  ): Promise<{ users: User[]; next: ColleaguePosition | null }> {
    let query = this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('disabled_at', 'is', null)
      .where('role', '!=', 'system-admin');
    const q = options.q?.trim().toLowerCase() ?? '';
    if (q !== '') {
      const words = nameWords(q).slice(0, MAX_QUERY_WORDS);
      const addressPrefix = `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([
          ...(words.length > 0
            ? [eb.and(words.map((w) => eb.or([eb('name_key', 'like', `${w}%`), eb('name_key', 'like', `% ${w}%`)])))]
            : []),
          sql<boolean>`(${sql.ref('local')} || '@' || ${sql.ref('domain')}) like ${addressPrefix} escape '\\'`,
        ]),
      );
    }
    const after = options.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('name_key', '>', after.key), eb.and([eb('name_key', '=', after.key), eb('id', '>', after.id)])]),
      );
    }
    const rows = await query
      .orderBy('name_key')
      .orderBy('id')
      .limit(options.limit + 1)
      .execute();
    const page = rows.slice(0, options.limit);
    const last = page[page.length - 1];
    return {
      users: await this.withNumbers(tenantId, page),
      next: rows.length > options.limit && last ? { key: last.name_key, id: last.id } : null,
    };
  }

  async count(tenantId: string, options: { domain?: string } = {}): Promise<number> {
    let q = this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId);
    if (options.domain) q = q.where('domain', '=', options.domain);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  private async query(tenantId: string, f: { limit?: number; offset?: number }): Promise<User[]> {
    let q = this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('local')
      .orderBy('domain');
    if (f.limit !== undefined) q = q.limit(f.limit).offset(f.offset ?? 0);
    return this.withNumbers(tenantId, await q.execute());
  }

  /** Users from their rows, each with their numbers in order (one query for all). */
  private async withNumbers(tenantId: string, rows: UsersTable[]): Promise<User[]> {
    if (rows.length === 0) return [];
    const [one] = rows;
    const numbers =
      rows.length === 1 && one
        ? await numbersOfOne.rows(this.db, { tenantId, userId: one.id })
        : await this.numbersOf(tenantId, rows);
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      local: r.local,
      domain: r.domain,
      displayName: r.display_name,
      email: r.email,
      role: r.role,
      disabledAt: r.disabled_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      numbers: numbers.filter((n) => n.user_id === r.id).map((n) => n.number),
    }));
  }

  private numbersOf(tenantId: string, rows: UsersTable[]) {
    return this.db
      .selectFrom('user_numbers')
      .select(['user_id', 'number'])
      .where('tenant_id', '=', tenantId)
      .where(
        'user_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('user_id')
      .orderBy('position')
      .execute();
  }
}

/** Stored secrets of a user's login password: slow password hash and SCRAM keys. */
export class CredentialRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async set(tenantId: string, userId: string, c: DerivedCredentials, now: number): Promise<void> {
    const row: CredentialsTable = {
      tenant_id: tenantId,
      user_id: userId,
      password_hash: c.passwordHash,
      scram_sha256_salt: c.scram.salt,
      scram_sha256_iterations: c.scram.iterations,
      scram_sha256_stored_key: c.scram.storedKey,
      scram_sha256_server_key: c.scram.serverKey,
      ...sha1Columns(c.scramSha1),
      updated_at: now,
    };
    const { user_id: _, ...update } = row;
    await this.db
      .insertInto('credentials')
      .values(row)
      .onConflict((oc) => oc.column('user_id').doUpdateSet(update))
      .execute();
  }

  /**
   * Stores SCRAM-SHA-1 keys derived at a sign-in, if the password is still the one checked
   * (`passwordHash`): a password changed meanwhile keeps its own keys. True when stored.
   */
  async addScramSha1(tenantId: string, userId: string, keys: ScramKeys, passwordHash: string): Promise<boolean> {
    const r = await this.db
      .updateTable('credentials')
      .set(sha1Columns(keys))
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('password_hash', '=', passwordHash)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async get(tenantId: string, userId: string): Promise<DerivedCredentials | undefined> {
    const [r] = await credentialsOf.rows(this.db, { tenantId, userId });
    if (!r) return undefined;
    return {
      passwordHash: r.password_hash,
      scram: {
        salt: r.scram_sha256_salt,
        iterations: r.scram_sha256_iterations,
        storedKey: r.scram_sha256_stored_key,
        serverKey: r.scram_sha256_server_key,
      },
      scramSha1:
        r.scram_sha1_salt !== null &&
        r.scram_sha1_iterations !== null &&
        r.scram_sha1_stored_key !== null &&
        r.scram_sha1_server_key !== null
          ? {
              salt: r.scram_sha1_salt,
              iterations: r.scram_sha1_iterations,
              storedKey: r.scram_sha1_stored_key,
              serverKey: r.scram_sha1_server_key,
            }
          : null,
    };
  }
}

const sha1Columns = (k: ScramKeys | null) => ({
  scram_sha1_salt: k?.salt ?? null,
  scram_sha1_iterations: k?.iterations ?? null,
  scram_sha1_stored_key: k?.storedKey ?? null,
  scram_sha1_server_key: k?.serverKey ?? null,
});

import type { Role } from '@parley/api';
import type { Kysely } from 'kysely';
import type { CredentialsTable, Database } from '../../platform/store/schema.js';
import type { DerivedCredentials } from './credentials.js';

export interface User {
  id: string;
  tenantId: string;
  local: string;
  domain: string;
  displayName: string;
  email: string | null;
  numbers: string[];
  role: Role;
  disabledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** `local@domain` of a user: login, XMPP JID and SIP URI user in one. */
export const addressOf = (u: { local: string; domain: string }) => `${u.local}@${u.domain}`;

/** The parts of `local@domain` (the domain follows the last `@`). */
export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/**
 * A user by address, through the tenant its domain belongs to: the one user lookup that crosses
 * tenants, because it is how a login finds its scope.
 */
export async function findUserByAddress(
  repos: { tenants: { byDomain(domain: string): Promise<{ id: string } | undefined> }; users: UserRepository },
  address: string,
): Promise<User | undefined> {
  const { local, domain } = splitAddress(address);
  const tenant = await repos.tenants.byDomain(domain);
  return tenant && repos.users.byAddress(tenant.id, local, domain);
}

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
        ...(patch.displayName !== undefined && { display_name: patch.displayName }),
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
    return (await this.query(tenantId, { id: userId }))[0];
  }

  async byAddress(tenantId: string, local: string, domain: string): Promise<User | undefined> {
    return (await this.query(tenantId, { local, domain }))[0];
  }

  async list(tenantId: string, options: { limit?: number; offset?: number } = {}): Promise<User[]> {
    return this.query(tenantId, options);
  }

  async count(tenantId: string, options: { domain?: string } = {}): Promise<number> {
    let q = this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId);
    if (options.domain) q = q.where('domain', '=', options.domain);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  private async query(
    tenantId: string,
    f: { id?: string; local?: string; domain?: string; limit?: number; offset?: number },
  ): Promise<User[]> {
    let q = this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('local')
      .orderBy('domain');
    if (f.id !== undefined) q = q.where('id', '=', f.id);
    if (f.local !== undefined) q = q.where('local', '=', f.local);
    if (f.domain !== undefined) q = q.where('domain', '=', f.domain);
    if (f.limit !== undefined) q = q.limit(f.limit).offset(f.offset ?? 0);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const numbers = await this.db
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
}

/** Stored secrets of a user: slow password hash, SCRAM keys, SIP HA1s. */
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
      sip_realm: c.sip.realm,
      sip_ha1_md5: c.sip.ha1Md5,
      sip_ha1_sha256: c.sip.ha1Sha256,
      updated_at: now,
    };
    const { user_id: _, ...update } = row;
    await this.db
      .insertInto('credentials')
      .values(row)
      .onConflict((oc) => oc.column('user_id').doUpdateSet(update))
      .execute();
  }

  async get(tenantId: string, userId: string): Promise<DerivedCredentials | undefined> {
    const r = await this.db
      .selectFrom('credentials')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      passwordHash: r.password_hash,
      scram: {
        salt: r.scram_sha256_salt,
        iterations: r.scram_sha256_iterations,
        storedKey: r.scram_sha256_stored_key,
        serverKey: r.scram_sha256_server_key,
      },
      sip: { realm: r.sip_realm, ha1Md5: r.sip_ha1_md5, ha1Sha256: r.sip_ha1_sha256 },
    };
  }
}

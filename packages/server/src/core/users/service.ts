import { randomUUID } from 'node:crypto';
import type { Role } from '@parley/api';
import type { CoreContext } from '../context.js';
import { conflict, forbidden, invalid, notFound } from '../errors.js';
import { ReadCache } from '../read-cache.js';
import { publishRevoked } from '../sessions/service.js';
import { type CredentialParams, deriveCredentials, generatePassword } from './credentials.js';
import { addressOf, splitAddress, type User } from './model.js';
import { findUserByAddress, type UserPatch } from './repository.js';

export interface CreateUserInput {
  local: string;
  /** One of the tenant's domains; the primary one when omitted. */
  domain?: string | undefined;
  displayName?: string | undefined;
  email?: string | undefined;
  numbers?: string[] | undefined;
  role?: Role | undefined;
  /** Generated (and returned once) when omitted. */
  password?: string | undefined;
}

/** Who asks for a change; decides which roles may be granted. Absent for the CLI (the operator). */
export interface Actor {
  role: Role;
  userId?: string;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Refuses a change to a system administrator (their account, password, calendar, devices …)
 * unless the actor is one too: a tenant admin manages everyone of the tenant but them (the CLI has
 * no actor and may). `what` completes "only a system administrator can …".
 */
export function checkMayChange(actor: Actor | undefined, target: { role: Role }, what: string): void {
  if (target.role === 'system-admin' && actor && actor.role !== 'system-admin') {
    throw forbidden(`only a system administrator can ${what}`);
  }
}

function checkGrant(actor: Actor | undefined, role: Role | undefined) {
  if (role === 'system-admin') checkMayChange(actor, { role }, 'grant the system-admin role');
}

/** Users of a tenant and their credentials. */
export class UserService {
  /** Users by `tenantId id` and by address: SIP requests and call steps read them (`forget` on each change). */
  private readonly cached: { id: ReadCache<User>; address: ReadCache<User> };

  constructor(
    private readonly ctx: CoreContext,
    private readonly params: CredentialParams,
  ) {
    this.cached = { id: new ReadCache(ctx.clock), address: new ReadCache(ctx.clock) };
  }

  /** Drops the cached user (all the tenant's without `userId`) after a change here or on another node. */
  forget(tenantId: string, userId?: string): void {
    for (const cache of [this.cached.id, this.cached.address])
      cache.forget((u) => u.tenantId === tenantId && (userId === undefined || u.id === userId));
  }

  async create(tenantId: string, input: CreateUserInput, actor?: Actor): Promise<{ user: User; password?: string }> {
    checkGrant(actor, input.role);
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant');
    const domain = input.domain ?? tenant.domains[0];
    if (!domain || !tenant.domains.includes(domain))
      throw invalid('domain', `${domain} is not a domain of this tenant`);
    const checked = await this.ctx.hooks.run('user.beforeCreate', {
      tenantId,
      local: input.local,
      domain,
      role: input.role ?? 'user',
    });
    const generated = input.password === undefined ? generatePassword() : undefined;
    const password = input.password ?? (generated as string);
    const credentials = await deriveCredentials(password, this.params);
    const now = this.ctx.clock.now();
    const user: User = {
      id: randomUUID(),
      tenantId,
      local: checked.local,
      domain: checked.domain,
      displayName: input.displayName ?? capitalise(checked.local),
      email: input.email ?? null,
      numbers: input.numbers ?? [],
      role: checked.role,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.ctx.store.transaction(async (r) => {
      if (await r.users.byAddress(tenantId, user.local, user.domain)) {
        throw conflict(`user ${user.local}@${user.domain} already exists`);
      }
      await r.users.insert(user);
      await r.credentials.set(tenantId, user.id, credentials, now);
    });
    await this.ctx.bus.publish('user.created', { tenantId, userId: user.id, user });
    this.ctx.log.info({ tenantId, userId: user.id, address: addressOf(user) }, 'user created');
    return generated ? { user, password: generated } : { user };
  }

  async get(tenantId: string, userId: string): Promise<User> {
    const u = await this.lookup(tenantId, userId);
    if (!u) throw notFound('user');
    return u;
  }

  /** The user, if there is one (cached, like `get`). */
  lookup(tenantId: string, userId: string): Promise<User | undefined> {
    return this.cached.id.get(`${tenantId} ${userId}`, () => this.ctx.store.repos.users.get(tenantId, userId));
  }

  list(tenantId: string, options: { limit?: number; offset?: number } = {}): Promise<User[]> {
    return this.ctx.store.repos.users.list(tenantId, options);
  }

  /** The user of the tenant with this address (`local@domain`), if there is one. */
  find(tenantId: string, address: string): Promise<User | undefined> {
    const { local, domain } = splitAddress(address);
    return this.ctx.store.repos.users.byAddress(tenantId, local, domain);
  }

  /** The users of the tenant with these ids (in no particular order; unknown ids are left out). */
  byIds(tenantId: string, ids: readonly string[]): Promise<User[]> {
    return this.ctx.store.repos.users.byIds(tenantId, ids);
  }

  /** Finds `local@domain` through the tenant of its domain. */
  async byAddress(address: string): Promise<User | undefined> {
    return this.cached.address.get(address, () => findUserByAddress(this.ctx.store.repos, address));
  }

  async update(
    tenantId: string,
    userId: string,
    patch: Omit<UserPatch, 'disabledAt'> & { disabled?: boolean },
    actor?: Actor,
  ): Promise<User> {
    checkGrant(actor, patch.role);
    const current = await this.get(tenantId, userId);
    checkMayChange(actor, current, 'change a system administrator');
    if (actor?.userId === userId && (patch.disabled || (patch.role && patch.role !== current.role))) {
      throw forbidden('you cannot disable yourself or change your own role');
    }
    const { disabled, ...rest } = patch;
    const now = this.ctx.clock.now();
    const changes: UserPatch = { ...rest };
    if (disabled !== undefined) changes.disabledAt = disabled ? (current.disabledAt ?? now) : null;
    const revoked = await this.ctx.store.transaction(async (r) => {
      await r.users.update(tenantId, userId, changes, now);
      return disabled ? r.sessions.revoke(tenantId, userId, now) : [];
    });
    await publishRevoked(this.ctx, tenantId, userId, revoked);
    this.forget(tenantId, userId);
    const user = await this.get(tenantId, userId);
    await this.ctx.bus.publish('user.updated', { tenantId, userId, user });
    return user;
  }

  async remove(tenantId: string, userId: string, actor?: Actor): Promise<void> {
    const current = await this.get(tenantId, userId);
    checkMayChange(actor, current, 'remove a system administrator');
    if (actor?.userId === userId) throw forbidden('you cannot remove yourself');
    const revoked = await this.ctx.store.transaction(async (r) => {
      const ids = await r.sessions.revoke(tenantId, userId, this.ctx.clock.now());
      await r.users.delete(tenantId, userId);
      return ids;
    });
    await publishRevoked(this.ctx, tenantId, userId, revoked);
    this.forget(tenantId, userId);
    await this.ctx.bus.publish('user.deleted', { tenantId, userId });
    this.ctx.log.info({ tenantId, userId }, 'user removed');
  }

  /**
   * Replaces every secret derived from the password and revokes the user's sessions but `keepSessionId`.
   * Returns the password when it was generated here.
   */
  async setPassword(
    tenantId: string,
    userId: string,
    password: string | undefined,
    options: { keepSessionId?: string; actor?: Actor } = {},
  ): Promise<string | undefined> {
    const user = await this.get(tenantId, userId);
    checkMayChange(options.actor, user, "set a system administrator's password");
    const generated = password === undefined ? generatePassword() : undefined;
    const credentials = await deriveCredentials(password ?? (generated as string), this.params);
    const now = this.ctx.clock.now();
    const revoked = await this.ctx.store.transaction(async (r) => {
      await r.credentials.set(tenantId, userId, credentials, now);
      return r.sessions.revoke(tenantId, userId, now, options.keepSessionId ? { exceptId: options.keepSessionId } : {});
    });
    await publishRevoked(this.ctx, tenantId, userId, revoked);
    return generated;
  }
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuthService, type CredentialCheckOptions } from '../auth/service.js';
import type { CoreContext } from '../context.js';
import type { DeviceService } from '../devices/service.js';
import { notFound, ParleyError } from '../errors.js';
import { addressOf, type User } from '../users/model.js';
import type { UserService } from '../users/service.js';
import type { Session } from './model.js';

export interface AuthOptions extends CredentialCheckOptions {
  sessionTtlHours: number;
  /** A session unused this long ends; use is recorded at most every TOUCH_EVERY_MS. */
  sessionIdleMinutes: number;
  ticketTtlSeconds: number;
}

export interface Principal {
  session: Session;
  user: User;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const TOKEN_PREFIX = 'prl_';
/** last_seen_at is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;
/**
 * How long a token's session and user are reused without reading the store. Revocations, user
 * changes and deletions made through any node drop the entry at once (bus events); this bounds
 * only what bypasses the bus, such as the CLI on an embedded node's data folder.
 */
export const PRINCIPAL_CACHE_MS = 2_000;
const PRINCIPAL_CACHE_MAX = 10_000;

/**
 * `core.auth`: the credential checks of every protocol (core/auth) with the HTTP API's sessions on
 * top — password login, bearer-token sessions, revocation and one-time WebSocket tickets. One
 * object, so the sign-ins of every protocol share its throttle and hash queue.
 */
export class SessionService extends AuthService {
  /** Bearer token → principal, read from the store at `at`. */
  private readonly principals = new Map<string, { principal: Principal; at: number }>();

  constructor(
    ctx: CoreContext,
    protected override readonly options: AuthOptions,
    devices: DeviceService,
    users: UserService,
  ) {
    super(ctx, options, devices, users);
  }

  /**
   * Checks the password and opens a session. Failures are counted per account and per client
   * address; over the limit the caller gets PARLEY_ERR_TOO_MANY_REQUESTS with a retry time.
   */
  async login(
    address: string,
    password: string,
    client: { address: string | null; userAgent: string | null },
  ): Promise<{ token: string; session: Session; user: User }> {
    const user = await this.password({ protocol: 'http', address: client.address, account: address, password });
    await this.ctx.hooks.run('auth.beforeLogin', { tenantId: user.tenantId, userId: user.id, address: client.address });
    const now = this.ctx.clock.now();
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const session: Session = {
      id: randomUUID(),
      tenantId: user.tenantId,
      userId: user.id,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
      address: client.address,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.options.sessionTtlHours * 3_600_000,
      revokedAt: null,
    };
    await this.ctx.store.repos.sessions.insert(session, sha256(token));
    await this.ctx.bus.publish('session.created', { tenantId: user.tenantId, userId: user.id, sessionId: session.id });
    return { token, session, user };
  }

  /** Asks a signed-in user for their password again (before a password change); throttled like a login. */
  async confirmPassword(p: Principal, password: string, clientAddress: string | null): Promise<void> {
    await this.password({ protocol: 'http', address: clientAddress, account: addressOf(p.user), password });
  }

  /** The session and user of a bearer token; PARLEY_ERR_UNAUTHENTICATED when it is not (or no longer) valid. */
  async authenticate(token: string): Promise<Principal> {
    if (!token.startsWith(TOKEN_PREFIX)) return this.principal(undefined);
    const now = this.ctx.clock.now();
    // By the token itself: a request within PRINCIPAL_CACHE_MS does not even hash it.
    const cached = this.principals.get(token);
    if (cached && now - cached.at < PRINCIPAL_CACHE_MS && this.live(cached.principal.session, now)) {
      if (now - cached.principal.session.lastSeenAt > TOUCH_EVERY_MS) await this.touch(cached.principal.session, now);
      return cached.principal;
    }
    this.principals.delete(token);
    const principal = await this.principal(await this.ctx.store.repos.sessions.byTokenHash(sha256(token)));
    if (this.principals.size >= PRINCIPAL_CACHE_MAX) this.principals.clear();
    this.principals.set(token, { principal, at: now });
    return principal;
  }

  /** Drops cached principals of a user (all of them without `sessionId`): the store is read again. */
  forget(userId: string, sessionId?: string): void {
    for (const [token, { principal }] of this.principals) {
      if (principal.user.id === userId && (sessionId === undefined || principal.session.id === sessionId)) {
        this.principals.delete(token);
      }
    }
  }

  /** Re-checks a session for a long-lived connection; an open connection counts as use of it. */
  async check(tenantId: string, sessionId: string): Promise<Principal> {
    return this.principal(await this.ctx.store.repos.sessions.get(tenantId, sessionId));
  }

  /** Not revoked, not expired and used within the idle timeout. */
  private live(session: Session, now: number): boolean {
    return (
      session.revokedAt === null &&
      session.expiresAt > now &&
      now - session.lastSeenAt < this.options.sessionIdleMinutes * 60_000
    );
  }

  private async principal(session: Session | undefined): Promise<Principal> {
    const now = this.ctx.clock.now();
    if (!session || !this.live(session, now)) {
      throw new ParleyError('PARLEY_ERR_UNAUTHENTICATED', 'The session is not valid; sign in again');
    }
    const user = await this.ctx.store.repos.users.get(session.tenantId, session.userId);
    if (!user || user.disabledAt !== null)
      throw new ParleyError('PARLEY_ERR_UNAUTHENTICATED', 'The account is disabled');
    if (now - session.lastSeenAt > TOUCH_EVERY_MS) await this.touch(session, now);
    return { session, user };
  }

  private async touch(session: Session, now: number) {
    session.lastSeenAt = now;
    await this.ctx.store.repos.sessions.touch(session.tenantId, session.id, now);
  }

  async listSessions(p: Principal): Promise<Session[]> {
    const now = this.ctx.clock.now();
    const sessions = await this.ctx.store.repos.sessions.listActive(p.user.tenantId, p.user.id, now);
    return sessions.filter((s) => this.live(s, now));
  }

  /** Revokes one session of the principal's user (their own, or logout when it is the current one). */
  async revoke(p: Principal, sessionId: string): Promise<void> {
    const ids = await this.ctx.store.repos.sessions.revoke(p.user.tenantId, p.user.id, this.ctx.clock.now(), {
      ids: [sessionId],
    });
    if (ids.length === 0) throw notFound('session');
    this.forget(p.user.id, sessionId);
    await publishRevoked(this.ctx, p.user.tenantId, p.user.id, ids);
  }

  /** A one-time ticket for opening the event WebSocket from a browser (no token in URLs). */
  async createTicket(p: Principal): Promise<{ ticket: string; expiresAt: number }> {
    const ticket = randomBytes(24).toString('base64url');
    const expiresAt = this.ctx.clock.now() + this.options.ticketTtlSeconds * 1000;
    await this.ctx.store.repos.sessions.insertTicket(p.session.tenantId, p.session.id, sha256(ticket), expiresAt);
    return { ticket, expiresAt };
  }

  async redeemTicket(ticket: string): Promise<Principal> {
    const session = await this.ctx.store.repos.sessions.consumeTicket(sha256(ticket), this.ctx.clock.now());
    return this.principal(session);
  }

  /** Housekeeping: drops expired tickets and sessions that ended over a day ago. */
  purge(): Promise<void> {
    return this.ctx.store.repos.sessions.purge(this.ctx.clock.now(), 86_400_000);
  }
}

/** Tells every node that these sessions are gone, so open connections on them close at once. */
export async function publishRevoked(ctx: CoreContext, tenantId: string, userId: string, sessionIds: string[]) {
  for (const sessionId of sessionIds) await ctx.bus.publish('session.revoked', { tenantId, userId, sessionId });
}

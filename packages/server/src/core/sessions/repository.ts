import type { Kysely } from 'kysely';
import type { Database } from '../../platform/store/schema.js';
import type { Session } from './model.js';

const toSession = (r: Database['sessions']): Session => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  userAgent: r.user_agent,
  address: r.address,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/**
 * Login sessions and one-time WebSocket tickets. Only hashes of tokens and tickets are stored.
 * Lookups by token or ticket hash are global by nature (the token is what tells the tenant); all
 * other methods are scoped by tenant.
 */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: Session, tokenHash: string): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: s.id,
        tenant_id: s.tenantId,
        user_id: s.userId,
        token_hash: tokenHash,
        user_agent: s.userAgent,
        address: s.address,
        created_at: s.createdAt,
        last_seen_at: s.lastSeenAt,
        expires_at: s.expiresAt,
        revoked_at: s.revokedAt,
      })
      .execute();
  }

  async byTokenHash(tokenHash: string): Promise<Session | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && toSession(r);
  }

  async get(tenantId: string, sessionId: string): Promise<Session | undefined> {
    const r = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .executeTakeFirst();
    return r && toSession(r);
  }

  async touch(tenantId: string, sessionId: string, now: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .execute();
  }

  /** Active sessions of a user, newest first. */
  async listActive(tenantId: string, userId: string, now: number): Promise<Session[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toSession);
  }

  /** Revokes the given sessions of a user (or all, without ids); returns the ids revoked. */
  async revoke(
    tenantId: string,
    userId: string,
    now: number,
    options: { ids?: string[]; exceptId?: string } = {},
  ): Promise<string[]> {
    let q = this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (options.ids) q = q.where('id', 'in', options.ids);
    if (options.exceptId) q = q.where('id', '!=', options.exceptId);
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id);
  }

  async insertTicket(tenantId: string, sessionId: string, ticketHash: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('event_tickets')
      .values({ ticket_hash: ticketHash, tenant_id: tenantId, session_id: sessionId, expires_at: expiresAt })
      .execute();
  }

  /** Takes a ticket out of the store (one use only) and returns its session if it had not expired. */
  async consumeTicket(ticketHash: string, now: number): Promise<Session | undefined> {
    const t = await this.db
      .deleteFrom('event_tickets')
      .where('ticket_hash', '=', ticketHash)
      .returning(['tenant_id', 'session_id', 'expires_at'])
      .executeTakeFirst();
    if (!t || t.expires_at <= now) return undefined;
    return this.get(t.tenant_id, t.session_id);
  }

  /** Removes expired tickets and sessions that ended more than `keepMs` ago. */
  async purge(now: number, keepMs: number): Promise<void> {
    await this.db.deleteFrom('event_tickets').where('expires_at', '<=', now).execute();
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now - keepMs), eb('revoked_at', '<=', now - keepMs)]))
      .execute();
  }
}

// The sessions bound on this node, by full JID, by bare JID and by user, and the ones that wait
// to be resumed (XEP-0198) by their resumption id.
import { bareJid, formatJid, type Jid } from '../../lib/jid.js';
import type { Session } from './c2s/session.js';
import type { SessionRegistry } from './module.js';

export class Sessions implements SessionRegistry {
  private readonly full = new Map<string, Session>();
  private readonly bare = new Map<string, Set<Session>>();
  private readonly users = new Map<string, Set<Session>>();
  private readonly tokens = new Map<string, Session>();

  /** Registers a bound session; returns the session it replaces on the same full JID, if any. */
  add(session: Session): Session | undefined {
    const key = formatJid(session.jid);
    const replaced = this.full.get(key);
    if (replaced) this.remove(replaced);
    this.full.set(key, session);
    addTo(this.bare, session.bare, session);
    addTo(this.users, userKey(session.tenantId, session.user.id), session);
    return replaced;
  }

  /** Makes a session resumable by its XEP-0198 id. */
  resumable(token: string, session: Session): void {
    this.tokens.set(token, session);
  }

  /** The session to resume with `token`, if it is still registered. */
  byToken(token: string): Session | undefined {
    return this.tokens.get(token);
  }

  remove(session: Session): void {
    const key = formatJid(session.jid);
    if (this.full.get(key) === session) this.full.delete(key);
    removeFrom(this.bare, session.bare, session);
    removeFrom(this.users, userKey(session.tenantId, session.user.id), session);
    if (session.sm?.token) this.tokens.delete(session.sm.token);
  }

  ofUser(tenantId: string, userId: string): readonly Session[] {
    return [...(this.users.get(userKey(tenantId, userId)) ?? [])];
  }

  /** A bare JID's sessions on this node. */
  ofBare(jid: Jid): readonly Session[] {
    return [...(this.bare.get(bareJid(jid)) ?? [])];
  }

  byJid(jid: Jid): Session | undefined {
    return this.full.get(formatJid(jid));
  }

  all(): Iterable<Session> {
    return this.full.values();
  }
}

const userKey = (tenantId: string, userId: string) => `${tenantId}/${userId}`;

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

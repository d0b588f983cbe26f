// Who a JID is on this server: a user of one of its tenants, or nobody here.
import type { Services } from '../../../compose.js';
import { type Watcher, watcherOf } from '../../../core/presence/watchers.js';
import type { User } from '../../../core/users/model.js';
import { bareJid, type Jid } from '../../../lib/jid.js';

/** The local user with this bare JID, if any (a domain JID or an unknown address: none). */
export async function localUser(core: Services, jid: Pick<Jid, 'local' | 'domain'>): Promise<User | undefined> {
  if (jid.local === null) return undefined;
  const u = await core.users.byAddress(bareJid(jid));
  return u && u.disabledAt === null ? u : undefined;
}

/** A JID as a presence watcher: the local user it is, or an address from elsewhere. */
export async function watcherFor(core: Services, jid: Pick<Jid, 'local' | 'domain'>): Promise<Watcher> {
  const u = await localUser(core, jid);
  return u ? watcherOf(u) : { tenantId: null, userId: null, address: bareJid(jid) };
}

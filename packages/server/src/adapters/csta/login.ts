// Who a CSTA login is (issue 14): an application account (`name@domain`, tenant-wide control) or a
// user's address and password (their own lines; a tenant admin's, the tenant's lines).
import type { Services } from '../../compose.js';
import type { Principal } from './session.js';

/**
 * Checks `SessionLoginInfo` credentials through the core's one login throttle.
 * @example const principal = await cstaLogin(core, socket.remoteAddress ?? null, 'crm@example.test', secret);
 */
export async function cstaLogin(
  core: Services,
  address: string | null,
  userName: string,
  password: string,
): Promise<Principal> {
  const attempt = { protocol: 'csta' as const, address, account: userName };
  if (await core.ctiApps.find(userName)) {
    const app = await core.ctiApps.login({ ...attempt, secret: password });
    return { actor: { tenantId: app.tenantId, scope: 'tenant' }, account: userName };
  }
  const user = await core.auth.password({ ...attempt, password });
  const admin = user.role === 'tenant-admin' || user.role === 'system-admin';
  return { actor: { tenantId: user.tenantId, userId: user.id, scope: admin ? 'tenant' : 'user' }, account: userName };
}

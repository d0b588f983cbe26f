// Who a simple bind is (RFC 4513 §5.1.3): a user's address and password, or the tenant's phone-book
// account, named as an address (`alice@example.test`) or as a DN under the tenant's base
// (`uid=alice,dc=example,dc=test`, `cn=phonebook,dc=example,dc=test`, `mail=alice@example.test`).
// Every check goes through the core's one login throttle (DESIGN §9).
import type { Services } from '../../compose.js';
import { ParleyError } from '../../core/errors.js';
import { baseDnOf } from '../../core/ldap-accounts/service.js';
import type { Viewer } from '../../directory/lookup.js';
import { normalizeDn } from './entries.js';
import type { Binding } from './session.js';

/**
 * The account a bind name stands for (`local@domain`), or null for a name that names none.
 * @example accountOf('uid=alice,dc=example,dc=test') // 'alice@example.test'
 */
export function accountOf(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed.includes('=')) return /^[^@\s]+@[^@\s]+$/.test(trimmed) ? trimmed.toLowerCase() : null;
  const rdns = normalizeDn(trimmed).split(',');
  const [attr, value] = (rdns[0] ?? '').split('=');
  if (!value) return null;
  if (attr === 'mail') return /^[^@\s]+@[^@\s]+$/.test(value) ? value : null;
  if (attr !== 'uid' && attr !== 'cn') return null;
  const labels = rdns.slice(1).map((r) => (r.startsWith('dc=') ? r.slice(3) : null));
  if (labels.length < 2 || labels.some((l) => !l)) return null;
  return `${value}@${labels.join('.')}`;
}

/** The binding of a tenant for the phone book or a user (whose sources' visibility applies). */
async function bindingOf(core: Services, tenantId: string, authzId: string, viewer: Viewer | null): Promise<Binding> {
  const tenant = await core.tenants.get(tenantId);
  const bases = tenant.domains.map(baseDnOf);
  return {
    tenantId,
    base: bases[0] as string,
    bases: new Set(bases.map(normalizeDn)),
    name: tenant.name,
    authzId,
    viewer,
  };
}

/** A simple bind, checked through the core; throws PARLEY_ERR_INVALID_CREDENTIALS or a throttle error. */
export async function ldapBind(
  core: Services,
  address: string | null,
  name: string,
  password: string,
): Promise<Binding> {
  const account = accountOf(name);
  if (!account) throw new ParleyError('PARLEY_ERR_INVALID_CREDENTIALS');
  const attempt = { protocol: 'ldap' as const, address, account };
  const book = await core.ldapAccounts.login({ ...attempt, secret: password });
  if (book) return bindingOf(core, book.tenantId, `u:${account}`, null);
  const user = await core.auth.password({ ...attempt, password });
  return bindingOf(core, user.tenantId, `u:${user.local}@${user.domain}`, { userId: user.id, role: user.role });
}

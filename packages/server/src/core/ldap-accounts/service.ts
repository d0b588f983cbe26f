import { hashSecret, secretMatches } from '../auth/generated-secrets.js';
import type { Attempt, AuthService } from '../auth/service.js';
import type { CoreContext } from '../context.js';
import { generateDeviceSecret } from '../devices/service.js';
import { conflict, notFound } from '../errors.js';
import { splitAddress } from '../users/model.js';
import type { UserService } from '../users/service.js';

/** The name of every tenant's phone-book account: it binds as `phonebook@DOMAIN` or `cn=phonebook,dc=…`. */
export const PHONEBOOK = 'phonebook';

/** A tenant's LDAP phone-book account (never its secret). */
export interface LdapAccount {
  tenantId: string;
  /** `phonebook@example.test` */
  address: string;
  /** `cn=phonebook,dc=example,dc=test` */
  bindDn: string;
  /** The search base: `dc=example,dc=test` */
  baseDn: string;
  createdAt: number;
}

/** The base DN of a domain: `example.test` → `dc=example,dc=test`. */
export const baseDnOf = (domain: string) =>
  domain
    .split('.')
    .map((label) => `dc=${label}`)
    .join(',');

/**
 * The LDAP phone-book account of each tenant (`core.ldapAccounts`): what a tenant admin gives desk
 * phones to search the directory with, instead of a user's password. Its secret is generated,
 * shown once and kept as its hash; binds go through the one login throttle (DESIGN §9).
 */
export class LdapAccountService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly users: UserService,
    private readonly auth: AuthService,
  ) {}

  /**
   * Sets the tenant's account with a new secret (the old one stops working); the secret is
   * returned only here.
   * @example const { account, secret } = await core.ldapAccounts.set(tenantId);
   */
  async set(tenantId: string): Promise<{ account: LdapAccount; secret: string }> {
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant');
    for (const domain of tenant.domains) {
      if (await this.users.find(tenantId, `${PHONEBOOK}@${domain}`)) throw conflict(`${PHONEBOOK} is a user's name`);
    }
    const secret = generateDeviceSecret();
    const createdAt = this.ctx.clock.now();
    await this.ctx.store.repos.ldapAccounts.put(tenantId, hashSecret(secret), createdAt);
    return { account: await this.viewOf(tenantId, createdAt), secret };
  }

  /** The tenant's account, or null when it has none. */
  async get(tenantId: string): Promise<LdapAccount | null> {
    const row = await this.ctx.store.repos.ldapAccounts.get(tenantId);
    return row ? this.viewOf(tenantId, row.createdAt) : null;
  }

  async remove(tenantId: string): Promise<void> {
    if (!(await this.ctx.store.repos.ldapAccounts.remove(tenantId))) throw notFound('LDAP phone-book account');
  }

  /**
   * Binds as a tenant's phone-book account: undefined when `account` names none (then it may be a
   * user's address); a wrong secret counts against the login throttle and throws.
   */
  async login(attempt: Attempt & { account: string; secret: string }): Promise<LdapAccount | undefined> {
    const { local, domain } = splitAddress(attempt.account);
    if (local !== PHONEBOOK) return undefined;
    const tenant = await this.ctx.store.repos.tenants.byDomain(domain.toLowerCase());
    if (!tenant || !(await this.ctx.store.repos.ldapAccounts.get(tenant.id))) return undefined;
    return this.auth.secret(attempt, async () => {
      const row = await this.ctx.store.repos.ldapAccounts.get(tenant.id);
      return row && secretMatches(attempt.secret, row.secretHash) ? this.viewOf(tenant.id, row.createdAt) : undefined;
    });
  }

  private async viewOf(tenantId: string, createdAt: number): Promise<LdapAccount> {
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    const domain = tenant?.domains[0] ?? '';
    const baseDn = baseDnOf(domain);
    return { tenantId, address: `${PHONEBOOK}@${domain}`, bindDn: `cn=${PHONEBOOK},${baseDn}`, baseDn, createdAt };
  }
}

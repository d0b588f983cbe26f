import { randomUUID } from 'node:crypto';
import { hashSecret, secretMatches } from '../auth/generated-secrets.js';
import type { Attempt, AuthService } from '../auth/service.js';
import type { CoreContext } from '../context.js';
import { generateDeviceSecret } from '../devices/service.js';
import { conflict, invalid, notFound } from '../errors.js';
import { splitAddress } from '../users/model.js';
import type { UserService } from '../users/service.js';
import { CTI_APP_NAME, type CtiApp } from './model.js';

/**
 * CSTA application accounts (`core.ctiApps`): a tenant admin lets a CTI application in with
 * tenant-wide call control. Each gets a generated secret, shown once and kept only as its hash;
 * sign-ins go through the one login throttle of every protocol (DESIGN §9).
 */
export class CtiAppService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly users: UserService,
    private readonly auth: AuthService,
  ) {}

  /**
   * Adds an account; the secret is returned only here. A name a user of the tenant has is refused,
   * so `name@domain` always names one account.
   * @example const { app, secret } = await core.ctiApps.create(tenantId, 'crm');
   */
  async create(tenantId: string, name: string): Promise<{ app: CtiApp; secret: string }> {
    if (!CTI_APP_NAME.test(name)) throw invalid('name', 'lower-case letters, digits, ".", "_" or "-", at most 64');
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant');
    for (const domain of tenant.domains) {
      if (await this.users.find(tenantId, `${name}@${domain}`)) throw conflict(`${name} is a user's name`);
    }
    if (await this.ctx.store.repos.ctiApps.byName(tenantId, name)) throw conflict(`application ${name} exists`);
    const app: CtiApp = { id: randomUUID(), tenantId, name, createdAt: this.ctx.clock.now() };
    const secret = generateDeviceSecret();
    await this.ctx.store.repos.ctiApps.insert(app, hashSecret(secret));
    return { app, secret };
  }

  list(tenantId: string): Promise<CtiApp[]> {
    return this.ctx.store.repos.ctiApps.list(tenantId);
  }

  async remove(tenantId: string, name: string): Promise<void> {
    if (!(await this.ctx.store.repos.ctiApps.remove(tenantId, name))) throw notFound(`application ${name}`);
  }

  /** The account `name@domain` names, if there is one (nothing about its secret). */
  async find(account: string): Promise<CtiApp | undefined> {
    const { local, domain } = splitAddress(account);
    const tenant = await this.ctx.store.repos.tenants.byDomain(domain.toLowerCase());
    return tenant && (await this.ctx.store.repos.ctiApps.byName(tenant.id, local))?.app;
  }

  /** Signs an application in; a wrong secret counts against the login throttle like a wrong password. */
  login(attempt: Attempt & { account: string; secret: string }): Promise<CtiApp> {
    return this.auth.secret(attempt, async () => {
      const { local, domain } = splitAddress(attempt.account);
      const tenant = await this.ctx.store.repos.tenants.byDomain(domain.toLowerCase());
      const found = tenant && (await this.ctx.store.repos.ctiApps.byName(tenant.id, local));
      if (!found) return undefined;
      return secretMatches(attempt.secret, found.secretHash) ? found.app : undefined;
    });
  }
}

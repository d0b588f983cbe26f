import type { Services } from '../../../compose.js';
import { notFound } from '../../../core/errors.js';
import type { Principal } from '../../../core/sessions/service.js';
import type { Tenant } from '../../../core/tenants/model.js';
import { federationDomainView, federationTrustView } from '../../views/federation.js';
import type { FederationChecker } from '../../xmpp/federation/checker.js';
import type { Handlers } from '../types.js';

type FederationRoute =
  | 'admin.federation.get'
  | 'admin.federation.default.set'
  | 'admin.federation.domain.get'
  | 'admin.federation.domain.set'
  | 'admin.federation.domain.delete'
  | 'admin.federation.check';

/**
 * Federation trust of the caller's tenant, or of the tenant a system admin names (`?tenant=`); a
 * tenant admin naming another tenant is told it does not exist.
 */
export const federationHandlers = (core: Services, check: FederationChecker): Handlers<FederationRoute> => {
  const tenantOf = async ({ user }: Principal, domain?: string): Promise<Tenant> => {
    if (domain === undefined) return core.tenants.get(user.tenantId);
    const tenant = await core.tenants.byDomain(domain);
    if (tenant.id !== user.tenantId && user.role !== 'system-admin') throw notFound(`domain ${domain}`);
    return tenant;
  };
  const trustOf = async (tenant: Tenant) =>
    federationTrustView(await core.federation.trust(tenant.id), tenant.domains[0] ?? '');
  return {
    'admin.federation.get': async ({ principal, query }) => trustOf(await tenantOf(principal, query.tenant)),
    'admin.federation.default.set': async ({ principal, query, body }) => {
      const tenant = await tenantOf(principal, query.tenant);
      await core.federation.setDefault(tenant.id, body.level);
      return trustOf(tenant);
    },
    'admin.federation.domain.get': async ({ principal, query, params }) =>
      federationDomainView(await core.federation.domain((await tenantOf(principal, query.tenant)).id, params.domain)),
    'admin.federation.domain.set': async ({ principal, query, params, body }) =>
      federationDomainView(
        await core.federation.setDomain((await tenantOf(principal, query.tenant)).id, params.domain, body.level),
      ),
    'admin.federation.domain.delete': async ({ principal, query, params }) => {
      await core.federation.removeDomain((await tenantOf(principal, query.tenant)).id, params.domain);
      return undefined;
    },
    // Our stream says it comes from the caller's tenant, as a real connection for it would.
    'admin.federation.check': async ({ principal, body }) => check(body.domain, (await tenantOf(principal)).domains[0]),
  };
};

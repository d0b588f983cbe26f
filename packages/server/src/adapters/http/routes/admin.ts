import type { Services } from '../../../compose.js';
import { conflict } from '../../../core/errors.js';
import { tenantView } from '../../views/tenants.js';
import { userView } from '../../views/users.js';
import type { Handlers } from '../types.js';

/** User management, always inside the caller's own tenant. */
export const adminUserHandlers = (
  core: Services,
): Handlers<
  | 'admin.users.list'
  | 'admin.users.create'
  | 'admin.users.get'
  | 'admin.users.update'
  | 'admin.users.delete'
  | 'admin.users.password'
> => ({
  'admin.users.list': async ({ principal, query }) => ({
    users: (await core.users.list(principal.user.tenantId, query)).map(userView),
  }),
  'admin.users.create': async ({ principal, body }) => {
    const { user, password } = await core.users.create(principal.user.tenantId, body, principal.user);
    return { user: userView(user), ...(password !== undefined && { password }) };
  },
  'admin.users.get': async ({ principal, params }) =>
    userView(await core.users.get(principal.user.tenantId, params.id)),
  'admin.users.update': async ({ principal, params, body }) =>
    userView(
      await core.users.update(principal.user.tenantId, params.id, body, {
        role: principal.user.role,
        userId: principal.user.id,
      }),
    ),
  'admin.users.delete': async ({ principal, params }) => {
    await core.users.remove(principal.user.tenantId, params.id, {
      role: principal.user.role,
      userId: principal.user.id,
    });
    return undefined;
  },
  'admin.users.password': async ({ principal, params, body }) => {
    const password = await core.users.setPassword(principal.user.tenantId, params.id, body.password, {
      actor: principal.user,
    });
    const user = userView(await core.users.get(principal.user.tenantId, params.id));
    return { user, ...(password !== undefined && { password }) };
  },
});

/** Tenants and domains, for system administrators. */
export const adminTenantHandlers = (
  core: Services,
): Handlers<
  | 'admin.tenants.list'
  | 'admin.tenants.create'
  | 'admin.tenants.get'
  | 'admin.tenants.update'
  | 'admin.tenants.delete'
  | 'admin.tenants.domains.add'
  | 'admin.tenants.domains.remove'
> => ({
  'admin.tenants.list': async ({ query }) => ({ tenants: (await core.tenants.list(query)).map(tenantView) }),
  'admin.tenants.create': async ({ body }) => tenantView(await core.tenants.create(body)),
  'admin.tenants.get': async ({ params }) => tenantView(await core.tenants.get(params.id)),
  'admin.tenants.update': async ({ params, body }) => tenantView(await core.tenants.update(params.id, body)),
  'admin.tenants.delete': async ({ params, principal }) => {
    if (params.id === principal.user.tenantId) {
      throw conflict('you cannot remove your own tenant');
    }
    await core.tenants.remove(params.id);
    return undefined;
  },
  'admin.tenants.domains.add': async ({ params, body }) =>
    tenantView(await core.tenants.addDomain(params.id, body.domain)),
  'admin.tenants.domains.remove': async ({ params }) =>
    tenantView(await core.tenants.removeDomain(params.id, params.domain)),
});

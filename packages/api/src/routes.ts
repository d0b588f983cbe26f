import type { z } from 'zod';
import * as s from './schemas.js';

/** Who may call a route: anyone, any signed-in user, or admins of the caller's tenant / the system. */
export type Access = 'public' | 'user' | 'tenant-admin' | 'system-admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: `/${string}`;
  summary: string;
  access: Access;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Success status; 204 routes have no response body. */
  status: 200 | 201 | 204;
  response?: z.ZodType;
}

const define = <const R extends Record<string, RouteSpec>>(routes: R): R => routes;

/**
 * The HTTP API, once: the server registers a handler per entry, the OpenAPI document and the typed
 * client are derived from the same entries.
 */
export const routes = define({
  'auth.login': {
    method: 'POST',
    path: '/api/v1/auth/login',
    summary: 'Sign in with address and password; returns a bearer token',
    access: 'public',
    body: s.LoginRequest,
    status: 200,
    response: s.LoginResponse,
  },
  'auth.logout': {
    method: 'POST',
    path: '/api/v1/auth/logout',
    summary: 'Revoke the session of the presented token',
    access: 'user',
    status: 204,
  },
  'auth.ticket': {
    method: 'POST',
    path: '/api/v1/auth/ticket',
    summary: 'A one-time ticket (valid 30 s) to open the event WebSocket from a browser',
    access: 'user',
    status: 200,
    response: s.TicketResponse,
  },
  'me.get': {
    method: 'GET',
    path: '/api/v1/me',
    summary: 'The signed-in user',
    access: 'user',
    status: 200,
    response: s.User,
  },
  'me.update': {
    method: 'PATCH',
    path: '/api/v1/me',
    summary: 'Change your display name or e-mail',
    access: 'user',
    body: s.UpdateMeRequest,
    status: 200,
    response: s.User,
  },
  'me.password': {
    method: 'PUT',
    path: '/api/v1/me/password',
    summary: 'Change your password; other sessions are revoked',
    access: 'user',
    body: s.ChangePasswordRequest,
    status: 204,
  },
  'me.sessions': {
    method: 'GET',
    path: '/api/v1/me/sessions',
    summary: 'Your active sessions',
    access: 'user',
    status: 200,
    response: s.SessionList,
  },
  'me.sessions.revoke': {
    method: 'DELETE',
    path: '/api/v1/me/sessions/:id',
    summary: 'Revoke one of your sessions',
    access: 'user',
    params: s.IdParams,
    status: 204,
  },
  'admin.users.list': {
    method: 'GET',
    path: '/api/v1/admin/users',
    summary: "Users of the caller's tenant",
    access: 'tenant-admin',
    query: s.ListQuery,
    status: 200,
    response: s.UserList,
  },
  'admin.users.create': {
    method: 'POST',
    path: '/api/v1/admin/users',
    summary: "Create a user in the caller's tenant",
    access: 'tenant-admin',
    body: s.CreateUserRequest,
    status: 201,
    response: s.UserWithPassword,
  },
  'admin.users.get': {
    method: 'GET',
    path: '/api/v1/admin/users/:id',
    summary: "One user of the caller's tenant",
    access: 'tenant-admin',
    params: s.IdParams,
    status: 200,
    response: s.User,
  },
  'admin.users.update': {
    method: 'PATCH',
    path: '/api/v1/admin/users/:id',
    summary: 'Change a user; disabling revokes their sessions',
    access: 'tenant-admin',
    params: s.IdParams,
    body: s.UpdateUserRequest,
    status: 200,
    response: s.User,
  },
  'admin.users.delete': {
    method: 'DELETE',
    path: '/api/v1/admin/users/:id',
    summary: 'Remove a user and revoke their sessions',
    access: 'tenant-admin',
    params: s.IdParams,
    status: 204,
  },
  'admin.users.password': {
    method: 'PUT',
    path: '/api/v1/admin/users/:id/password',
    summary: "Set or generate a user's password; their sessions are revoked",
    access: 'tenant-admin',
    params: s.IdParams,
    body: s.SetPasswordRequest,
    status: 200,
    response: s.UserWithPassword,
  },
  'admin.tenants.list': {
    method: 'GET',
    path: '/api/v1/admin/tenants',
    summary: 'All tenants',
    access: 'system-admin',
    query: s.ListQuery,
    status: 200,
    response: s.TenantList,
  },
  'admin.tenants.create': {
    method: 'POST',
    path: '/api/v1/admin/tenants',
    summary: 'Create a tenant with its primary domain and numbering plan',
    access: 'system-admin',
    body: s.CreateTenantRequest,
    status: 201,
    response: s.Tenant,
  },
  'admin.tenants.get': {
    method: 'GET',
    path: '/api/v1/admin/tenants/:id',
    summary: 'One tenant',
    access: 'system-admin',
    params: s.IdParams,
    status: 200,
    response: s.Tenant,
  },
  'admin.tenants.update': {
    method: 'PATCH',
    path: '/api/v1/admin/tenants/:id',
    summary: "Change a tenant's name or numbering plan",
    access: 'system-admin',
    params: s.IdParams,
    body: s.UpdateTenantRequest,
    status: 200,
    response: s.Tenant,
  },
  'admin.tenants.delete': {
    method: 'DELETE',
    path: '/api/v1/admin/tenants/:id',
    summary: 'Remove a tenant with all its users and data',
    access: 'system-admin',
    params: s.IdParams,
    status: 204,
  },
  'admin.tenants.domains.add': {
    method: 'POST',
    path: '/api/v1/admin/tenants/:id/domains',
    summary: 'Add a domain to a tenant',
    access: 'system-admin',
    params: s.IdParams,
    body: s.AddDomainRequest,
    status: 200,
    response: s.Tenant,
  },
  'admin.tenants.domains.remove': {
    method: 'DELETE',
    path: '/api/v1/admin/tenants/:id/domains/:domain',
    summary: 'Remove a secondary domain (one without users) from a tenant',
    access: 'system-admin',
    params: s.TenantDomainParams,
    status: 200,
    response: s.Tenant,
  },
});

export type Routes = typeof routes;
export type RouteName = keyof Routes;

type Infer<T> = T extends z.ZodType ? z.input<T> : undefined;
type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
/** What a client sends for a route (before server-side parsing). */
export type RouteInput<N extends RouteName> = {
  [K in 'params' | 'query' | 'body' as Routes[N] extends Record<K, z.ZodType> ? K : never]: Infer<
    Routes[N][K & keyof Routes[N]]
  >;
};
/** What the server handler receives for a route (after parsing). */
export type RouteRequest<N extends RouteName> = {
  [K in 'params' | 'query' | 'body']: Routes[N] extends Record<K, z.ZodType> ? Out<Routes[N][K]> : undefined;
};
/** What a route returns on success. */
export type RouteOutput<N extends RouteName> = Routes[N] extends { response: z.ZodType }
  ? z.output<Routes[N]['response']>
  : undefined;

import type { z } from 'zod';

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
  status: 200 | 201 | 202 | 204;
  response?: z.ZodType;
}

/** Keeps each entry's literal types while checking it is a RouteSpec. */
export const defineRoutes = <const R extends Record<string, RouteSpec>>(routes: R): R => routes;

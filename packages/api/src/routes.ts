import type { z } from 'zod';
import { calendarRoutes } from './routes/calendar.js';
import { callBackRoutes } from './routes/callbacks.js';
import { callRoutes } from './routes/calls.js';
import { clusterRoutes } from './routes/cluster.js';
import { contactRoutes } from './routes/contacts.js';
import { deviceRoutes } from './routes/devices.js';
import { directoryRoutes } from './routes/directory.js';
import { federationRoutes } from './routes/federation.js';
import { forwardingRoutes } from './routes/forwarding.js';
import { identityRoutes } from './routes/identity.js';
import { journalRoutes } from './routes/journal.js';
import { lineRoutes } from './routes/lines.js';
import { messagingRoutes } from './routes/messaging.js';
import { presenceRoutes } from './routes/presence.js';
import { trunkRoutes } from './routes/trunks.js';

export type { Access, RouteSpec } from './routes/spec.js';
export { defineRoutes } from './routes/spec.js';

/**
 * The HTTP API, once: the server registers a handler per entry, the OpenAPI document and the typed
 * client are derived from the same entries. Each capability keeps its routes in `routes/NAME.ts`.
 */
export const routes = {
  ...identityRoutes,
  ...contactRoutes,
  ...deviceRoutes,
  ...lineRoutes,
  ...trunkRoutes,
  ...federationRoutes,
  ...messagingRoutes,
  ...calendarRoutes,
  ...presenceRoutes,
  ...clusterRoutes,
  ...directoryRoutes,
  ...callRoutes,
  ...callBackRoutes,
  ...journalRoutes,
  ...forwardingRoutes,
};

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

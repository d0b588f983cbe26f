import type { RouteName, RouteOutput, RouteRequest, Routes } from '@parley/api';
import type { Principal } from '../../core/sessions/service.js';

export interface HandlerContext<N extends RouteName> extends RouteRequest<N> {
  /** The signed-in caller; absent only on public routes. */
  principal: Routes[N]['access'] extends 'public' ? undefined : Principal;
  /** `language`: the Accept-Language header, for texts rendered per caller. */
  client: { address: string | null; userAgent: string | null; language: string | null };
  /** The browser session cookie: `start` sets it (returns the CSRF token), `end` clears it. */
  cookies: { start(token: string, expiresAt: number): string; end(): void };
}

export type Handler<N extends RouteName> = (ctx: HandlerContext<N>) => Promise<RouteOutput<N>>;

/** A handler for each route in a group; every route of `@parley/api` has exactly one. */
export type Handlers<N extends RouteName> = { [K in N]: Handler<K> };

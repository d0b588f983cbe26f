import type { ErrorBody } from './errors.js';
import { type RouteInput, type RouteName, type RouteOutput, type RouteSpec, routes } from './routes.js';

/** An error answer of the API, with its stable code. */
export class ParleyApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ParleyApiError';
  }
}

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:8080` */
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

/**
 * A typed client for the Parley HTTP API.
 * @example
 * const api = createClient({ baseUrl: 'http://127.0.0.1:8080' });
 * const { token } = await api.request('auth.login', { body: { user: 'alice@example.test', password } });
 * const me = await api.withToken(token).request('me.get', {});
 */
export function createClient(options: ClientOptions) {
  const doFetch = options.fetch ?? fetch;
  return {
    token: options.token,
    withToken: (token: string) => createClient({ ...options, token }),
    async request<N extends RouteName>(name: N, input: RouteInput<N>): Promise<RouteOutput<N>> {
      const spec: RouteSpec = routes[name];
      const parts = input as { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown };
      const path = spec.path.replace(/:([A-Za-z]+)/g, (_, key: string) =>
        encodeURIComponent(String(parts.params?.[key] ?? '')),
      );
      const url = new URL(path, options.baseUrl);
      for (const [key, value] of Object.entries(parts.query ?? {})) {
        if (value !== undefined) url.searchParams.set(key, String(value));
      }
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (parts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await doFetch(url, {
        method: spec.method,
        headers,
        body: parts.body === undefined ? undefined : JSON.stringify(parts.body),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => undefined)) as ErrorBody | undefined;
        throw new ParleyApiError(
          res.status,
          body?.error.code ?? 'PARLEY_ERR_INTERNAL',
          body?.error.message ?? res.statusText,
          body?.error.details,
        );
      }
      return (res.status === 204 ? undefined : await res.json()) as RouteOutput<N>;
    },
  };
}
export type ParleyClient = ReturnType<typeof createClient>;

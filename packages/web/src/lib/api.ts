import { createClient, ParleyApiError, type ParleyClient } from '@parley/api';

export type { ParleyClient };

interface ClientSetup {
  /** Sent as Accept-Language: the server renders presence texts in it. */
  language: () => string;
  /** A request was refused with 401: the session is gone. */
  onUnauthorized?: () => void;
  /** Sees every response (e.g. to read Retry-After, which the typed client does not pass on). */
  onResponse?: (res: Response) => void;
}

/**
 * The session's CSRF token, from the `parley_csrf` cookie the server set at sign-in (the session
 * itself is in an HttpOnly cookie no script can read).
 */
export function csrfToken(): string {
  for (const part of document.cookie.split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === 'parley_csrf') return value ?? '';
  }
  return '';
}

/** The CSRF header every request but GET and HEAD carries. */
export const csrfHeaders = (): Record<string, string> => ({ 'x-csrf-token': csrfToken() });

/** The error code of a refused request, read from a copy of its answer (the client reads the answer itself). */
async function errorCodeOf(res: Response): Promise<string | undefined> {
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
  return typeof body?.error?.code === 'string' ? body.error.code : undefined;
}

/** The typed API client of `@parley/api` on this page's origin, signed in by the session cookie. */
export function apiClient(setup: ClientSetup): ParleyClient {
  const wrapped: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('accept-language', setup.language());
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') for (const [k, v] of Object.entries(csrfHeaders())) headers.set(k, v);
    const res = await fetch(input, { ...init, headers, credentials: 'same-origin' });
    setup.onResponse?.(res);
    // A wrong password (changing one's own: PARLEY_ERR_INVALID_CREDENTIALS) is a 401 too, but the session lives on.
    if (res.status === 401 && (await errorCodeOf(res)) !== 'PARLEY_ERR_INVALID_CREDENTIALS') setup.onUnauthorized?.();
    return res;
  };
  return createClient({ baseUrl: window.location.origin, fetch: wrapped });
}

/** The API's stable error code of a failure, or `network` when the server could not be reached. */
export function errorCode(err: unknown): string {
  if (err instanceof ParleyApiError) return err.code;
  return 'network';
}

export { ParleyApiError };

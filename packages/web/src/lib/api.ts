import { createClient, ParleyApiError, type ParleyClient } from '@parley/api';

export type { ParleyClient };

interface ClientSetup {
  token?: string;
  /** Sent as Accept-Language: the server renders presence texts in it. */
  language: () => string;
  /** A signed-in request was refused with 401: the session is gone. */
  onUnauthorized?: () => void;
  /** Sees every response (e.g. to read Retry-After, which the typed client does not pass on). */
  onResponse?: (res: Response) => void;
}

/** The typed API client of `@parley/api` on this page's origin. */
export function apiClient(setup: ClientSetup): ParleyClient {
  const wrapped: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('accept-language', setup.language());
    const res = await fetch(input, { ...init, headers });
    setup.onResponse?.(res);
    if (res.status === 401 && setup.token) setup.onUnauthorized?.();
    return res;
  };
  return createClient({ baseUrl: window.location.origin, token: setup.token, fetch: wrapped });
}

/** The API's stable error code of a failure, or `network` when the server could not be reached. */
export function errorCode(err: unknown): string {
  if (err instanceof ParleyApiError) return err.code;
  return 'network';
}

export { ParleyApiError };

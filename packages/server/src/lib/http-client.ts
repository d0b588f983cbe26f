// Bounded HTTP for calendar and directory sources: a timeout, a body size cap, redirects that do
// not carry credentials to another origin, and errors a user can act on.

export class HttpFetchError extends Error {
  override name = 'HttpFetchError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** No (complete) answer within the time limit. */
export class HttpTimeoutError extends HttpFetchError {
  override name = 'HttpTimeoutError';
}

export interface HttpLimits {
  timeoutMs: number;
  maxBytes: number;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: string;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Ends the request (and the body still coming) early; its reason is what the call rejects with. */
  signal?: AbortSignal;
}

/** Redirects followed before giving up. */
export const MAX_REDIRECTS = 5;
/** Headers kept when a redirect leads to another origin; credentials (any other header) are not. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'user-agent']);

/** Reads at most `maxBytes` of the body, failing beyond. */
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 'NaN');
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new HttpFetchError(`response exceeds ${maxBytes} bytes`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new HttpFetchError(`response exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One request within `limits`. Redirects are followed by hand (at most MAX_REDIRECTS): to the same
 * origin with every header, to another origin only with CROSS_ORIGIN_HEADERS, so an API key or a
 * password never reaches a host it was not meant for (fetch itself would send custom headers on).
 * 303, and 301/302 after a POST, continue as a GET without body, as browsers do.
 */
export async function httpRequest(url: string, req: HttpRequest, limits: HttpLimits): Promise<HttpResult> {
  let target = parseUrl(url);
  const origin = target.origin;
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  let { method = 'GET', body = null } = req;
  let headers = req.headers ?? {};
  for (let hops = 0; ; hops++) {
    let res: Response;
    try {
      res = await fetch(target, { method, headers, body, redirect: 'manual', signal });
    } catch (err) {
      throw fetchError(err, target, limits, req.signal);
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || res.status === 304 || location === null) {
      try {
        return { status: res.status, headers: res.headers, body: await readCapped(res, limits.maxBytes) };
      } catch (err) {
        throw err instanceof HttpFetchError ? err : fetchError(err, target, limits, req.signal);
      }
    }
    await res.body?.cancel();
    if (hops === MAX_REDIRECTS) throw new HttpFetchError(`more than ${MAX_REDIRECTS} redirects from ${url}`);
    const next = parseUrl(new URL(location, target).href);
    if (next.origin !== origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => CROSS_ORIGIN_HEADERS.has(k.toLowerCase())));
    }
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = null;
    }
    target = next;
  }
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HttpFetchError(`invalid URL ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HttpFetchError(`unsupported URL scheme ${parsed.protocol}`);
  }
  return parsed;
}

function fetchError(err: unknown, target: URL, limits: HttpLimits, caller: AbortSignal | undefined): unknown {
  if (caller?.aborted) return caller.reason;
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError')
    return new HttpTimeoutError(`no answer from ${target.host} within ${limits.timeoutMs} ms`);
  return new HttpFetchError(`cannot reach ${target.host}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
}

export const basicAuth = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;

/** A status error with the text users know (401 → wrong user name or password). */
export function statusError(status: number, what: string): HttpFetchError {
  const hint =
    status === 401
      ? 'authentication failed (wrong user name or password)'
      : status === 403
        ? 'access denied'
        : status === 404
          ? 'not found'
          : `HTTP ${status}`;
  return new HttpFetchError(`${what}: ${hint}`, status);
}

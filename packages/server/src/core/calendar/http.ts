// Bounded HTTP for calendar sources: a timeout, a body size cap, and errors a user can act on.

export class CalendarFetchError extends Error {
  override name = 'CalendarFetchError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
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
}

/** Reads at most `maxBytes` of the body, failing beyond. */
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 'NaN');
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new CalendarFetchError(`response exceeds ${maxBytes} bytes`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new CalendarFetchError(`response exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function httpRequest(url: string, req: HttpRequest, limits: HttpLimits): Promise<HttpResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CalendarFetchError(`invalid URL ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CalendarFetchError(`unsupported URL scheme ${parsed.protocol}`);
  }
  let res: Response;
  try {
    res = await fetch(parsed, {
      method: req.method ?? 'GET',
      headers: req.headers ?? {},
      body: req.body ?? null,
      redirect: 'follow',
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError')
      throw new CalendarFetchError(`no answer from ${parsed.host} within ${limits.timeoutMs} ms`);
    throw new CalendarFetchError(`cannot reach ${parsed.host}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  const body = await readCapped(res, limits.maxBytes);
  return { status: res.status, headers: res.headers, body };
}

export const basicAuth = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;

/** A status error with the text users know (401 → wrong user name or password). */
export function statusError(status: number, what: string): CalendarFetchError {
  const hint =
    status === 401
      ? 'authentication failed (wrong user name or password)'
      : status === 403
        ? 'access denied'
        : status === 404
          ? 'not found'
          : `HTTP ${status}`;
  return new CalendarFetchError(`${what}: ${hint}`, status);
}

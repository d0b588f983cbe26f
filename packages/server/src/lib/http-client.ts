// Bounded HTTP for calendar and directory sources: the outbound policy on every hop, a timeout, a
// body size cap, redirects that do not carry credentials to another origin, and errors a user can
// act on that never quote what the target answered.
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { type OutboundPolicy, OutboundRefusedError, pinnedLookup } from '../platform/outbound.js';
import { unlessAborted } from './within.js';

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
  /** Which addresses the request and each redirect may reach. */
  outbound: OutboundPolicy;
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

/** Kept-alive connections per policy: a socket opened under one policy is never reused under another. */
const pools = new WeakMap<OutboundPolicy, { http: http.Agent; https: https.Agent }>();

function agentFor(policy: OutboundPolicy, secure: boolean): http.Agent {
  let pool = pools.get(policy);
  if (!pool) {
    pool = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    pools.set(policy, pool);
  }
  return secure ? pool.https : pool.http;
}

/** The body as sent (gzip, deflate and br undone); truncated compressed data ends it rather than fails. */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const flush = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip(flush)
      : encoding === 'deflate'
        ? createInflate(flush)
        : encoding === 'br'
          ? createBrotliDecompress({
              flush: constants.BROTLI_OPERATION_FLUSH,
              finishFlush: constants.BROTLI_OPERATION_FLUSH,
            })
          : null;
  if (encoding !== '' && encoding !== 'identity' && !decoder) {
    res.destroy();
    throw new HttpFetchError(`unsupported content encoding ${encoding}`);
  }
  return decoder ? pipeline(res, decoder, () => undefined) : res;
}

/** Reads at most `maxBytes` of the (decoded) body, failing beyond. */
async function readCapped(res: http.IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(res.headers['content-length'] ?? 'NaN');
  if (declared > maxBytes) {
    res.destroy();
    throw new HttpFetchError(`response exceeds ${maxBytes} bytes`);
  }
  const body = decoded(res);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      body.destroy();
      res.destroy();
      throw new HttpFetchError(`response exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const toHeaders = (res: http.IncomingMessage) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
  }
  return headers;
};

/**
 * One hop: the host is resolved and checked by the outbound policy, and the connection goes to
 * the checked addresses (TLS still verifies the certificate for the host name).
 */
async function send(
  target: URL,
  init: { method: string; headers: Record<string, string>; body: string | null },
  limits: HttpLimits,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const addresses = await unlessAborted(limits.outbound.resolve(target.hostname), signal);
  const secure = target.protocol === 'https:';
  const headers: Record<string, string> = {
    'accept-encoding': 'gzip, deflate, br',
    'user-agent': 'Parley',
    ...init.headers,
  };
  if (init.body !== null) headers['content-length'] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      target,
      {
        method: init.method,
        headers,
        agent: agentFor(limits.outbound, secure),
        lookup: pinnedLookup(addresses),
        signal,
      },
      resolve,
    );
    req.on('error', reject);
    req.end(init.body ?? undefined);
  });
}

/**
 * One request within `limits`. Every hop goes through the outbound policy. Redirects are followed
 * by hand (at most MAX_REDIRECTS): to the same origin with every header, to another origin only
 * with CROSS_ORIGIN_HEADERS, so an API key or a password never reaches a host it was not meant for.
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
    let res: http.IncomingMessage;
    try {
      res = await send(target, { method, headers, body }, limits, signal);
    } catch (err) {
      throw fetchError(err, target, limits, timeout, req.signal);
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status < 300 || status > 399 || status === 304 || location === undefined) {
      try {
        const text =
          status === 204 || status === 304 || method === 'HEAD' ? '' : await readCapped(res, limits.maxBytes);
        return { status, headers: toHeaders(res), body: text };
      } catch (err) {
        throw err instanceof HttpFetchError ? err : fetchError(err, target, limits, timeout, req.signal);
      } finally {
        res.resume();
      }
    }
    // A redirect's body is not read: the connection goes, rather than wait for a body that never ends.
    res.destroy();
    if (hops === MAX_REDIRECTS) throw new HttpFetchError(`more than ${MAX_REDIRECTS} redirects from ${url}`);
    const next = parseUrl(new URL(location, target).href);
    if (next.origin !== origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => CROSS_ORIGIN_HEADERS.has(k.toLowerCase())));
    }
    if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
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

function fetchError(
  err: unknown,
  target: URL,
  limits: HttpLimits,
  timeout: AbortSignal,
  caller: AbortSignal | undefined,
): unknown {
  if (caller?.aborted) return caller.reason;
  if (timeout.aborted) return new HttpTimeoutError(`no answer from ${target.host} within ${limits.timeoutMs} ms`);
  // The policy's own words: what was refused, and how a system admin allows it.
  if (err instanceof OutboundRefusedError) return new HttpFetchError(err.message);
  const e = err as NodeJS.ErrnoException;
  return new HttpFetchError(`cannot reach ${target.host}: ${e.code ?? e.message}`);
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

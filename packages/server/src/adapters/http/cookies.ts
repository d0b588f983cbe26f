import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../../core/errors.js';
import type { Config } from '../../platform/config/schema.js';
import type { MountedRequest } from '../adapter.js';

/** The browser session: the token, HttpOnly, so a script in the page can never read it. */
export const SESSION_COOKIE = 'parley_session';
/** The CSRF token, readable by the app's own scripts (double submit), checked against the session. */
export const CSRF_COOKIE = 'parley_csrf';
export const CSRF_HEADER = 'x-csrf-token';

type CookieSecure = Config['http']['cookieSecure'];

/** The token of an `Authorization: Bearer …` header (API clients; the web app uses the cookie). */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/** The value of one cookie of the request's Cookie header. */
export function readCookie(req: Pick<MountedRequest, 'headers'>, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The CSRF token of a session: derived from its secret token, so it is bound to the session and
 * nothing more is stored; a different hash domain than the stored token hash.
 */
export const csrfTokenOf = (sessionToken: string): string =>
  createHash('sha256').update(`parley-csrf\0${sessionToken}`).digest('base64url');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses a state-changing request by cookie without the session's CSRF token in `X-CSRF-Token` (403). */
export function checkCsrf(req: { method?: string; headers: IncomingHttpHeaders }, sessionToken: string): void {
  if (req.method !== undefined && SAFE_METHODS.has(req.method)) return;
  const sent = req.headers[CSRF_HEADER];
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ParleyError('PARLEY_ERR_FORBIDDEN', `Send the session's CSRF token in the ${CSRF_HEADER} header`);
  }
}

/**
 * Refuses a browser's cross-site WebSocket by cookie (cross-site WebSocket hijacking): its
 * `Origin` must be this server's own (scheme aside, which a TLS-terminating proxy may change).
 */
export function checkOrigin(req: Pick<MountedRequest, 'headers' | 'host'>): void {
  const origin = req.headers.origin;
  let host: string | undefined;
  try {
    host = origin ? new URL(origin).host : undefined;
  } catch {
    host = undefined;
  }
  if (!host || host !== req.host) {
    throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'The event socket accepts a session cookie only from its own origin');
  }
}

const loopbackName = (hostname: string) =>
  hostname === 'localhost' ||
  hostname.endsWith('.localhost') ||
  (isIP(hostname) === 4 && hostname.startsWith('127.')) ||
  hostname === '[::1]' ||
  hostname === '::1';

/**
 * Whether cookies get `Secure`: `auto` sets it over HTTPS and on loopback names (which browsers
 * treat as secure even over plain HTTP), and leaves it off for plain HTTP on any other name,
 * where a browser would drop a Secure cookie.
 */
function secure(req: FastifyRequest, mode: CookieSecure): boolean {
  if (mode !== 'auto') return mode === 'always';
  return req.protocol === 'https' || loopbackName(req.hostname);
}

function cookie(name: string, value: string, attrs: { httpOnly: boolean; secure: boolean; maxAge: number }): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${attrs.maxAge}`,
    'SameSite=Strict',
    ...(attrs.httpOnly ? ['HttpOnly'] : []),
    ...(attrs.secure ? ['Secure'] : []),
  ].join('; ');
}

/** Sets the session and CSRF cookies until the session expires; returns the CSRF token. */
export function setSessionCookies(
  req: FastifyRequest,
  reply: FastifyReply,
  mode: CookieSecure,
  token: string,
  expiresAt: number,
  now: number,
): string {
  const csrf = csrfTokenOf(token);
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  const s = secure(req, mode);
  void reply.header('set-cookie', [
    cookie(SESSION_COOKIE, token, { httpOnly: true, secure: s, maxAge }),
    cookie(CSRF_COOKIE, csrf, { httpOnly: false, secure: s, maxAge }),
  ]);
  return csrf;
}

/** Removes both cookies (sign-out, or a session that is gone). */
export function clearSessionCookies(req: FastifyRequest, reply: FastifyReply, mode: CookieSecure): void {
  const s = secure(req, mode);
  void reply.header('set-cookie', [
    cookie(SESSION_COOKIE, '', { httpOnly: true, secure: s, maxAge: 0 }),
    cookie(CSRF_COOKIE, '', { httpOnly: false, secure: s, maxAge: 0 }),
  ]);
}

import type { IncomingHttpHeaders } from 'node:http';
import { type ErrorCode, errorMessages, errorStatus, type RouteSpec } from '@parley/api';
import type { z } from 'zod';
import type { Services } from '../../compose.js';
import { ParleyError } from '../../core/errors.js';
import type { Principal } from '../../core/sessions/service.js';
import { bearerToken, checkCsrf, readCookie, SESSION_COOKIE } from './cookies.js';

/** Parses one part of a request (`params`, `query`, `body`) with its zod schema; problems become PARLEY_ERR_VALIDATION with paths. */
export function parsePart(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  // An unknown field is reported at its own path (`body.foo`), one detail per field.
  const details = r.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: [where, ...i.path.map(String), key].join('.'), message: 'unknown field' }))
      : [{ path: [where, ...i.path.map(String)].join('.'), message: i.message }],
  );
  throw new ParleyError('PARLEY_ERR_VALIDATION', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
}

/**
 * Authenticates a request by its bearer token (API clients) or else by the session cookie (the web
 * app), whose state-changing requests must carry the CSRF token; throws PARLEY_ERR_UNAUTHENTICATED.
 */
export async function authenticateRequest(
  core: Services,
  req: { method?: string; headers: IncomingHttpHeaders },
): Promise<Principal> {
  const token = bearerToken(req.headers.authorization);
  if (token) return core.auth.authenticate(token);
  const cookie = readCookie(req, SESSION_COOKIE);
  if (!cookie) throw new ParleyError('PARLEY_ERR_UNAUTHENTICATED');
  // The CSRF token derives from the cookie alone: a forged request is refused before the session
  // is looked up (and before its use would count against the idle timeout).
  checkCsrf(req, cookie);
  return core.auth.authenticate(cookie);
}

/** Refuses callers below the route's access level (403). */
export function authorize(spec: Pick<RouteSpec, 'access'>, p: Principal) {
  const role = p.user.role;
  if (spec.access === 'tenant-admin' && role === 'user')
    throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'administrators only');
  if (spec.access === 'system-admin' && role !== 'system-admin') {
    throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'system administrators only');
  }
}

/** The body of an error answer: `{ error: { code, message, details? } }`. */
export const errorBody = (code: ErrorCode, message?: string, details?: ParleyError['details']) => ({
  error: { code, message: message ?? errorMessages[code], ...(details && { details }) },
});

/**
 * The answer to a known error, for fastify's error handler and the lean lookup alike: its status,
 * Retry-After when it has one, the bearer challenge when a login is missing or wrong, its body.
 */
export function errorAnswer(known: ParleyError) {
  const headers: Record<string, string> = {};
  if (known.retryAfterSeconds) headers['retry-after'] = String(known.retryAfterSeconds);
  if (known.code === 'PARLEY_ERR_UNAUTHENTICATED' || known.code === 'PARLEY_ERR_INVALID_CREDENTIALS') {
    headers['www-authenticate'] = 'Bearer realm="parley"';
  }
  return { status: errorStatus[known.code], headers, body: errorBody(known.code, known.message, known.details) };
}

import type { IncomingMessage, RequestListener } from 'node:http';
import { routes } from '@parley/api';
import type { Services } from '../../compose.js';
import { asParleyError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import { SECURITY_HEADERS } from './headers.js';
import { countRequest } from './metrics.js';
import { authenticateRequest, authorize, errorAnswer, parsePart } from './request.js';
import { directoryLookup } from './routes/directory.js';

const spec = routes['directory.lookup'];
/** The one form the lean route takes: `?number=…` and nothing else. */
const PREFIX = `${spec.path}?number=`;

/** Whether requests are logged one by one (debug or trace): then fastify serves every request. */
export const logsRequests = (log: Pick<Logger, 'level'>) => log.level === 'debug' || log.level === 'trace';

/**
 * The value of `number=VALUE` as fastify's query parser (fast-querystring) reads it: `+` is a
 * space, percent-escapes are decoded, and an escape that is no UTF-8 leaves the value as sent.
 * Undefined for anything else (`&`, a second `=`, a fragment): fastify parses those.
 */
export function numberParam(raw: string): string | undefined {
  if (/[&=#]/.test(raw)) return undefined;
  const spaced = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

export interface LookupRouteDeps {
  core: Services;
  metrics: Metrics;
  log: Pick<Logger, 'level'>;
  /** Once the server closes, fastify answers (503). */
  closing(): boolean;
}

/**
 * `GET /api/v1/directory/lookup?number=…`, the directory's hot route, without fastify's
 * per-request pipeline (request and reply objects, routing, hooks, serializer): a node:http
 * 'request' listener in front of fastify's (`next`). It does what the fastify route does, with
 * the same pieces: the bearer token or session cookie checked by the core (cached), the query
 * checked by the route's zod schema, the lookup in the caller's tenant, the security headers,
 * the request metrics, and a known error answered as fastify's error handler answers it. Every
 * other request goes to `next` untouched, and so does this one when it has a body, another
 * query form, while the server closes, while requests are logged (debug), and when something
 * unexpected fails before the answer (fastify then serves it from the start, logging the error).
 */
export function lookupRoute(deps: LookupRouteDeps, next: RequestListener): RequestListener {
  const lookup = directoryLookup(deps.core);
  return (req, res) => {
    const url = req.url;
    const number =
      req.method === 'GET' && url?.startsWith(PREFIX) && !hasBody(req) && !deps.closing() && !logsRequests(deps.log)
        ? numberParam(url.slice(PREFIX.length))
        : undefined;
    if (number === undefined) {
      next(req, res);
      return;
    }
    const started = performance.now();
    /** A JSON answer as fastify sends one: the security headers, the content type and length; counted once sent. */
    const send = (status: number, headers: Record<string, string>, body: unknown) => {
      res.once('finish', () => countRequest(deps.metrics, 'GET', spec.path, status, performance.now() - started));
      const json = JSON.stringify(body);
      res
        .writeHead(status, {
          ...SECURITY_HEADERS,
          ...headers,
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(json),
        })
        .end(json);
    };
    answer(req, number).then(
      (result) => send(200, {}, result),
      (err: unknown) => {
        const known = asParleyError(err);
        if (!known) return next(req, res);
        const a = errorAnswer(known);
        send(a.status, a.headers, a.body);
      },
    );
  };

  async function answer(req: IncomingMessage, number: string) {
    const principal = await authenticateRequest(deps.core, req);
    authorize(spec, principal);
    const query = parsePart(spec.query, { number }, 'query') as { number: string };
    return lookup(principal, query);
  }
}

const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

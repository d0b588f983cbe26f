import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { type ErrorCode, errorCodes, openApiDocument, type RouteName, type RouteSpec, routes } from '@parley/api';
import { publicDir } from '@parley/web';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { z } from 'zod';
import type { Services } from '../../compose.js';
import { ParleyError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import type { Principal } from '../../core/sessions/service.js';
import type { Config } from '../../platform/config/schema.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import { isUniqueViolation } from '../../platform/store/errors.js';
import { type EventSockets, registerEventSocket } from '../ws/events.js';
import { registerAttachmentRoutes } from './attachments.js';
import {
  bearerToken,
  checkCsrf,
  clearSessionCookies,
  readCookie,
  SESSION_COOKIE,
  setSessionCookies,
} from './cookies.js';
import { registerDirectoryImport } from './directory-import.js';
import { registerSecurityHeaders } from './headers.js';
import { registerMetricsRoute } from './metrics.js';
import { adminTenantHandlers, adminUserHandlers } from './routes/admin.js';
import { authHandlers, meHandlers } from './routes/auth.js';
import { calendarHandlers } from './routes/calendar.js';
import { clusterHandlers } from './routes/cluster.js';
import { contactHandlers } from './routes/contacts.js';
import { deviceHandlers } from './routes/devices.js';
import { directoryHandlers } from './routes/directory.js';
import { messagingHandlers } from './routes/messaging.js';
import { presenceHandlers } from './routes/presence.js';
import type { Handler, Handlers } from './types.js';

export interface HttpOptions {
  core: Services;
  config: Config['http'];
  log: Logger;
  metrics: Metrics;
  version: string;
  /** Readiness: resolves with named check results; any non-"ok" makes /readyz 503. */
  readiness: () => Promise<Record<string, string>>;
  /** The registry the event sockets join. */
  sockets: EventSockets;
  /** Largest directory file an import accepts. */
  directoryUploadBytes: number;
}

function sendError(reply: FastifyReply, code: ErrorCode, message?: string, details?: ParleyError['details']) {
  return reply
    .status(errorCodes[code].status)
    .send({ error: { code, message: message ?? errorCodes[code].message, ...(details && { details }) } });
}

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
export async function authenticateRequest(core: Core, req: FastifyRequest): Promise<Principal> {
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

/** Client address and agent, with query strings (tickets) kept out of logs. */
const requestSerializer = (req: FastifyRequest) => ({
  method: req.method,
  url: req.url.split('?')[0],
  remoteAddress: req.ip,
});

/** The HTTP adapter: the REST API of `@parley/api`, the event WebSocket, operations endpoints and the web app. */
export async function buildHttp(o: HttpOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: o.log.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.config.bodyLimit,
    trustProxy: o.config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  // JSON is the only request body the API takes; anything else (text/plain included) is 415.
  app.removeContentTypeParser('text/plain');
  registerSecurityHeaders(app);

  app.setErrorHandler((err: FastifyError | ParleyError, req, reply) => {
    if (err instanceof ParleyError) {
      if (err.retryAfterSeconds) void reply.header('retry-after', String(err.retryAfterSeconds));
      if (err.code === 'PARLEY_ERR_UNAUTHENTICATED' || err.code === 'PARLEY_ERR_INVALID_CREDENTIALS') {
        void reply.header('www-authenticate', 'Bearer realm="parley"');
      }
      return sendError(reply, err.code, err.message, err.details);
    }
    if (isUniqueViolation(err)) return sendError(reply, 'PARLEY_ERR_CONFLICT');
    const code = (err as FastifyError).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(
        reply,
        'PARLEY_ERR_BODY_TOO_LARGE',
        `The request body exceeds ${req.routeOptions.bodyLimit ?? o.config.bodyLimit} bytes`,
      );
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, 'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    }
    if (code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) {
      return sendError(reply, 'PARLEY_ERR_BAD_JSON', `The request body is not valid JSON: ${err.message}`);
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) return sendError(reply, 'PARLEY_ERR_VALIDATION', err.message);
    req.log.error({ err, req: requestSerializer(req) }, 'request failed');
    return sendError(reply, 'PARLEY_ERR_INTERNAL');
  });
  app.setNotFoundHandler((req, reply) => {
    // The web app's own addresses (/chats/…, /contacts) are its index.html; the API stays JSON.
    const path = req.url.split('?')[0] ?? '/';
    if (req.method === 'GET' && !path.startsWith('/api/') && req.headers.accept?.includes('text/html')) {
      return reply.type('text/html').sendFile('index.html');
    }
    return sendError(reply, 'PARLEY_ERR_NOT_FOUND', `No route ${req.method} ${path}`);
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    o.metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode });
    o.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    if (req.log.level === 'debug' || req.log.level === 'trace') {
      req.log.debug({ req: requestSerializer(req), status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    }
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  const handlers: Handlers<RouteName> = {
    ...authHandlers(o.core),
    ...meHandlers(o.core),
    ...contactHandlers(o.core),
    ...deviceHandlers(o.core),
    ...adminUserHandlers(o.core),
    ...adminTenantHandlers(o.core),
    ...messagingHandlers(o.core),
    ...presenceHandlers(o.core),
    ...calendarHandlers(o.core),
    ...clusterHandlers(o.core),
    ...directoryHandlers(o.core),
  };
  for (const [name, spec] of Object.entries(routes) as [RouteName, RouteSpec][]) {
    const handler = handlers[name] as Handler<RouteName>;
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (req, reply) => {
        const principal = spec.access === 'public' ? undefined : await authenticateRequest(o.core, req);
        if (principal) authorize(spec, principal);
        const result = await handler({
          params: parsePart(spec.params, req.params, 'params'),
          query: parsePart(spec.query, req.query, 'query'),
          body: parsePart(spec.body, req.body, 'body'),
          principal: principal as Principal,
          client: {
            address: req.ip ?? null,
            userAgent: req.headers['user-agent'] ?? null,
            language: req.headers['accept-language'] ?? null,
          },
          cookies: {
            start: (token: string, expiresAt: number) =>
              setSessionCookies(req, reply, o.config.cookieSecure, token, expiresAt, o.core.ctx.clock.now()),
            end: () => clearSessionCookies(req, reply, o.config.cookieSecure),
          },
        } as Parameters<Handler<RouteName>>[0]);
        void reply.status(spec.status);
        return spec.status === 204 ? reply.send() : result;
      },
    });
  }

  registerEventSocket(app, o);
  await registerAttachmentRoutes(app, o.core);
  await registerDirectoryImport(app, o.core, o.directoryUploadBytes);

  const openapi = openApiDocument({ version: o.version });
  app.get('/api/v1/openapi.json', async () => openapi);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await o.readiness();
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });
  registerMetricsRoute(app, o.metrics, o.config.metrics);
  await app.register(fastifyStatic, { root: publicDir, wildcard: false });
  return app;
}

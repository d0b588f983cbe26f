import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import {
  type ErrorCode,
  errorMessages,
  errorStatus,
  openApiDocument,
  type RouteName,
  type RouteSpec,
  routes,
} from '@parley/api';
import { publicDir } from '@parley/web';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { asParleyError, type ParleyError } from '../../core/errors.js';
import type { Principal } from '../../core/sessions/service.js';
import type { Config } from '../../platform/config/schema.js';
import type { Adapter, AdapterContext, HttpMount, MountedRequest } from '../adapter.js';
import type { FederationChecker } from '../xmpp/federation/checker.js';
import { registerAttachmentRoutes } from './attachments.js';
import { registerAvatarRoutes } from './avatars.js';
import { clearSessionCookies, setSessionCookies } from './cookies.js';
import { registerDirectoryImport } from './directory-import.js';
import { registerSecurityHeaders } from './headers.js';
import { registerJournalExport } from './journal-export.js';
import { registerMetricsRoute } from './metrics.js';
import { authenticateRequest, authorize, parsePart } from './request.js';
import { adminTenantHandlers, adminUserHandlers } from './routes/admin.js';
import { authHandlers, meHandlers } from './routes/auth.js';
import { calendarHandlers } from './routes/calendar.js';
import { callBackHandlers } from './routes/callbacks.js';
import { callHandlers } from './routes/calls.js';
import { clusterHandlers } from './routes/cluster.js';
import { contactHandlers } from './routes/contacts.js';
import { deviceHandlers } from './routes/devices.js';
import { directoryHandlers } from './routes/directory.js';
import { federationHandlers } from './routes/federation.js';
import { forwardingHandlers } from './routes/forwarding.js';
import { journalHandlers } from './routes/journal.js';
import { lineHandlers } from './routes/lines.js';
import { messagingHandlers } from './routes/messaging.js';
import { presenceHandlers } from './routes/presence.js';
import { trunkHandlers } from './routes/trunks.js';
import type { Handler, Handlers } from './types.js';

type HttpContext = AdapterContext<Config['http']>;

export interface HttpOptions {
  version: string;
  /** Readiness: resolves with named check results; any non-"ok" makes /readyz 503. */
  readiness: () => Promise<Record<string, string>>;
  /** Largest directory file an import accepts. */
  directoryUploadBytes: number;
  /** The federation diagnostics (`POST /api/v1/admin/federation/check`). */
  federationCheck: FederationChecker;
}

function sendError(reply: FastifyReply, code: ErrorCode, message?: string, details?: ParleyError['details']) {
  return reply
    .status(errorStatus[code])
    .send({ error: { code, message: message ?? errorMessages[code], ...(details && { details }) } });
}

/** Client address and agent, with query strings (tickets) kept out of logs. */
const requestSerializer = (req: FastifyRequest) => ({
  method: req.method,
  url: req.url.split('?')[0],
  remoteAddress: req.ip,
});

/**
 * The HTTP adapter: the REST API of `@parley/api`, operations endpoints and the web app on the
 * shared HTTP listener (`http.host`, `http.port`), where the adapters after it mount their paths.
 */
export function httpAdapter(o: HttpOptions): Adapter<Config['http']> {
  let app: FastifyInstance | undefined;
  let log: HttpContext['log'] | undefined;
  let graceSeconds = 0;
  return {
    name: 'http',
    config: (config) => config.http,
    async start(ctx) {
      const built = await buildHttp(ctx, o);
      app = built;
      log = ctx.log;
      graceSeconds = ctx.config.shutdownGraceSeconds;
      const server = async () => {
        await built.ready();
        return built.server;
      };
      const { host, port } = ctx.config;
      ctx.serveHttp(
        { mount: fastifyMount(built), server },
        { name: 'http', setting: 'http', host, port, scheme: 'http', serves: 'HTTP API, web app' },
      );
    },
    /** Stops accepting, lets requests in flight finish for `http.shutdownGraceSeconds`, then cuts them. */
    async stop() {
      const closing = app;
      app = undefined;
      if (!closing) return;
      const grace = setTimeout(() => {
        log?.warn('shutdown grace period over; closing remaining connections');
        closing.server.closeAllConnections();
      }, graceSeconds * 1000);
      grace.unref();
      await closing.close();
      clearTimeout(grace);
    },
  };
}

const mountedRequest = (req: FastifyRequest): MountedRequest => ({
  method: req.method,
  url: req.url,
  host: req.host,
  headers: req.headers,
  query: req.query as Record<string, unknown>,
  ip: req.ip,
});

/** Other adapters' paths on this fastify instance: WebSockets through @fastify/websocket. */
function fastifyMount(app: FastifyInstance): HttpMount {
  return {
    route(method, path, handler) {
      // Its own scope, where no body is parsed: the handler reads it from node's request.
      void app.register(async (scope) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
        scope.route({
          method,
          url: path,
          handler: async (req, reply) => {
            reply.hijack();
            await handler(req.raw, reply.raw, mountedRequest(req));
          },
        });
      });
    },
    websocket(path, { authenticate, accept }) {
      type Auth = Awaited<ReturnType<typeof authenticate>>;
      const auths = new WeakMap<FastifyRequest, Auth>();
      app.get(
        path,
        {
          websocket: true,
          // Before the upgrade: a refusal is an HTTP error answer, not a socket.
          preValidation: async (req) => void auths.set(req, await authenticate(mountedRequest(req))),
        },
        (socket, req) => accept(socket, auths.get(req) as Auth, mountedRequest(req)),
      );
    },
  };
}

async function buildHttp(ctx: HttpContext, o: HttpOptions): Promise<FastifyInstance> {
  const { core, config, metrics } = ctx;
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  // JSON is the only request body the API takes; anything else (text/plain included) is 415.
  app.removeContentTypeParser('text/plain');
  registerSecurityHeaders(app);

  app.setErrorHandler((err: FastifyError | ParleyError, req, reply) => {
    const known = asParleyError(err);
    if (known) {
      if (known.retryAfterSeconds) void reply.header('retry-after', String(known.retryAfterSeconds));
      if (known.code === 'PARLEY_ERR_UNAUTHENTICATED' || known.code === 'PARLEY_ERR_INVALID_CREDENTIALS') {
        void reply.header('www-authenticate', 'Bearer realm="parley"');
      }
      return sendError(reply, known.code, known.message, known.details);
    }
    const code = (err as FastifyError).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(
        reply,
        'PARLEY_ERR_BODY_TOO_LARGE',
        `The request body exceeds ${req.routeOptions.bodyLimit ?? config.bodyLimit} bytes`,
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

  // A callback hook, as the security headers' (headers.ts): no promise per request.
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    if (req.log.level === 'debug' || req.log.level === 'trace') {
      req.log.debug({ req: requestSerializer(req), status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    }
    done();
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  const handlers: Handlers<RouteName> = {
    ...authHandlers(core),
    ...meHandlers(core),
    ...contactHandlers(core),
    ...deviceHandlers(core),
    ...lineHandlers(core),
    ...trunkHandlers(core),
    ...federationHandlers(core, o.federationCheck),
    ...callHandlers(core),
    ...callBackHandlers(core),
    ...adminUserHandlers(core),
    ...adminTenantHandlers(core),
    ...messagingHandlers(core),
    ...presenceHandlers(core),
    ...calendarHandlers(core),
    ...clusterHandlers(core),
    ...directoryHandlers(core),
    ...journalHandlers(core),
    ...forwardingHandlers(core),
  };
  for (const [name, spec] of Object.entries(routes) as [RouteName, RouteSpec][]) {
    const handler = handlers[name] as Handler<RouteName>;
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (req, reply) => {
        const principal = spec.access === 'public' ? undefined : await authenticateRequest(core, req);
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
              setSessionCookies(req, reply, config.cookieSecure, token, expiresAt, core.ctx.clock.now()),
            end: () => clearSessionCookies(req, reply, config.cookieSecure),
          },
        } as Parameters<Handler<RouteName>>[0]);
        void reply.status(spec.status);
        return spec.status === 204 ? reply.send() : result;
      },
    });
  }

  await registerAttachmentRoutes(app, core);
  await registerAvatarRoutes(app, core);
  await registerDirectoryImport(app, core, o.directoryUploadBytes);
  registerJournalExport(app, core);

  const openapi = openApiDocument({ version: o.version });
  app.get('/api/v1/openapi.json', async () => openapi);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await o.readiness();
    const ok = Object.values(checks).every((v) => v === 'ok');
    // Which address and port each listener got (port 0 picks a free one).
    const listeners = ctx.listeners().map(({ name, adapter, transport, url }) => ({ name, adapter, transport, url }));
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks, listeners });
  });
  registerMetricsRoute(app, metrics, config.metrics);
  await app.register(fastifyStatic, { root: publicDir, wildcard: false });
  return app;
}

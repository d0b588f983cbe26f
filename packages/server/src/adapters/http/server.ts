import type { RequestListener } from 'node:http';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { type ErrorCode, errorStatus, openApiDocument, type RouteName, type RouteSpec, routes } from '@parley/api';
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
import { logsRequests, lookupRoute } from './lookup-route.js';
import { countRequest, registerMetricsRoute } from './metrics.js';
import { authenticateRequest, authorize, errorAnswer, errorBody, parsePart } from './request.js';
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

function sendError(reply: FastifyReply, code: ErrorCode, message?: string) {
  return reply.status(errorStatus[code]).send(errorBody(code, message));
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
  // The reverse lookup, the directory's hot route, in front of fastify (lookup-route.ts).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const [fastifyListener] = app.server.listeners('request') as RequestListener[];
  if (!fastifyListener) throw new Error('fastify has no request listener');
  app.server.removeListener('request', fastifyListener);
  app.server.on('request', lookupRoute({ core, metrics, log: ctx.log, closing: () => closing }, fastifyListener));

  app.setErrorHandler((err: FastifyError | ParleyError, req, reply) => {
    const known = asParleyError(err);
    if (known) {
      const answer = errorAnswer(known);
      return reply.status(answer.status).headers(answer.headers).send(answer.body);
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
    countRequest(metrics, req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
    if (logsRequests(req.log)) {
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

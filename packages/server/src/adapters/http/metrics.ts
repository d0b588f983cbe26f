import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../platform/config/schema.js';
import type { Metrics } from '../../platform/metrics.js';
import type { Adapter } from '../adapter.js';
import { bearerToken } from './cookies.js';

type MetricsConfig = Config['http']['metrics'];

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether the Authorization header carries the configured token (always true without one); constant-time. */
function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const sent = bearerToken(header);
  return sent !== undefined && timingSafeEqual(digest(sent), digest(token));
}

/** Counts an answered request and its duration, by method, route (its pattern) and status. */
export function countRequest(metrics: Metrics, method: string, route: string, status: number, ms: number): void {
  metrics.httpRequests.inc({ method, route, status });
  metrics.httpDuration.observe({ method, route }, ms / 1000);
}

/** The status, headers and body of a `/metrics` request. */
async function answer(metrics: Metrics, token: string | undefined, authorization: string | undefined) {
  if (!authorized(authorization, token)) {
    return {
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="parley-metrics"' },
      body: 'Send the metrics token as a bearer token\n',
    };
  }
  return {
    status: 200,
    headers: { 'content-type': metrics.registry.contentType },
    body: await metrics.registry.metrics(),
  };
}

/**
 * `GET /metrics` on the main listener, only when a token protects it and no separate listener is
 * configured: the numbers tell an outsider who is online and how busy the server is.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, config: MetricsConfig): void {
  if (config.port !== undefined || config.token === undefined) return;
  const { token } = config;
  app.get('/metrics', async (req, reply) => {
    const a = await answer(metrics, token, req.headers.authorization);
    return reply.status(a.status).headers(a.headers).send(a.body);
  });
}

/** The separate `/metrics` listener (`http.metrics.host`, `http.metrics.port`), if one is configured. */
export const metricsAdapter: Adapter<MetricsConfig> = {
  name: 'metrics',
  config: (config) => config.http.metrics,
  async start(ctx) {
    const { host, port } = ctx.config;
    if (port === undefined) return;
    const server = metricsListener(ctx.metrics, ctx.config);
    await ctx.listen(server, {
      name: 'metrics',
      setting: 'http.metrics',
      host,
      port,
      scheme: 'http',
      serves: '/metrics',
    });
  },
  // Its listener is closed by the host.
  stop() {},
};

/** The `/metrics` listener: nothing else is served on it. */
function metricsListener(metrics: Metrics, config: MetricsConfig): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    answer(metrics, config.token, req.headers.authorization).then(
      (a) => res.writeHead(a.status, a.headers).end(a.body),
      () => res.writeHead(500).end(),
    );
  });
}

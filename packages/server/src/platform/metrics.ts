import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HashQueueStats } from '../core/auth/hash-queue.js';

/**
 * One Prometheus registry per server instance (no global state; tests run many servers).
 * `hashing` reads the password-hash queue's counters at each scrape.
 */
export function createMetrics(sources: { hashing: () => HashQueueStats }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    logins: new Counter({
      name: 'parley_logins_total',
      help: 'Login attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    passwordHashes: new Gauge({
      name: 'parley_password_hashes',
      help: 'Password hashes (scrypt) running and sign-ins waiting for a hashing slot on this node',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const s = sources.hashing();
        this.set({ state: 'running' }, s.running);
        this.set({ state: 'waiting' }, s.waiting);
      },
    }),
    passwordHashAttempts: new Counter({
      name: 'parley_password_hash_attempts_total',
      help: 'Sign-ins that reached the hash queue: hashed, or refused (429) without hashing',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        const s = sources.hashing();
        this.reset();
        this.inc({ outcome: 'hashed' }, s.started);
        this.inc({ outcome: 'refused' }, s.refused);
      },
    }),
    eventSockets: new Gauge({
      name: 'parley_event_sockets',
      help: 'Open event WebSockets on this node',
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

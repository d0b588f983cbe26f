// Shared pieces of the benchmarks: real server processes on a prepared data folder or PostgreSQL
// database, clients on loopback, the messaging and presence workloads, latency statistics and CPU
// time. Nothing here is used by the server.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import pino from 'pino';
import { WebSocket } from 'ws';
import type { Services } from '../packages/server/src/compose.js';
import { closeCore, openCore } from '../packages/server/src/create-server.js';
import { connectNatsBus } from '../packages/server/src/platform/bus/nats.js';
import { loadConfig } from '../packages/server/src/platform/config/load.js';

const bin = fileURLToPath(new URL('../packages/server/bin/parley.js', import.meta.url));

/**
 * Settings every benchmark server gets: cheap hashing (login is not what we measure), no demo, and
 * a message rate limit far above any step (the benchmarks measure the server, not the limiter).
 */
export const benchEnv = {
  PARLEY_AUTH_SCRYPT_COST: '1024',
  PARLEY_MESSAGING_RATE_LIMIT_BURST: '1000000',
  PARLEY_MESSAGING_RATE_LIMIT_PER_SECOND: '1000000',
  PARLEY_BOOTSTRAP_DEMO_TENANT: 'false',
  PARLEY_LOG_LEVEL: 'info',
  PARLEY_LOG_FORMAT: 'json',
  // The benchmarks' peers (slapd, a CRM) listen on loopback, which the outbound policy refuses by default.
  PARLEY_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
  // The directory benchmark syncs up to 5,000,000 contacts into one source (the default allows 1,000,000).
  PARLEY_DIRECTORY_LIMITS_MAX_CONTACTS: '10000000',
};

export function tempData(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A throwaway PostgreSQL database `parley_bench_<random>` (PARLEY_BENCH_PG: the server to create it
 * on, default postgres://root@127.0.0.1:5432/postgres); `drop()` removes it again.
 */
export async function tempDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const admin = new URL(process.env.PARLEY_BENCH_PG ?? 'postgres://root@127.0.0.1:5432/postgres');
  const name = `parley_bench_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.href });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin.href);
  url.pathname = `/${name}`;
  return { name, url: url.href, drop: () => run(`drop database if exists ${name} with (force)`) };
}

/**
 * Removes what a cluster run under NATS subject prefix `prefix` leaves on the NATS server: the
 * JetStream key-value buckets `<prefix>_nodes`, `<prefix>_leases` and its shared maps.
 */
export async function dropNatsState(url: string, prefix: string): Promise<string[]> {
  const bus = await connectNatsBus(url, pino({ level: 'warn' }), { name: 'parley-bench-cleanup' });
  try {
    const jsm = await jetstreamManager(bus.connection);
    const dropped: string[] = [];
    for await (const stream of jsm.streams.list()) {
      if (!stream.config.name.startsWith(`KV_${prefix}_`)) continue;
      await jsm.streams.delete(stream.config.name);
      dropped.push(stream.config.name);
    }
    return dropped;
  } finally {
    await bus.close();
  }
}

/**
 * Opens the core on a data folder (no listener) to seed it quickly, then closes it. `env` adds
 * settings, e.g. PARLEY_DB for a PostgreSQL database.
 */
export async function seed(dataDir: string, fn: (core: Services) => Promise<void>, env: Record<string, string> = {}) {
  const config = loadConfig({ env: { ...benchEnv, ...env }, overrides: { dataDir, 'log.level': 'warn' } });
  const core = await openCore({ config, log: pino({ level: 'warn' }) });
  try {
    await fn(core);
  } finally {
    await closeCore(core);
  }
}

export const PASSWORD = 'bench-password';

/**
 * `users` users `u<n>@t<t>.bench.test` in tenants of `perTenant`, all with PASSWORD; returns their
 * addresses, user i being member n = i % perTenant of tenant t = ⌊i / perTenant⌋.
 */
export async function seedUsers(core: Services, users: number, perTenant: number): Promise<string[]> {
  const addresses = Array.from(
    { length: users },
    (_, i) => `u${i % perTenant}@t${Math.floor(i / perTenant)}.bench.test`,
  );
  for (let t = 0; t < users / perTenant; t++) {
    const domain = `t${t}.bench.test`;
    const tenant = await core.tenants.create({ domain });
    const members = addresses.slice(t * perTenant, (t + 1) * perTenant);
    await pool(members, 8, async (address) => {
      await core.users.create(tenant.id, { local: address.split('@')[0] as string, domain, password: PASSWORD });
    });
  }
  return addresses;
}

/** Where a listener of the server got bound (its `listening on` log line). */
export interface BoundListener {
  host: string;
  port: number;
  url: string;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Every listener by name (`http`, `sip-udp`, `csta` …), as the server logged it. */
  listeners: Map<string, BoundListener>;
  child: ChildProcess;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * `parley serve --http-port 0` on `dataDir`; resolves with its URL once it listens. `env` adds
 * settings (e.g. PARLEY_DB, PARLEY_NATS and PARLEY_NODE_ID for a cluster node). With
 * BENCH_PROFILE=DIR the server writes a V8 CPU profile there when it stops.
 */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, bin, 'serve', '--http-port', '0'], {
    env: {
      ...process.env,
      ...benchEnv,
      PARLEY_SIP_PORT: '0',
      PARLEY_SIP_TLS_PORT: '0',
      PARLEY_CSTA_PORT: '0',
      PARLEY_XMPP_PORT: '0',
      PARLEY_XMPP_C2S_TLS_PORT: '0',
      PARLEY_XMPP_S2S_PORT: '0',
      ...env,
      PARLEY_DATA: dataDir,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listeners = new Map<string, BoundListener>();
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error('server did not start in 60 s')), 60_000);
    lines.on('line', (line) => {
      const rec = JSON.parse(line) as Partial<BoundListener> & { listener?: string; level?: number; msg?: string };
      if (rec.listener && rec.url && rec.host !== undefined && rec.port !== undefined) {
        listeners.set(rec.listener, { host: rec.host, port: rec.port, url: rec.url });
      }
      // The listeners are logged together, http first: the others follow within the same write.
      if (rec.listener === 'http' && rec.url) {
        clearTimeout(timer);
        resolve(rec.url);
      } else if ((rec.level ?? 0) >= 50) console.error('server:', rec.msg);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid ?? 0,
    listeners,
    child,
    cpuSeconds: () => processCpuSeconds(child.pid ?? 0),
    stop: () => stopChild(child),
  };
}

/** SIGTERM to a child process, resolved once it has exited (at once if it already has). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const ticks = 100; // USER_HZ on Linux

/** Pins every thread of process `pid` to core `cpu` (a server's; its load generator gets the other), or to a list (`0,1`). */
export function pin(pid: number, cpu: number | string): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset: ${r.stderr}`);
}

/** CPU seconds (user + system) process `pid` has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  const { user, system } = processCpuTimes(pid);
  return user + system;
}

/** CPU seconds process `pid` has used so far in user and in kernel mode; 0 once it is gone. */
export function processCpuTimes(pid: number): { user: number; system: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { user: Number(fields[11]) / ticks, system: Number(fields[12]) / ticks };
  } catch {
    return { user: 0, system: 0 };
  }
}

/**
 * Seconds process `pid`'s main thread (a Node server's event loop) has waited so far on a run
 * queue, ready but not running because other processes had the cores (/proc/PID/schedstat).
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** Resident memory of process `pid` in bytes (VmRSS); 0 once it is gone. */
export function processRssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by each process (pid → seconds) whose command name is `comm` and, with
 * `match`, whose command line (the process title, for PostgreSQL backends) matches.
 */
export function commandCpu(comm: string, match: (cmdline: string) => boolean = () => true): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== comm) continue;
      if (match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '))) {
        cpu.set(Number(pid), processCpuSeconds(Number(pid)));
      }
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

/**
 * CPU seconds used between two `commandCpu` readings by the processes alive at the second (those
 * started in between count from zero; those that exited in between are missing).
 */
export function cpuBetween(from: Map<number, number>, to: Map<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of to) sum += seconds - (from.get(pid) ?? 0);
  return sum;
}

/** CPU seconds all cores of this machine have spent busy (not idle or waiting) so far. */
export function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / ticks;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

export async function login(url: string, user: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  if (!res.ok) throw new Error(`login ${user}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Logs every address in (with PASSWORD) at `url`; the tokens, in the same order. */
export async function loginAll(url: string, addresses: string[]): Promise<string[]> {
  const tokens: string[] = new Array(addresses.length);
  await pool(addresses, 16, async (a, i) => {
    tokens[i] = await login(url, a, PASSWORD);
  });
  return tokens;
}

/** The server a client talks to (its HTTP requests and its event socket): client index → URL. */
export type Homes = (client: number) => string;

/** Sees every text frame that arrives on client `client`'s event socket. */
export type EventHandler = (client: number, text: string) => void;

/**
 * One event WebSocket per token, at its client's home server, at most `limit` opening at once;
 * resolves once each has received its first frame (the hello). Later frames go to `onEvent`.
 */
export async function openEventSockets(
  homes: Homes,
  tokens: string[],
  limit: number,
  onEvent: EventHandler,
): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  await pool(tokens, limit, async (token, client) => {
    const ws = new WebSocket(`${homes(client).replace('http', 'ws')}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    sockets.push(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (raw) => onEvent(client, String(raw)));
  });
  return sockets;
}

/** Waits until `count()` has not moved for `quietSeconds` whole seconds in a row. */
export async function settle(count: () => number, quietSeconds = 3): Promise<void> {
  for (let quiet = 0; quiet < quietSeconds; ) {
    const before = count();
    await sleep(1000);
    quiet = count() === before ? quiet + 1 : 0;
  }
}

/**
 * Offers load open loop: calls `fire` `rate` times a second for `seconds`, by the clock (a late
 * 10 ms tick fires what fell due meanwhile, so a slow client does not lower the rate); the elapsed
 * seconds.
 */
export async function offer(rate: number, seconds: number, fire: () => void): Promise<number> {
  const start = performance.now();
  let fired = 0;
  for (let now = start; now - start < seconds * 1000; now = performance.now()) {
    const due = Math.floor((rate * (now - start)) / 1000);
    for (; fired < due; fired++) fire();
    await sleep(10);
  }
  return (performance.now() - start) / 1000;
}

/** One delivery: its latency and the clients it went from and to. */
export interface Delivery {
  ms: number;
  from: number;
  to: number;
}

export interface MessagingStep {
  elapsed: number;
  sent: number;
  /** Offered while MAX_INFLIGHT requests were in flight, so not sent. */
  shed: number;
  errors: number;
  /** Send → 201 (committed), ms. */
  acks: number[];
  /** Send → `message.created` on the other member's socket. */
  deliveries: Delivery[];
}

/**
 * 1:1 messaging between clients in pairs (2i, 2i+1) that share a conversation (created by
 * `setup`). Hook `onEvent` into the event sockets, then run steps: each sends
 * `POST /conversations/{id}/messages` from a random member of a random pair at a fixed rate, with
 * at most `maxInflight` requests in flight, and waits up to 5 s for the deliveries.
 */
export function messagingLoad(homes: Homes, tokens: string[], addresses: string[], maxInflight: number) {
  const conversations: string[] = new Array(tokens.length / 2);
  const sentAt = new Map<string, { t0: number; from: number }>();
  let deliveries: Delivery[] = [];
  // Client ids are unique per load: a repeated one (same sender) would be an idempotent resend.
  const run = randomBytes(4).toString('hex');
  let seq = 0;
  const post = async (client: number, path: string, body: unknown) => {
    const res = await fetch(`${homes(client)}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[client]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ id: string }>;
  };
  return {
    /** Creates the pairs' conversations, or adopts `existing` ones (from an earlier `setup`); their ids. */
    async setup(existing?: string[]): Promise<string[]> {
      if (existing) conversations.splice(0, existing.length, ...existing);
      else {
        const pairs = Array.from({ length: conversations.length }, (_, i) => i);
        await pool(pairs, 16, async (i) => {
          conversations[i] = (await post(2 * i, '/api/v1/conversations', { members: [addresses[2 * i + 1]] })).id;
        });
      }
      return conversations;
    },
    /** Both members get each message; only the recipient's copy counts as a delivery. */
    onEvent: ((client, text) => {
      if (!text.startsWith('{"type":"message.created"')) return;
      const clientId = /"clientId":"([^"]+)"/.exec(text)?.[1];
      const sent = clientId === undefined ? undefined : sentAt.get(clientId);
      if (sent !== undefined && sent.from !== client) {
        deliveries.push({ ms: performance.now() - sent.t0, from: sent.from, to: client });
      }
    }) satisfies EventHandler,
    async step(rate: number, seconds: number): Promise<MessagingStep> {
      const step: MessagingStep = { elapsed: 0, sent: 0, shed: 0, errors: 0, acks: [], deliveries: [] };
      deliveries = step.deliveries;
      let inflight = 0;
      step.elapsed = await offer(rate, seconds, () => {
        if (inflight >= maxInflight) {
          step.shed++;
          return;
        }
        const pair = Math.floor(Math.random() * conversations.length);
        const from = 2 * pair + (Math.random() < 0.5 ? 0 : 1);
        const clientId = `b${run}-${seq++}`;
        const t0 = performance.now();
        sentAt.set(clientId, { t0, from });
        inflight++;
        step.sent++;
        post(from, `/api/v1/conversations/${conversations[pair]}/messages`, { text: `hello ${clientId}`, clientId })
          .then(() => step.acks.push(performance.now() - t0))
          .catch(() => step.errors++)
          .finally(() => inflight--);
      });
      const drainEnd = performance.now() + 5000;
      while ((inflight > 0 || step.deliveries.length < step.sent - step.errors) && performance.now() < drainEnd) {
        await sleep(20);
      }
      sentAt.clear();
      return step;
    },
  };
}

export interface PresenceStep {
  elapsed: number;
  changes: number;
  /** Deliveries due: every member of the changer's tenant, the changer's own socket included. */
  expected: number;
  errors: number;
  deliveries: Delivery[];
}

/**
 * Presence fan-out among clients in tenants of `perTenant` (client i in tenant ⌊i / perTenant⌋,
 * each user's roster being their tenant directory). Hook `onEvent` into the event sockets, then run
 * steps: each sends `PUT /me/presence {availability, note}` for the next client in turn at a fixed
 * rate and waits up to 10 s for every member of the tenant to get `presence.changed`.
 */
export function presenceLoad(homes: Homes, tokens: string[], perTenant: number) {
  /** note → when and by whom it was sent; each change carries a unique note. */
  const sentAt = new Map<string, { t0: number; from: number }>();
  let deliveries: Delivery[] = [];
  let received = 0;
  // Notes are unique per load: a change to the note a user already has might be no change at all.
  const run = randomBytes(4).toString('hex');
  let seq = 0;
  let next = 0;
  const put = (client: number, body: unknown) =>
    fetch(`${homes(client)}/api/v1/me/presence`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens[client]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => {
      if (!r.ok) throw new Error(`PUT presence: ${r.status}`);
    });
  return {
    /** `presence.changed` events received so far, measured or not (e.g. to wait for a connect storm to pass). */
    received: () => received,
    onEvent: ((client, text) => {
      if (!text.startsWith('{"type":"presence.changed"')) return;
      received++;
      const note = /"note":"(c[0-9a-f]+-\d+)"/.exec(text)?.[1];
      const sent = note === undefined ? undefined : sentAt.get(note);
      if (sent !== undefined) deliveries.push({ ms: performance.now() - sent.t0, from: sent.from, to: client });
    }) satisfies EventHandler,
    async step(rate: number, seconds: number): Promise<PresenceStep> {
      const step: PresenceStep = { elapsed: 0, changes: 0, expected: 0, errors: 0, deliveries: [] };
      deliveries = step.deliveries;
      const pending: Promise<void>[] = [];
      step.elapsed = await offer(rate, seconds, () => {
        const note = `c${run}-${seq++}`;
        const from = next++ % tokens.length;
        sentAt.set(note, { t0: performance.now(), from });
        step.changes++;
        pending.push(put(from, { availability: seq % 2 ? 'away' : 'busy', note }).catch(() => void step.errors++));
      });
      await Promise.all(pending);
      step.expected = step.changes * perTenant;
      const drainEnd = performance.now() + 10_000;
      while (step.deliveries.length < step.expected && performance.now() < drainEnd) await sleep(50);
      sentAt.clear();
      return step;
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function summarize(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? Number.NaN };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One line of a results table in docs/benchmarks.md style. */
export const row = (cells: (string | number)[]) =>
  `| ${cells.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(1)) : c)).join(' | ')} |`;

/** Resolves once `parley serve` on `dataDir` has written its directory index snapshot (up to 10 min). */
export async function snapshotWritten(dataDir: string): Promise<void> {
  const snapshot = join(dataDir, 'directory-index');
  for (let waited = 0; ; waited++) {
    const files = existsSync(snapshot) ? readdirSync(snapshot) : [];
    if (files.length > 0 && !files.some((f) => f.endsWith('.tmp'))) return;
    if (waited > 1200) throw new Error('no index snapshot after 10 min');
    await new Promise((r) => setTimeout(r, 500));
  }
}

// Shared pieces of the benchmarks: a real server process on a prepared data folder, clients on
// loopback, latency statistics and the server's CPU time. Nothing here is used by the server.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Core } from '../packages/server/src/core/index.js';
import { closeCore, openCore } from '../packages/server/src/create-server.js';
import { loadConfig } from '../packages/server/src/platform/config/load.js';

const bin = fileURLToPath(new URL('../packages/server/bin/parley.js', import.meta.url));

/** Settings every benchmark server gets: cheap hashing (login is not what we measure), no demo. */
export const benchEnv = {
  PARLEY_AUTH_SCRYPT_COST: '1024',
  PARLEY_BOOTSTRAP_DEMO_TENANT: 'false',
  PARLEY_LOG_LEVEL: 'info',
  PARLEY_LOG_FORMAT: 'json',
};

export function tempData(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens the core on a data folder (no listener) to seed it quickly, then closes it. */
export async function seed(dataDir: string, fn: (core: Core) => Promise<void>): Promise<void> {
  const config = loadConfig({ env: { ...benchEnv }, overrides: { dataDir, 'log.level': 'warn' } });
  const core = await openCore({ config, log: pino({ level: 'warn' }) });
  try {
    await fn(core);
  } finally {
    await closeCore(core);
  }
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * `parley serve --http-port 0` on `dataDir`; resolves with its URL once it listens. With
 * BENCH_PROFILE=DIR the server writes a V8 CPU profile there when it stops.
 */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, bin, 'serve', '--http-port', '0'], {
    env: { ...process.env, ...benchEnv, ...env, PARLEY_DATA: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error('server did not start in 60 s')), 60_000);
    lines.on('line', (line) => {
      const rec = JSON.parse(line) as { listener?: string; url?: string; level?: number; msg?: string };
      if (rec.listener === 'http' && rec.url) {
        clearTimeout(timer);
        resolve(rec.url);
      } else if ((rec.level ?? 0) >= 50) console.error('server:', rec.msg);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const ticks = 100; // USER_HZ on Linux
  return {
    url,
    pid: child.pid ?? 0,
    child,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / ticks;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
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

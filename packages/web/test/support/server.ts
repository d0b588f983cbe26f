import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ParleyClient } from '@parley/api';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const parleyBin = join(root, 'packages/server/bin/parley.js');

let built = false;
/** Builds the web app when its sources are newer than dist/ (the server serves dist/). */
export function ensureWebBuild(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [join(root, 'packages/web/scripts/ensure-build.mjs')], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('building the web app failed');
  built = true;
}

export interface WebTestServer {
  url: string;
  port: number;
  dataDir: string;
  /** The SIP UDP and TCP port it listens on. */
  sipPort: () => number;
  /** Initial passwords of the demo accounts (alice, bob, carol, admin @example.test). */
  passwords: Record<string, string>;
  /** Signs a demo user in over the API. */
  login(local: string): Promise<{ api: ParleyClient; token: string }>;
  /** An API client with this token. */
  api(token: string): ParleyClient;
  /** Stops the process (SIGTERM: the graceful shutdown a restart does). */
  stop(): Promise<void>;
  /** Starts a new process on the same port and data folder. */
  start(): Promise<void>;
  /** Stops it and removes the data folder. */
  dispose(): Promise<void>;
}

/**
 * A real `parley serve` in its own process, on a free loopback port with a fresh data folder and
 * the demo tenant (example.test: alice, bob, carol, admin), serving the built web app. Its
 * environment keeps no PARLEY_* variable of the caller's, so it never joins a developer's cluster.
 */
export async function startWebServer(env: Record<string, string> = {}): Promise<WebTestServer> {
  ensureWebBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-web-'));
  // The first start binds a free port itself (no gap for another process to take it in); restarts
  // take the same one again, so the browser's pages keep their address.
  let port = 0;
  let url = '';
  const passwords: Record<string, string> = {};
  let child: ChildProcess | null = null;
  let sipPort = 0;
  let output = '';

  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PARLEY_')));
  let starts = 0;
  const start = async () => {
    const firstStart = starts++ === 0;
    const proc = spawn(process.execPath, [parleyBin, 'serve', '--data', dataDir, '--http-port', String(port)], {
      cwd: root,
      env: {
        ...cleanEnv,
        PARLEY_AUTH_SCRYPT_COST: '1024',
        PARLEY_LOG_LEVEL: 'info',
        PARLEY_SIP_PORT: '0',
        PARLEY_SIP_TLS_PORT: '0',
        PARLEY_CSTA_PORT: '0',
        PARLEY_XMPP_PORT: '0',
        PARLEY_XMPP_C2S_TLS_PORT: '0',
        PARLEY_XMPP_S2S_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    let buffer = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      output = (output + chunk.toString('utf8')).slice(-20_000);
      for (;;) {
        const nl = buffer.indexOf('\n');
        if (nl < 0) break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as {
            user?: string;
            initialPassword?: string;
            listener?: string;
            port?: number;
          };
          if (entry.listener === 'sip-udp' && entry.port) sipPort = entry.port;
          if (entry.listener === 'http' && entry.port) {
            port = entry.port;
            url = `http://127.0.0.1:${port}`;
          }
          if (entry.user && entry.initialPassword)
            passwords[entry.user.split('@')[0] as string] = entry.initialPassword;
        } catch {
          // not a log line
        }
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const code = await Promise.race([exited, new Promise((r) => setTimeout(r, 100, 'wait'))]);
      if (code !== 'wait') throw new Error(`parley serve exited (${code}):\n${output}`);
      const ok =
        url !== '' &&
        (await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ));
      // The demo accounts' passwords are logged once, on the first start.
      if (ok && (!firstStart || Object.keys(passwords).length >= 4)) return;
      if (Date.now() > deadline) throw new Error(`parley serve did not come up:\n${output}`);
    }
  };

  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  const api = createClient({ baseUrl: url });
  return {
    url,
    port,
    dataDir,
    sipPort: () => sipPort,
    passwords,
    async login(local) {
      const password = passwords[local];
      if (!password) throw new Error(`no password for ${local} (demo tenant not created?)`);
      const { token } = await api.request('auth.login', { body: { user: `${local}@example.test`, password } });
      return { api: api.withToken(token), token };
    },
    api: (token) => api.withToken(token),
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

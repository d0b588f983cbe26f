// A cluster on loopback for interop tests: a private NATS (JetStream), HAProxy running the shipped
// docs/deploy/haproxy.cfg, and real Parley nodes as child processes. Every child is killed when
// the test process exits, however it exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, childEnv, freePort, isListening } from './cli.js';
import { postgresAdmin, postgresUrl } from './interop.js';

export { freePort };

/** The nats-server binary (Debian's package; scripts/setup-interop.sh installs it). */
export const NATS_SERVER = process.env.PARLEY_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';
/** The haproxy binary. */
export const HAPROXY =
  process.env.PARLEY_TEST_HAPROXY ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy');
/** The HAProxy configuration the project ships; startHaproxy runs exactly this, rewritten for loopback. */
export const HAPROXY_CFG = fileURLToPath(new URL('../../../../docs/deploy/haproxy.cfg', import.meta.url));

/* ------------------------------------------------------------------------------------------------
 * Child processes: tracked, killed on exit
 * --------------------------------------------------------------------------------------------- */

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function cleanupSync(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanupSync);
  // A signal would end the process without 'exit': clean up, then die of the same signal.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupSync();
      process.kill(process.pid, signal);
    });
  }
}

/** A fresh folder under the system temp folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Removes a folder made by this module now (instead of at exit). */
export function removeTemp(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** A spawned child with its exit, a tail of its output, and bounded stop/kill. */
export interface Proc {
  child: ChildProcess;
  exited: Promise<Exit>;
  /** Whether it has exited. */
  done(): boolean;
  /** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs and waits again. */
  terminate(signal: NodeJS.Signals, timeoutMs: number): Promise<Exit>;
}

/** Spawns a child that is killed when the test process exits; `onLine` sees each output line. */
export function track(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** Keep its standard input open for writing (child.stdin); default ignored. */
    stdin?: boolean;
    onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  },
): Proc {
  hookExit();
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd ?? tmpdir(),
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream]?.setEncoding('utf8').on('data', (s: string) => {
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onLine(line, stream);
    });
  }
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (err) => {
      options.onLine(`spawn failed: ${err.message}`, 'stderr');
      exit = { code: -1, signal: null };
      children.delete(child);
      resolve(exit);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      children.delete(child);
      resolve(exit);
    });
  });
  return {
    child,
    exited,
    done: () => exit !== undefined,
    async terminate(signal, timeoutMs) {
      if (exit) return exit;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), timeoutMs);
      });
      const first = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (first !== 'late') return first;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Keeps the last `max` entries. */
function pushBounded(list: string[], line: string, max: number): void {
  list.push(line);
  if (list.length > max) list.splice(0, list.length - max);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` every 50 ms until it returns something truthy, and resolves with it; throws with
 * `what` after `timeoutMs`.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string | (() => string),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    }
    await sleep(50);
  }
}

/* ------------------------------------------------------------------------------------------------
 * NATS
 * --------------------------------------------------------------------------------------------- */

export interface NatsServer {
  url: string;
  port: number;
  /** The JetStream store folder; kept across restart(), removed by stop(). */
  storeDir: string;
  /** The last lines nats-server wrote (for failure messages). */
  logs: string[];
  /** Graceful stop (SIGTERM), then removes the store folder. */
  stop(): Promise<void>;
  /** Kills the server (default SIGKILL) and keeps the store folder, e.g. to restart() later. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  /** Stops it if running and starts it again on the same port with the same store folder. */
  restart(): Promise<void>;
}

/** A private nats-server with JetStream on a free loopback port; resolves once it accepts connections. */
export async function startNats(
  options: { port?: number; args?: string[]; timeoutMs?: number } = {},
): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  const storeDir = tempDir('parley-nats-');
  const logs: string[] = [];
  const timeoutMs = options.timeoutMs ?? 10_000;
  let proc: Proc | undefined;

  const start = async () => {
    const p = track(
      NATS_SERVER,
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...(options.args ?? [])],
      {
        onLine: (line) => pushBounded(logs, line, 200),
      },
    );
    proc = p;
    await waitUntil(
      async () => {
        if (p.done()) throw new Error(`nats-server exited on start:\n${logs.join('\n')}`);
        return isListening(port);
      },
      timeoutMs,
      () => `nats-server on 127.0.0.1:${port}\n${logs.join('\n')}`,
    );
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    logs,
    async stop() {
      await proc?.terminate('SIGTERM', 5000);
      removeTemp(storeDir);
    },
    async kill(signal = 'SIGKILL') {
      return (await proc?.terminate(signal, 5000)) ?? { code: null, signal: null };
    },
    async restart() {
      await proc?.terminate('SIGTERM', 5000);
      await start();
    },
  };
}

/* ------------------------------------------------------------------------------------------------
 * HAProxy
 * --------------------------------------------------------------------------------------------- */

export interface HaproxyNode {
  /** Server name in the config (node1, node2, … in the shipped file; any name works). */
  name: string;
  /** The node's HTTP port (API, WebSocket, and the readiness check of every backend). */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The node's port per TCP backend kept with `tcp` (e.g. { xmpp_c2s: 15222 }). */
  tcpPorts?: Record<string, number>;
}

export interface HaproxyOptions {
  nodes: HaproxyNode[];
  /** Port of the HTTP frontend (parley_http) on 127.0.0.1; default a free one. */
  httpPort?: number;
  /**
   * TCP frontends to keep, by section name (xmpp_c2s, xmpp_s2s, sip_tcp, sip_tls, csta) and the
   * loopback port each binds; every other TCP frontend and its backend is left out. Default: none.
   */
  tcp?: Record<string, number>;
  /** Serve the stats page / Prometheus metrics on this loopback port; default: left out. */
  statsPort?: number;
  /** Open the runtime API socket (needed by backendStatus); default true. */
  statsSocket?: boolean;
  /** The configuration to render; default the shipped docs/deploy/haproxy.cfg. */
  configFile?: string;
  timeoutMs?: number;
}

export type ServerStatus = 'UP' | 'DOWN' | 'MAINT' | 'DRAIN' | 'NOLB' | 'no check' | string;

export interface Haproxy {
  /** http://127.0.0.1:PORT of the HTTP frontend. */
  url: string;
  port: number;
  /** The rendered configuration (as HAProxy runs it). */
  config: string;
  configPath: string;
  /** The runtime API socket, when open. */
  socketPath?: string;
  /** HAProxy's own lines (its log goes to stdout). */
  logs: string[];
  /**
   * Check state per server of `backend` (default parley_http) from `show stat`: 'UP', 'DOWN',
   * transitions such as 'UP 1/2' (one failed check on the way down), 'MAINT', …
   */
  backendStatus(backend?: string): Promise<Record<string, ServerStatus>>;
  /**
   * Sessions open right now per server of `backend` (default parley_http), the `scur` column: an
   * upgraded WebSocket counts as one for as long as it is open; idle keep-alive connections do not.
   */
  serverSessions(backend?: string): Promise<Record<string, number>>;
  /** Waits until server `name` of `backend` (default parley_http) reports exactly `status`. */
  waitForStatus(name: string, status: ServerStatus, options?: { backend?: string; timeoutMs?: number }): Promise<void>;
  /** Sends a runtime API command (e.g. `set server parley_http/node1 state drain`); returns the answer. */
  command(cmd: string): Promise<string>;
  stop(): Promise<void>;
}

interface Section {
  kind: string;
  name: string;
  lines: string[];
}

/** Splits a config into its sections; lines before the first section are kept as kind ''. */
function sections(text: string): Section[] {
  const out: Section[] = [{ kind: '', name: '', lines: [] }];
  for (const line of text.split('\n')) {
    const m = /^(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program)\b\s*(\S*)/.exec(line);
    if (m) out.push({ kind: m[1] as string, name: m[2] ?? '', lines: [line] });
    else out[out.length - 1]?.lines.push(line);
  }
  return out;
}

const SERVER_LINE = /^(\s*)server\s+(\S+)\s+(\S+):(\d+)(.*)$/;

/**
 * Rewrites the shipped config for a test on loopback. What changes, and nothing else:
 *  - global: no chroot/user/group/daemon, log to stdout, maxconn 4096, the runtime API socket in
 *    `dir` (or none);
 *  - frontend parley_http binds 127.0.0.1:`httpPort`; kept TCP frontends bind their given ports;
 *    other TCP frontends and their backends, and the stats frontend unless `statsPort`, are left out;
 *  - in each backend the `server` lines become one line per given node, made from the first
 *    `server` line of the backend: name, address and port replaced, `check port N` set to the
 *    node's HTTP port.
 */
export function renderHaproxyConfig(
  text: string,
  o: { nodes: HaproxyNode[]; httpPort: number; tcp?: Record<string, number>; statsPort?: number; socketPath?: string },
): string {
  const tcp = o.tcp ?? {};
  const out: string[] = [];
  for (const s of sections(text)) {
    if (s.kind === 'frontend' || s.kind === 'backend' || s.kind === 'listen') {
      const keep =
        s.name === 'parley_http' ||
        s.name in tcp ||
        (s.name === 'stats' && o.statsPort !== undefined && s.kind !== 'backend');
      if (!keep) continue;
    }
    let serversDone = false;
    for (const line of s.lines) {
      const trimmed = line.trim();
      if (s.kind === 'global') {
        if (line === s.lines[0]) {
          out.push(line, '    log stdout format raw local0 info');
          continue;
        }
        if (/^(chroot|user|group|daemon|log|hard-stop-after)\b/.test(trimmed)) continue;
        if (/^maxconn\b/.test(trimmed)) {
          out.push('    maxconn 4096');
          continue;
        }
        if (/^stats socket\b/.test(trimmed)) {
          if (o.socketPath) out.push(`    stats socket ${o.socketPath} mode 600 level admin`);
          continue;
        }
      }
      if (s.kind === 'frontend' && /^bind\b/.test(trimmed)) {
        const port = s.name === 'parley_http' ? o.httpPort : s.name === 'stats' ? o.statsPort : tcp[s.name];
        out.push(`    bind 127.0.0.1:${port}`);
        continue;
      }
      const server = SERVER_LINE.exec(line);
      if (server) {
        if (serversDone) continue;
        serversDone = true;
        const [, indent, , , , rest = ''] = server;
        for (const node of o.nodes) {
          const port = s.name === 'parley_http' ? node.port : node.tcpPorts?.[s.name];
          if (port === undefined) throw new Error(`node ${node.name} has no port for backend ${s.name} (tcpPorts)`);
          const options = rest.replace(/\bport\s+\d+/, `port ${node.port}`);
          out.push(`${indent}server ${node.name} ${node.host ?? '127.0.0.1'}:${port}${options}`);
        }
        continue;
      }
      out.push(line);
    }
  }
  return out.join('\n');
}

/** Sends one command to HAProxy's runtime API socket and returns the whole answer. */
function haproxyCommand(socketPath: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(3000, () => socket.destroy(new Error(`haproxy socket: no answer to ${cmd}`)));
    socket.on('connect', () => socket.write(`${cmd}\n`));
    socket.on('data', (s: string) => {
      answer += s;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

/** The shipped HAProxy configuration, rendered for loopback and run in the foreground (`-db`). */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const dir = tempDir('parley-haproxy-');
  const port = options.httpPort ?? (await freePort());
  const socketPath = options.statsSocket === false ? undefined : join(dir, 'admin.sock');
  const config = renderHaproxyConfig(readFileSync(options.configFile ?? HAPROXY_CFG, 'utf8'), {
    nodes: options.nodes,
    httpPort: port,
    tcp: options.tcp,
    statsPort: options.statsPort,
    socketPath,
  });
  const configPath = join(dir, 'haproxy.cfg');
  writeFileSync(configPath, config);
  const logs: string[] = [];
  const proc = track(HAPROXY, ['-f', configPath, '-db'], { onLine: (line) => pushBounded(logs, line, 500) });
  const url = `http://127.0.0.1:${port}`;
  const describe = () => `haproxy on ${url}\n${logs.slice(-30).join('\n')}`;
  try {
    await waitUntil(
      async () => {
        if (proc.done()) throw new Error(`haproxy exited on start: ${describe()}`);
        if (socketPath && !existsSync(socketPath)) return false;
        // Any HTTP answer (a 503 while no node is up counts) means the frontend is there.
        return fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
          async (res) => {
            await res.body?.cancel();
            return true;
          },
          () => false,
        );
      },
      options.timeoutMs ?? 10_000,
      describe,
    );
  } catch (err) {
    await proc.terminate('SIGKILL', 2000);
    throw err;
  }

  const command = (cmd: string) => {
    if (!socketPath) throw new Error('startHaproxy({ statsSocket: false }): no runtime API');
    return haproxyCommand(socketPath, cmd);
  };
  /** One column of `show stat` per server of `backend`. */
  const statColumn = async (backend: string, column: string) => {
    const csv = await command('show stat');
    const [header = '', ...rows] = csv.split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const px = columns.indexOf('pxname');
    const sv = columns.indexOf('svname');
    const col = columns.indexOf(column);
    if (col < 0) throw new Error(`show stat has no column ${column}: ${header}`);
    const result: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[px] !== backend || cells[sv] === 'FRONTEND' || cells[sv] === 'BACKEND') continue;
      result[cells[sv] as string] = cells[col] as string;
    }
    return result;
  };
  const backendStatus = (backend = 'parley_http') => statColumn(backend, 'status');
  return {
    url,
    port,
    config,
    configPath,
    socketPath,
    logs,
    backendStatus,
    async serverSessions(backend = 'parley_http') {
      const scur = await statColumn(backend, 'scur');
      return Object.fromEntries(Object.entries(scur).map(([name, n]) => [name, Number(n)]));
    },
    async waitForStatus(name, status, o = {}) {
      let last: Record<string, ServerStatus> = {};
      await waitUntil(
        async () => {
          last = await backendStatus(o.backend);
          return last[name] === status;
        },
        o.timeoutMs ?? 10_000,
        () => `${o.backend ?? 'parley_http'}/${name} to be ${status}; now ${JSON.stringify(last)}`,
      );
    },
    command,
    async stop() {
      await proc.terminate('SIGTERM', 5000);
      removeTemp(dir);
    },
  };
}

/* ------------------------------------------------------------------------------------------------
 * Parley nodes
 * --------------------------------------------------------------------------------------------- */

export interface NodeOptions {
  nodeId: string;
  natsUrl: string;
  /** postgres://… of the cluster's database. */
  dbUrl: string;
  /** Default a free port, chosen once so restart() keeps it. */
  httpPort?: number;
  /**
   * The secrets key file every node of a cluster must share; default one key file per test
   * process, shared by all nodes it spawns.
   */
  secretsKeyFile?: string;
  /** Extra environment (PARLEY_* settings); undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** Lines of output kept in `logs`; default 300. */
  logLines?: number;
  /** How long to wait for `listening on`; default 30 s. */
  timeoutMs?: number;
}

/** One JSON log record of a node. */
export type NodeLogRecord = Record<string, unknown> & { msg?: string; level?: number };

export interface ClusterNode {
  nodeId: string;
  /** http://127.0.0.1:PORT, as the node logged it. */
  url: string;
  port: number;
  /** Process id of the current process (changes on restart). */
  readonly pid: number;
  /** The last lines of stdout/stderr (raw), for failure messages. */
  logs: string[];
  /** The parsed JSON log records of the current process (since the last (re)start). */
  records: NodeLogRecord[];
  /** Whether the current process is running. */
  running(): boolean;
  /** Resolves with the first record of the current process matching `predicate`. */
  waitForLog(predicate: (r: NodeLogRecord) => boolean, timeoutMs?: number): Promise<NodeLogRecord>;
  /** Sends `signal` (default SIGKILL: a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  /** Graceful stop: SIGTERM, waits for the exit (SIGKILL after `timeoutMs`, default 20 s). */
  stop(timeoutMs?: number): Promise<Exit>;
  /** Stops it if running, then starts it again with the same id and port; resolves once it listens. */
  restart(): Promise<void>;
}

let sharedKeyFile: string | undefined;
/** A secrets key file shared by the nodes of this test process (like one key distributed to all nodes). */
function clusterKeyFile(): string {
  if (!sharedKeyFile) {
    sharedKeyFile = join(tempDir('parley-key-'), 'secrets.key');
    writeFileSync(sharedKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  return sharedKeyFile;
}

/**
 * A real Parley node: `parley serve --http-port P` as a child process in cluster mode (PARLEY_DB,
 * PARLEY_NATS, PARLEY_NODE_ID), JSON logs, cheap password hashing, no demo tenant. Resolves once
 * it has logged `listening on`.
 */
export async function spawnNode(options: NodeOptions): Promise<ClusterNode> {
  const port = options.httpPort ?? (await freePort());
  const dataDir = tempDir(`parley-${options.nodeId}-`);
  const maxLines = options.logLines ?? 300;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const logs: string[] = [];
  let records: NodeLogRecord[] = [];
  let proc: Proc | undefined;
  const waiters = new Set<() => void>();
  const env = childEnv({
    PARLEY_DB: options.dbUrl,
    PARLEY_NATS: options.natsUrl,
    PARLEY_NODE_ID: options.nodeId,
    PARLEY_DATA: dataDir,
    PARLEY_SECRETS_KEY_FILE: options.secretsKeyFile ?? clusterKeyFile(),
    PARLEY_BOOTSTRAP_DEMO_TENANT: 'false',
    PARLEY_AUTH_SCRYPT_COST: '1024',
    PARLEY_LOG_FORMAT: 'json',
    PARLEY_LOG_LEVEL: 'info',
    PARLEY_HTTP_HOST: '127.0.0.1',
    ...options.env,
  });
  const describe = () => `node ${options.nodeId} (port ${port}):\n${logs.slice(-40).join('\n')}`;

  const waitForLog = (predicate: (r: NodeLogRecord) => boolean, ms = timeoutMs) => {
    const current = proc;
    return new Promise<NodeLogRecord>((resolve, reject) => {
      const check = () => {
        const found = records.find(predicate);
        if (found) return done(undefined, found);
        if (!current || current.done()) return done(new Error(`node ${options.nodeId} exited first\n${describe()}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms\n${describe()}`)), ms);
      const done = (err?: Error, r?: NodeLogRecord) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(err);
        else resolve(r as NodeLogRecord);
      };
      waiters.add(check);
      check();
    });
  };

  let url = `http://127.0.0.1:${port}`;
  const start = async () => {
    records = [];
    const p = track(process.execPath, [BIN, 'serve', '--http-port', String(port)], {
      env,
      cwd: dataDir,
      onLine: (line, stream) => {
        pushBounded(logs, stream === 'stderr' ? `[stderr] ${line}` : line, maxLines);
        if (stream === 'stdout') {
          try {
            records.push(JSON.parse(line) as NodeLogRecord);
          } catch {
            // not JSON (a stack trace, tsx noise): kept in logs only
          }
        }
        for (const w of [...waiters]) w();
      },
    });
    proc = p;
    void p.exited.then(() => {
      for (const w of [...waiters]) w();
    });
    const listening = await waitForLog((r) => r.listener === 'http' && typeof r.url === 'string');
    url = listening.url as string;
  };
  await start();

  return {
    nodeId: options.nodeId,
    get url() {
      return url;
    },
    port,
    get pid() {
      return proc?.child.pid ?? 0;
    },
    logs,
    get records() {
      return records;
    },
    running: () => proc !== undefined && !proc.done(),
    waitForLog,
    kill: async (signal = 'SIGKILL') => (proc ? proc.terminate(signal, 10_000) : { code: null, signal: null }),
    stop: async (ms = 20_000) => (proc ? proc.terminate('SIGTERM', ms) : { code: null, signal: null }),
    async restart() {
      await proc?.terminate('SIGTERM', 20_000);
      await start();
    },
  };
}

/* ------------------------------------------------------------------------------------------------
 * PostgreSQL
 * --------------------------------------------------------------------------------------------- */

export interface TestDatabase {
  name: string;
  /** postgres://…/NAME on the interop suite's server. */
  url: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

/**
 * A fresh throwaway database on the interop suite's PostgreSQL, for child processes (which cannot
 * be pointed at a schema): `create database parley_t_…`, dropped by drop().
 */
export async function createTestDatabase(prefix = 'parley_t'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await postgresAdmin(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => postgresAdmin(`drop database if exists ${name} with (force)`),
  };
}

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { closeCore, openCore } from '../../src/create-server.js';
import { runCli as runInProcess } from '../../src/main.js';
import { loadConfig } from '../../src/platform/config/load.js';

/** The real `parley` command. */
export const BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

/** A fresh folder under the system temp folder. */
export const tempDir = (prefix = 'parley-cli-') => mkdtempSync(join(tmpdir(), prefix));

/**
 * The environment of a child: ours without any PARLEY_* setting (so the developer's shell cannot
 * change results) and without the test runner's own variables, plus cheap password hashing.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('PARLEY_') || key.startsWith('NODE_TEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  env.PARLEY_AUTH_SCRYPT_COST = '1024';
  // Several servers run at once: each takes a free SIP and CSTA port unless a test names one.
  env.PARLEY_SIP_PORT = '0';
  env.PARLEY_SIP_TLS_PORT = '0';
  env.PARLEY_CSTA_PORT = '0';
  env.PARLEY_XMPP_PORT = '0';
  env.PARLEY_XMPP_C2S_TLS_PORT = '0';
  env.PARLEY_XMPP_S2S_PORT = '0';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface RunOptions {
  /** Changes to the environment (`undefined` removes a variable); see `childEnv`. */
  env?: Record<string, string | undefined>;
  /** Written to standard input, which is then closed (it is always closed, never a TTY). */
  input?: string;
}

export interface SpawnOptions extends RunOptions {
  cwd?: string;
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `parley ARGS…` in this process, as the real command would with the environment
 * `childEnv(options.env)` and `input` on standard input, capturing what it writes. For a command's
 * logic; `spawnCli` is the real process. Relative paths are this process's working folder's: give
 * every command a data folder (PARLEY_DATA or --data), as `sandbox()` does.
 */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runInProcess(args, {
    env: childEnv(options.env),
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdin: Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]),
    stderrIsTTY: false,
  });
  return { code, signal: null, stdout, stderr };
}

const children = new Set<ChildProcess>();

/** At most this many spawned CLI runs at a time: every run starts node and tsx, which is CPU-heavy. */
const MAX_RUNNING = 2;
let running = 0;
const queue: (() => void)[] = [];

/**
 * Runs the real `parley ARGS…` (bin/parley.js in a new process) to completion: for the end-to-end
 * path (the bin, exit statuses, what reaches stderr). A hung child is killed after `timeoutMs`.
 */
export async function spawnCli(args: string[], options: SpawnOptions = {}): Promise<CliResult> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await runProcess(process.execPath, [BIN, ...args], {
      ...options,
      cwd: options.cwd ?? tmpdir(),
      env: childEnv(options.env),
      what: `parley ${args.join(' ')}`,
    });
  } finally {
    running--;
    queue.shift()?.();
  }
}

/**
 * Runs any command to completion with `input` on its standard input (then closed); a hung child
 * is killed after `timeoutMs` (default 60 s) and the promise rejects. Children still running
 * when the test process ends are killed.
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; what?: string } = {},
): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.env !== undefined && { env: options.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.what ?? command} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Asserts success: exit status 0 and nothing on stderr. */
export function assertOk(r: CliResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.stderr, '');
}

/** Asserts a failed command: exit status 1, nothing on stdout, exactly one `parley: error: …` line. */
export function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr:\n${r.stderr}`);
  assert.match(lines[0] ?? '', /^parley: error: /);
  assert.match(lines[0] ?? '', pattern);
}

/** The output of `tenant list --json`. */
export const tenantsJson = (r: CliResult) =>
  JSON.parse(r.stdout) as { domains: string[]; name: string; country: string; areaCode: string; users: number }[];
/** The output of `user list --json`. */
export const usersJson = (r: CliResult) => JSON.parse(r.stdout) as { local: string; domain: string; role: string }[];

/** A sandbox: its own data folder and working folder. */
export interface Sandbox {
  root: string;
  dataDir: string;
  cwd: string;
  /** `runCli` on the sandbox's data folder. */
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  /** `spawnCli` on the sandbox's data folder, in its working folder. */
  spawn(args: string[], options?: SpawnOptions): Promise<CliResult>;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const root = tempDir();
  const dataDir = join(root, 'data');
  const cwd = join(root, 'cwd');
  mkdirSync(cwd);
  return {
    root,
    dataDir,
    cwd,
    run: (args, options = {}) => runCli(args, { ...options, env: { PARLEY_DATA: dataDir, ...options.env } }),
    spawn: (args, options = {}) => spawnCli(args, { cwd, ...options, env: { PARLEY_DATA: dataDir, ...options.env } }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * A sandbox for a whole test file: made before its first test, removed (with any children still
 * running) after its last.
 */
export function fileSandbox(): Sandbox {
  let inner: Sandbox | undefined;
  before(() => {
    inner = sandbox();
  });
  after(() => {
    killChildren();
    inner?.cleanup();
  });
  const get = () => {
    if (!inner) throw new Error('fileSandbox() is used before its before() hook ran');
    return inner;
  };
  return {
    get root() {
      return get().root;
    },
    get dataDir() {
      return get().dataDir;
    },
    get cwd() {
      return get().cwd;
    },
    run: (args, options) => get().run(args, options),
    spawn: (args, options) => get().spawn(args, options),
    cleanup: () => get().cleanup(),
  };
}

/** One JSON log record of the server. */
export type LogRecord = Record<string, unknown> & { msg?: string; level?: number };

export interface ServeProcess {
  child: ChildProcess;
  /** Every stdout line parsed as JSON (a line that is not JSON fails `waitFor`). */
  records: LogRecord[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first record matching `predicate`; rejects on timeout or exit. */
  waitFor(predicate: (r: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits (bounded) for the process to exit by itself; SIGKILLs it and rejects on timeout. */
  wait(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits (bounded) for the exit; SIGKILLs on timeout. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `parley serve ARGS…` in the background; its stdout is expected to be JSON log lines. */
export function startServe(args: string[], options: SpawnOptions = {}): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const records: LogRecord[] = [];
  let out = '';
  let err = '';
  let partial = '';
  let badLine: string | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as LogRecord);
      } catch {
        badLine ??= line;
      }
    }
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      exit = { code, signal };
      resolve(exit);
      notify();
    });
  });
  const describe = () => `stdout:\n${out}\nstderr:\n${err}`;
  const waitExit = async (timeoutMs: number, what: string) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`parley serve did not exit within ${timeoutMs} ms ${what}\n${describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    child,
    records,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (badLine !== undefined) return done(new Error(`a log line is not JSON: ${badLine}`));
          const found = records.find(predicate);
          if (found) return done(undefined, found);
          if (exit) return done(new Error(`parley serve exited (${exit.code ?? exit.signal}) first\n${describe()}`));
        };
        const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms\n${describe()}`)), timeoutMs);
        const done = (e?: Error, r?: LogRecord) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) reject(e);
          else resolve(r as LogRecord);
        };
        waiters.add(check);
        check();
      });
    },
    wait: (timeoutMs = 30_000) => waitExit(timeoutMs, 'on its own'),
    stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (!exit) child.kill(signal);
      return waitExit(timeoutMs, `after ${signal}`);
    },
  };
}

/** Kills every child this module started that is still running (for `after` hooks). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Polls `url` until it answers 200 or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs = 15_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return res;
      last = `status ${res.status}`;
      await res.body?.cancel();
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms: ${String(last)}`);
}

/**
 * Whether `password` signs `address` in, checked through the core on the data folder (or
 * database URL) the CLI wrote to.
 */
export async function canLogin(
  where: { dataDir: string; db?: string },
  address: string,
  password: string,
): Promise<boolean> {
  const config = loadConfig({
    env: {},
    overrides: { dataDir: where.dataDir, 'database.url': where.db, 'auth.scryptCost': 1024, 'log.level': 'silent' },
  });
  const core = await openCore({ config, log: pino({ level: 'silent' }) });
  try {
    await core.auth.login(address, password, { address: null, userAgent: 'cli.test' });
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'PARLEY_ERR_INVALID_CREDENTIALS') return false;
    throw err;
  } finally {
    await closeCore(core);
  }
}

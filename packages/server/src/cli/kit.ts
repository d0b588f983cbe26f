import { Address } from '@parley/api';
import { type Command, Option } from 'commander';
import pino from 'pino';
import type { z } from 'zod';
import type { Services } from '../compose.js';
import type { User } from '../core/users/model.js';
import { closeCore, openCore } from '../create-server.js';
import { loadConfig } from '../platform/config/load.js';
import type { Config } from '../platform/config/schema.js';

/** A CLI failure: printed as one line, exit status 1. */
export class CliError extends Error {}

/**
 * Where one run of the CLI reads and writes: the process's own streams and environment (`main`),
 * or a test's, so a command's logic runs in-process.
 */
export interface CliIo {
  /** The environment the PARLEY_* settings are read from. */
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard input, read by `--password-stdin`; `isTTY` when it is a terminal. */
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean };
  /** Whether standard error is a terminal (progress bars are drawn only then). */
  stderrIsTTY: boolean;
}

/** Parses a command-line value with a schema; a one-line error naming `what` otherwise. */
export function arg<S extends z.ZodType>(schema: S, value: string, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new CliError(`${what} "${value}": ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

export interface CommonFlags {
  config?: string;
  data?: string;
  db?: string;
}

/**
 * An option whose value may also come from an environment variable. The configuration loader
 * reads that variable from the run's environment (`CliIo.env`), so the option only names it.
 */
export const envOption = (flags: string, description: string, env: string) =>
  new Option(flags, `${description} (env: ${env})`);

/** The options every command that opens the configuration takes. */
export const withCommon = (cmd: Command) =>
  cmd
    .addOption(envOption('-c, --config <file>', 'YAML configuration file', 'PARLEY_CONFIG'))
    .addOption(envOption('-d, --data <dir>', 'data folder (default ./data)', 'PARLEY_DATA'))
    .addOption(envOption('--db <url>', 'database URL: sqlite:PATH or postgres://…', 'PARLEY_DB'));

/** Aligned columns, the first row being the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A user by user@domain, or a one-line error. */
export async function resolveUser(core: Services, address: string): Promise<User> {
  const user = await core.users.byAddress(arg(Address, address, 'user'));
  if (!user) throw new CliError(`no user ${address}`);
  return user;
}

/** One run of the CLI: its output, its configuration, the core it opens. */
export class Cli {
  constructor(readonly io: CliIo) {}

  /** Prints one line on standard output. */
  print(line: string): void {
    this.io.stdout(`${line}\n`);
  }

  /** The effective configuration: defaults < file < environment < flags (and `extra` flags). */
  config(flags: CommonFlags, extra: Record<string, unknown> = {}): Config {
    return loadConfig({
      file: flags.config,
      env: this.io.env,
      overrides: { dataDir: flags.data, 'database.url': flags.db, ...extra },
    });
  }

  /** Opens the store for an admin command, runs `fn`, closes it. Logs go to stderr, warnings and up. */
  async withCore<T>(flags: CommonFlags, fn: (core: Services) => Promise<T>): Promise<T> {
    const config = this.config(flags);
    const level = config.log.level === 'info' ? 'warn' : config.log.level;
    const core = await openCore({ config, log: pino({ level }, { write: (s: string) => this.io.stderr(s) }) });
    try {
      return await fn(core);
    } finally {
      await closeCore(core);
    }
  }

  /**
   * A progress bar on stderr when it is a terminal; nothing otherwise (the summary follows), or
   * with `linesFrom` a line per tenth of the work done (`fraction`, e.g. of a large file read).
   */
  progressBar(label: string, options: { linesFrom?: boolean } = {}) {
    const { io } = this;
    let last = 0;
    let tenths = 0;
    return {
      update: ({ done, total, fraction }: { done: number; total: number | null; fraction?: number }) => {
        if (!io.stderrIsTTY) {
          const now = fraction === undefined ? 0 : Math.floor(Math.min(fraction, 1) * 10);
          if (options.linesFrom && now > tenths) io.stderr(`${label}: ${now * 10}% (${done} read)\n`);
          tenths = Math.max(tenths, now);
          return;
        }
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        const width = 30;
        const part = fraction ?? (total && total > 0 ? Math.min(done, total) / total : undefined);
        const bar =
          part === undefined
            ? `${done} read`
            : `[${'#'.repeat(Math.round(Math.min(part, 1) * width)).padEnd(width, '-')}] ${
                fraction === undefined ? `${done}/${total}` : `${Math.floor(Math.min(fraction, 1) * 100)}% ${done} read`
              }`;
        io.stderr(`\r${label} ${bar}`);
      },
      done: () => {
        if (io.stderrIsTTY && last > 0) io.stderr('\n');
      },
    };
  }

  /** Standard input as text, for `--password-stdin` (never a terminal). */
  async readStdin(): Promise<string> {
    if (this.io.stdin.isTTY) throw new CliError('--password-stdin needs the password on standard input');
    const chunks: Buffer[] = [];
    for await (const chunk of this.io.stdin) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }
}

import { Command, CommanderError } from 'commander';
import { clusterCommands } from './cli/cluster.js';
import { configCommands } from './cli/config.js';
import { cstaAppCommands } from './cli/csta-app.js';
import { deviceCommands } from './cli/device.js';
import { directoryCommands } from './cli/directory.js';
import { federationCommands } from './cli/federation.js';
import { Cli, CliError, type CliIo } from './cli/kit.js';
import { ldapAccountCommands } from './cli/ldap-account.js';
import { lineCommands } from './cli/line.js';
import { migrateCommands } from './cli/migrate.js';
import { serveCommands } from './cli/serve.js';
import { tenantCommands } from './cli/tenant.js';
import { trunkCommands } from './cli/trunk.js';
import { userCommands } from './cli/user.js';
import { ParleyError } from './core/errors.js';
import { version } from './create-server.js';
import { ConfigError } from './platform/config/load.js';

/**
 * Every command group, each in its own `cli/<noun>.ts`, in the order `--help` lists them. A new
 * group (e.g. a protocol's) is one file and one line here.
 */
const groups = [
  serveCommands,
  migrateCommands,
  configCommands,
  clusterCommands,
  directoryCommands,
  tenantCommands,
  userCommands,
  lineCommands,
  deviceCommands,
  cstaAppCommands,
  ldapAccountCommands,
  trunkCommands,
  federationCommands,
];

/** The `parley` program for one run, writing to `io`. */
export function buildCli(io: CliIo): Command {
  const program = new Command('parley')
    .description('Parley — Unified Communications & Collaboration server')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (s, write) => write(s) });
  const cli = new Cli(io);
  for (const register of groups) register(program, cli);
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();
  return program;
}

/** How a failure is shown: one line on stderr (a configuration error lists its problems). */
export function printError(err: unknown, io: Pick<CliIo, 'stderr'>): void {
  if (err instanceof ConfigError) {
    io.stderr(`parley: ${err.message}\n`);
  } else if (err instanceof CliError || err instanceof ParleyError) {
    io.stderr(`parley: error: ${err.message}\n`);
  } else {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`parley: error: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
  }
}

/**
 * Runs `parley ARGS…` (without node and the script) against `io` and resolves with the exit
 * status: 0, a usage error's status, or 1 after printing a failure. `serve` resolves once the
 * server listens and keeps running.
 *
 * @example
 * const code = await runCli(['tenant', 'list', '--json'], { env: process.env, stdout, stderr, stdin, stderrIsTTY: false });
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  try {
    await buildCli(io).parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    printError(err, io);
    return 1;
  }
}

/** The `parley` command: the CLI on the process's own streams and environment. */
export async function main(argv: string[]): Promise<void> {
  // Everything the server and its commands create (database, -wal/-shm, keys, attachments) is
  // private to the server's user, whatever the shell's umask.
  process.umask(0o077);
  process.exitCode = await runCli(argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: process.stdin,
    stderrIsTTY: process.stderr.isTTY === true,
  });
}

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Address, AreaCode, CountryCode, DisplayName, Domain, Password, PhoneNumber, Role } from '@parley/api';
import { Command, CommanderError, Option } from 'commander';
import pino from 'pino';
import type { z } from 'zod';
import { clusterView } from './adapters/http/routes/cluster.js';
import { sourceView } from './adapters/http/routes/directory.js';
import { deviceCommands } from './cli/device.js';
import type { Services } from './compose.js';
import { ParleyError } from './core/errors.js';
import type { Core } from './core/index.js';
import { closeCore, createServer, openCore, version } from './create-server.js';
import { fileSource } from './directory/connectors.js';
import type { SyncSummary } from './directory/service.js';
import { ConfigError, loadConfig, readConfigFile } from './platform/config/load.js';
import { createLogger } from './platform/log.js';

/** A CLI failure: printed as one line, exit status 1. */
class CliError extends Error {}

function arg<S extends z.ZodType>(schema: S, value: string, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new CliError(`${what} "${value}": ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

export interface CommonFlags {
  config?: string;
  data?: string;
  db?: string;
}

const withCommon = (cmd: Command) =>
  cmd
    .addOption(new Option('-c, --config <file>', 'YAML configuration file').env('PARLEY_CONFIG'))
    .addOption(new Option('-d, --data <dir>', 'data folder (default ./data)').env('PARLEY_DATA'))
    .addOption(new Option('--db <url>', 'database URL: sqlite:PATH or postgres://…').env('PARLEY_DB'));

const configFrom = (flags: CommonFlags, extra: Record<string, unknown> = {}) =>
  loadConfig({ file: flags.config, overrides: { dataDir: flags.data, 'database.url': flags.db, ...extra } });

/** Opens the store for an admin command, runs `fn`, closes it. Logs go to stderr, warnings and up. */
async function withCore<T>(flags: CommonFlags, fn: (core: Services) => Promise<T>): Promise<T> {
  const config = configFrom(flags);
  const level = config.log.level === 'info' ? 'warn' : config.log.level;
  const core = await openCore({ config, log: pino({ level }, pino.destination(2)) });
  try {
    return await fn(core);
  } finally {
    await closeCore(core);
  }
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (the summary follows). */
function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update: ({ done, total }: { done: number; total: number | null }) => {
      const now = Date.now();
      if (!tty || now - last < 100) return;
      last = now;
      const width = 30;
      const bar =
        total && total > 0
          ? `[${'#'.repeat(Math.round((Math.min(done, total) / total) * width)).padEnd(width, '-')}] ${done}/${total}`
          : `${done} read`;
      process.stderr.write(`\r${label} ${bar}`);
    },
    done: () => {
      if (tty && last > 0) process.stderr.write('\n');
    },
  };
}

function printSummary(s: SyncSummary) {
  console.log(
    `${s.source}: ${s.entries} entries (${s.upserted} read, ${s.removed} removed${s.full ? ', full sync' : ''}) in ${(s.ms / 1000).toFixed(1)} s`,
  );
  if (s.invalidNumbers > 0)
    console.log(`  ${s.invalidNumbers} numbers could not be understood (see the source's report)`);
  if (s.skippedRows > 0) console.log(`  ${s.skippedRows} rows skipped:`);
}

function table(rows: string[][]): string {
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

async function readStdinPassword(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('--password-stdin needs the password on standard input');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const r = Password.safeParse(
    Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, ''),
  );
  // Unlike other arguments, the value is never echoed back.
  if (!r.success) throw new CliError(`password: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

async function resolveUser(core: Core, address: string) {
  const user = await core.users.byAddress(arg(Address, address, 'user'));
  if (!user) throw new CliError(`no user ${address}`);
  return user;
}

async function serve(flags: CommonFlags & { httpHost?: string; httpPort?: string; logLevel?: string }) {
  const overrides: Record<string, unknown> = {};
  if (flags.httpHost !== undefined) overrides['http.host'] = flags.httpHost;
  if (flags.httpPort !== undefined) {
    if (!/^\d+$/.test(flags.httpPort)) throw new CliError(`--http-port "${flags.httpPort}": must be a port number`);
    overrides['http.port'] = Number(flags.httpPort);
  }
  if (flags.logLevel !== undefined) overrides['log.level'] = flags.logLevel;
  const config = configFrom(flags, overrides);
  const log = createLogger(config.log);
  log.info(
    { version, dataDir: config.dataDir, database: config.database.url ? 'configured' : 'sqlite (data folder)' },
    'Parley starting',
  );
  const server = await createServer({ config, log });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'signal received');
    // Logs are written asynchronously: flush them before the process ends.
    const exit = (code: number) => log.flush(() => process.exit(code));
    server.stop().then(
      () => exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
}

export function buildCli(): Command {
  const program = new Command('parley')
    .description('Parley — Unified Communications & Collaboration server')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });

  withCommon(program.command('serve').description('Run the server'))
    .option('--http-host <address>', 'HTTP bind address')
    .option('--http-port <port>', 'HTTP port (0 picks a free one)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent')
    .action(serve);

  withCommon(program.command('migrate').description('Apply pending database migrations and exit')).action(
    async (flags: CommonFlags) => {
      await withCore(flags, async () => undefined);
      console.log('database is up to date');
    },
  );

  const config = program.command('config').description('Check configuration files');
  config
    .command('check')
    .description('Validate a YAML configuration file (with the environment applied) and exit')
    .argument('<file>', 'the file to check')
    .action((file: string) => {
      readConfigFile(file);
      loadConfig({ file });
      console.log(`${file}: ok`);
    });
  config
    .command('show')
    .description('Print the effective configuration as JSON (defaults, file, environment)')
    .addOption(new Option('-c, --config <file>', 'YAML configuration file').env('PARLEY_CONFIG'))
    .action((flags: { config?: string }) => {
      console.log(JSON.stringify(loadConfig({ file: flags.config }), null, 2));
    });

  const cluster = program.command('cluster').description('The nodes of a cluster');
  withCommon(cluster.command('status').description('Live nodes (heartbeats), their connections and job leases'))
    .option('--json', 'print JSON (as GET /api/v1/admin/cluster)')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const status = clusterView(await withCore(flags, (core) => core.ctx.cluster.status()));
      if (flags.json) return console.log(JSON.stringify(status, null, 2));
      if (!status.enabled) console.log('cluster mode is off (one embedded node); set PARLEY_NATS to run a cluster');
      else {
        const now = Date.now();
        console.log(
          table([
            ['NODE', 'INSTANCE', 'URL', 'VERSION', 'UP SINCE', 'HEARTBEAT', 'SOCKETS'],
            ...status.nodes.map((n) => [
              n.nodeId,
              n.instance,
              n.url ?? '-',
              n.version,
              n.startedAt,
              `${((now - Date.parse(n.heartbeatAt)) / 1000).toFixed(1)} s ago`,
              String(n.connections),
            ]),
          ]),
        );
        console.log(`\n${status.nodes.length} live node(s)`);
        if (status.leases.length > 0) {
          console.log(
            `\n${table([['JOB', 'NODE', 'SINCE'], ...status.leases.map((l) => [l.name, l.nodeId, l.since])])}`,
          );
        }
      }
    });

  const directory = program
    .command('directory')
    .description('The directory behind reverse lookup: sources, imports, lookups');
  const tenantOf = async (core: Core, domain: string) => core.tenants.byDomain(arg(Domain, domain, 'domain'));
  withCommon(directory.command('sources').description("A tenant's directory sources and their sync status"))
    .requiredOption('--tenant <domain>', 'the tenant (any of its domains)')
    .option('--json', 'print JSON (as GET /api/v1/admin/directory/sources)')
    .action(async (flags: CommonFlags & { tenant: string; json?: boolean }) => {
      const sources = await withCore(flags, async (core) =>
        (await core.directory.sources.list((await tenantOf(core, flags.tenant)).id)).map(sourceView),
      );
      if (flags.json) return console.log(JSON.stringify({ sources }, null, 2));
      console.log(
        table([
          ['NAME', 'KIND', 'PRIORITY', 'STATE', 'ENTRIES', 'BAD NUMBERS', 'LAST SYNC', 'ERROR'],
          ...sources.map((s) => [
            s.name,
            s.kind,
            String(s.priority),
            s.state,
            String(s.entries),
            String(s.invalidNumbers),
            s.lastSyncAt ?? '-',
            s.lastError ?? '',
          ]),
        ]),
      );
    });
  withCommon(
    directory.command('import').description('Import a CSV or vCard file (detected by its content) into a file source'),
  )
    .argument('<file>', 'the CSV or vCard file')
    .requiredOption('--tenant <domain>', 'the tenant (any of its domains)')
    .option('--source <name>', 'the source to import into (created when missing; default: the file name)')
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .option('--encoding <name>', 'utf-8, windows-1252 or iso-8859-1 (default: detected)')
    .action(
      async (
        file: string,
        flags: CommonFlags & { tenant: string; source?: string; delimiter?: string; encoding?: string },
      ) => {
        const data = await readFile(file).catch((err: NodeJS.ErrnoException) => {
          throw new CliError(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
        });
        const name = flags.source ?? basename(file).replace(/\.[^.]+$/, '');
        const options = {
          ...(flags.delimiter !== undefined && { delimiter: flags.delimiter }),
          ...(flags.encoding !== undefined && { encoding: flags.encoding }),
        };
        const summary = await withCore(flags, async (core) => {
          const t = await tenantOf(core, flags.tenant);
          const existing = (await core.directory.sources.list(t.id)).find((s) => s.name === name);
          if (existing && existing.kind !== 'file')
            throw new CliError(`source ${name} is a ${existing.kind} source, not a file source`);
          if (!existing) await core.directory.sources.create(t.id, { name, kind: 'file', config: options });
          const contacts = fileSource({ read: async () => data, ...options });
          const bar = progressBar(`importing ${basename(file)}`);
          try {
            return {
              result: await core.directory.sync.run(t.id, name, { contacts, onProgress: bar.update }),
              contacts,
            };
          } finally {
            bar.done();
          }
        });
        printSummary(summary.result);
        for (const row of summary.contacts.skippedRows) console.log(`  line ${row.line}: ${row.reason}`);
      },
    );
  withCommon(directory.command('sync').description('Sync a directory source now, with a progress bar'))
    .argument('<source>', 'the source name')
    .requiredOption('--tenant <domain>', 'the tenant (any of its domains)')
    .option('--full', 'read everything, not only what changed since the last sync')
    .action(async (source: string, flags: CommonFlags & { tenant: string; full?: boolean }) => {
      const result = await withCore(flags, async (core) => {
        const t = await tenantOf(core, flags.tenant);
        const bar = progressBar(`syncing ${source}`);
        try {
          return await core.directory.sync.run(t.id, source, { full: flags.full ?? false, onProgress: bar.update });
        } finally {
          bar.done();
        }
      });
      printSummary(result);
    });
  withCommon(directory.command('lookup').description('Reverse lookup of a number, best candidate first'))
    .argument('<number>', 'as dialled or displayed, e.g. "+49 711 123456" or 1234')
    .requiredOption('--tenant <domain>', 'the tenant (any of its domains)')
    .option('--json', 'print JSON (as GET /api/v1/directory/lookup)')
    .action(async (number: string, flags: CommonFlags & { tenant: string; json?: boolean }) => {
      const result = await withCore(flags, async (core) =>
        core.directory.tenant((await tenantOf(core, flags.tenant)).id).lookup(number, null),
      );
      if (flags.json) return console.log(JSON.stringify(result, null, 2));
      console.log(`${result.number}${result.kind === 'extension' ? ' (extension)' : ''}`);
      if (result.candidates.length === 0) return console.log('no match');
      console.log(
        table([
          ['NAME', 'COMPANY', 'MATCH', 'SCORE', 'SOURCE'],
          ...result.candidates.map((c) => [c.display, c.company ?? '', c.match, String(c.score), c.source]),
        ]),
      );
    });

  const tenant = program.command('tenant').description('Manage tenants (companies) and their domains');
  withCommon(tenant.command('add').description('Create a tenant with its primary domain'))
    .argument('<domain>', 'primary domain, e.g. example.com')
    .option('--name <name>', 'display name of the company')
    .option('--country <cc>', 'ISO country code of the numbering plan, e.g. DE')
    .option('--area-code <digits>', 'area code without trunk prefix, e.g. 711')
    .action(async (domain: string, flags: CommonFlags & { name?: string; country?: string; areaCode?: string }) => {
      const input = {
        domain: arg(Domain, domain, 'domain'),
        name: flags.name === undefined ? undefined : arg(DisplayName, flags.name, 'name'),
        country: flags.country === undefined ? undefined : arg(CountryCode, flags.country, 'country'),
        areaCode: flags.areaCode === undefined ? undefined : arg(AreaCode, flags.areaCode, 'area code'),
      };
      const t = await withCore(flags, (core) => core.tenants.create(input));
      console.log(`tenant ${t.domains[0]} created (id ${t.id})`);
    });
  withCommon(tenant.command('list').description('List tenants'))
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const rows = await withCore(flags, async (core) =>
        Promise.all(
          (await core.tenants.list()).map(async (t) => ({ ...t, users: await core.ctx.store.repos.users.count(t.id) })),
        ),
      );
      if (flags.json) return console.log(JSON.stringify(rows, null, 2));
      console.log(
        table([
          ['DOMAINS', 'NAME', 'COUNTRY', 'AREA', 'USERS', 'ID'],
          ...rows.map((t) => [t.domains.join(','), t.name, t.country ?? '', t.areaCode ?? '', String(t.users), t.id]),
        ]),
      );
    });
  withCommon(tenant.command('remove').description('Remove a tenant with all its users and data'))
    .argument('<domain>', 'any domain of the tenant')
    .option('--yes', 'confirm removing the tenant and everything in it')
    .action(async (domain: string, flags: CommonFlags & { yes?: boolean }) => {
      const d = arg(Domain, domain, 'domain');
      await withCore(flags, async (core) => {
        const t = await core.tenants.byDomain(d);
        const users = await core.ctx.store.repos.users.count(t.id);
        if (!flags.yes)
          throw new CliError(`tenant ${d} has ${users} user(s); add --yes to remove it with everything in it`);
        await core.tenants.remove(t.id);
      });
      console.log(`tenant ${d} removed`);
    });

  const user = program.command('user').description('Manage users');
  withCommon(user.command('add').description('Create a user; prints a generated password once unless --password-stdin'))
    .argument('<address>', 'user@domain; the domain must belong to a tenant')
    .addOption(new Option('--role <role>', 'role').choices(Role.options).default('user'))
    .option('--name <display name>', 'display name')
    .option('--email <address>', 'e-mail address')
    .option('--number <number...>', 'phone numbers (extension or full number)')
    .option('--password-stdin', 'read the password from standard input')
    .action(
      async (
        address: string,
        flags: CommonFlags & {
          role: z.infer<typeof Role>;
          name?: string;
          email?: string;
          number?: string[];
          passwordStdin?: boolean;
        },
      ) => {
        const addr = arg(Address, address, 'user');
        const at = addr.lastIndexOf('@');
        const password = flags.passwordStdin ? await readStdinPassword() : undefined;
        const numbers = flags.number?.map((n) => arg(PhoneNumber, n, 'number'));
        const result = await withCore(flags, async (core) => {
          const t = await core.tenants.byDomain(addr.slice(at + 1));
          return core.users.create(t.id, {
            local: addr.slice(0, at),
            domain: addr.slice(at + 1),
            role: flags.role,
            displayName: flags.name === undefined ? undefined : arg(DisplayName, flags.name, 'name'),
            email: flags.email,
            numbers,
            password,
          });
        });
        console.log(`user ${addr} created (${result.user.role})`);
        if (result.password) console.log(`password: ${result.password}`);
      },
    );
  withCommon(user.command('list').description('List users (of one tenant with DOMAIN, or all)'))
    .argument('[domain]', 'a domain of the tenant')
    .option('--json', 'print JSON')
    .action(async (domain: string | undefined, flags: CommonFlags & { json?: boolean }) => {
      const users = await withCore(flags, async (core) => {
        const tenants = domain
          ? [await core.tenants.byDomain(arg(Domain, domain, 'domain'))]
          : await core.tenants.list();
        return (await Promise.all(tenants.map((t) => core.users.list(t.id)))).flat();
      });
      if (flags.json) return console.log(JSON.stringify(users, null, 2));
      console.log(
        table([
          ['ADDRESS', 'NAME', 'ROLE', 'NUMBERS', 'STATE'],
          ...users.map((u) => [
            `${u.local}@${u.domain}`,
            u.displayName,
            u.role,
            u.numbers.join(','),
            u.disabledAt ? 'disabled' : 'active',
          ]),
        ]),
      );
    });
  withCommon(user.command('remove').description('Remove a user'))
    .argument('<address>', 'user@domain')
    .action(async (address: string, flags: CommonFlags) => {
      await withCore(flags, async (core) => {
        const u = await resolveUser(core, address);
        await core.users.remove(u.tenantId, u.id);
      });
      console.log(`user ${address} removed`);
    });
  withCommon(
    user.command('passwd').description("Set a user's password (generated and printed once unless --password-stdin)"),
  )
    .argument('<address>', 'user@domain')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (address: string, flags: CommonFlags & { passwordStdin?: boolean }) => {
      const password = flags.passwordStdin ? await readStdinPassword() : undefined;
      const generated = await withCore(flags, async (core) => {
        const u = await resolveUser(core, address);
        return core.users.setPassword(u.tenantId, u.id, password);
      });
      console.log(`password of ${address} changed; its sessions were signed out`);
      if (generated) console.log(`password: ${generated}`);
    });

  deviceCommands(program, { withCommon, withCore, resolveUser, table, parse: arg });

  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();
  return program;
}

/** Runs the CLI; every failure is one line on stderr and a non-zero exit. */
export async function main(argv: string[]): Promise<void> {
  // Everything the server and its commands create (database, -wal/-shm, keys, attachments) is
  // private to the server's user, whatever the shell's umask.
  process.umask(0o077);
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`parley: ${err.message}\n`);
    } else if (err instanceof CliError || err instanceof ParleyError) {
      process.stderr.write(`parley: error: ${err.message}\n`);
    } else {
      const e = err as NodeJS.ErrnoException;
      process.stderr.write(`parley: error: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
    }
    process.exitCode = 1;
  }
}

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Domain } from '@parley/api';
import type { Command } from 'commander';
import { sourceView } from '../adapters/http/routes/directory.js';
import type { Services } from '../compose.js';
import { fileSource } from '../directory/connectors.js';
import type { SyncSummary } from '../directory/service.js';
import { arg, type Cli, CliError, type CommonFlags, table, withCommon } from './kit.js';

type TenantFlags = CommonFlags & { tenant: string };

const tenantOf = async (core: Services, domain: string) => core.tenants.byDomain(arg(Domain, domain, 'domain'));

function printSummary(cli: Cli, s: SyncSummary) {
  cli.print(
    `${s.source}: ${s.entries} entries (${s.upserted} read, ${s.removed} removed${s.full ? ', full sync' : ''}) in ${(s.ms / 1000).toFixed(1)} s`,
  );
  if (s.invalidNumbers > 0)
    cli.print(`  ${s.invalidNumbers} numbers could not be understood (see the source's report)`);
  if (s.skippedRows > 0) cli.print(`  ${s.skippedRows} rows skipped:`);
}

/** From this size on, an import writes its progress as lines when stderr is no terminal (a log). */
const LONG_IMPORT_BYTES = 8 * 1024 * 1024;

async function fileSize(file: string): Promise<number> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (!info.isFile()) throw new CliError(`${file}: not a file`);
  return info.size;
}

/**
 * The error of a failed import, saying what it left: a source the import created is removed again
 * (nothing is left); an existing one keeps its last good contacts, in state error.
 */
async function failedImport(core: Services, tenantId: string, name: string, created: boolean, err: unknown) {
  const reason = err instanceof Error ? err.message : String(err);
  if (!created) return new CliError(`${reason} (source ${name} keeps its last good contacts)`);
  try {
    await core.directory.sources.remove(tenantId, name);
    return new CliError(`${reason} (nothing imported; source ${name} was not created)`);
  } catch (removal) {
    const why = removal instanceof Error ? removal.message : String(removal);
    return new CliError(
      `${reason}; the new source ${name} could not be removed (${why}): it is left empty, in state error`,
    );
  }
}

/** `parley directory sources|import|sync|lookup`: the directory behind reverse lookup. */
export function directoryCommands(program: Command, cli: Cli): void {
  const directory = program
    .command('directory')
    .description('The directory behind reverse lookup: sources, imports, lookups');
  withCommon(directory.command('sources').description("A tenant's directory sources and their sync status"))
    .requiredOption('--tenant <domain>', 'the tenant (any of its domains)')
    .option('--json', 'print JSON (as GET /api/v1/admin/directory/sources)')
    .action(async (flags: TenantFlags & { json?: boolean }) => {
      const sources = await cli.withCore(flags, async (core) =>
        (await core.directory.sources.list((await tenantOf(core, flags.tenant)).id)).map(sourceView),
      );
      if (flags.json) return cli.print(JSON.stringify({ sources }, null, 2));
      cli.print(
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
    .action(async (file: string, flags: TenantFlags & { source?: string; delimiter?: string; encoding?: string }) => {
      const size = await fileSize(file);
      const name = flags.source ?? basename(file).replace(/\.[^.]+$/, '');
      const options = {
        ...(flags.delimiter !== undefined && { delimiter: flags.delimiter }),
        ...(flags.encoding !== undefined && { encoding: flags.encoding }),
      };
      // Read as a stream (the pass that detects the encoding, then the one that imports): no size limit.
      let read = 0;
      const open = async function* () {
        read = 0;
        for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
          read += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      };
      const summary = await cli.withCore(flags, async (core) => {
        const t = await tenantOf(core, flags.tenant);
        const existing = (await core.directory.sources.list(t.id)).find((s) => s.name === name);
        if (existing && existing.kind !== 'file')
          throw new CliError(`source ${name} is a ${existing.kind} source, not a file source`);
        if (!existing) await core.directory.sources.create(t.id, { name, kind: 'file', config: options });
        const contacts = fileSource({
          read: () => readFile(file),
          open,
          ...options,
        });
        const bar = cli.progressBar(`importing ${basename(file)}`, { linesFrom: size >= LONG_IMPORT_BYTES });
        try {
          const result = await core.directory.sync.run(t.id, name, {
            contacts,
            onProgress: (p) => bar.update({ ...p, fraction: size > 0 ? read / size : 1 }),
          });
          return { result, contacts };
        } catch (err) {
          throw await failedImport(core, t.id, name, existing === undefined, err);
        } finally {
          bar.done();
        }
      });
      printSummary(cli, summary.result);
      for (const row of summary.contacts.skippedRows) cli.print(`  line ${row.line}: ${row.reason}`);
    });
  withCommon(directory.command('sync').description('Sync a directory source now, with a progress bar'))
    .argument('<source>', 'the source name')
    .requiredOption('--tenant <domain>', 'the tenant (any of its domains)')
    .option('--full', 'read everything, not only what changed since the last sync')
    .action(async (source: string, flags: TenantFlags & { full?: boolean }) => {
      const result = await cli.withCore(flags, async (core) => {
        const t = await tenantOf(core, flags.tenant);
        const bar = cli.progressBar(`syncing ${source}`);
        try {
          return await core.directory.sync.run(t.id, source, { full: flags.full ?? false, onProgress: bar.update });
        } finally {
          bar.done();
        }
      });
      printSummary(cli, result);
    });
  withCommon(directory.command('lookup').description('Reverse lookup of a number, best candidate first'))
    .argument('<number>', 'as dialled or displayed, e.g. "+49 711 123456" or 1234')
    .requiredOption('--tenant <domain>', 'the tenant (any of its domains)')
    .option('--json', 'print JSON (as GET /api/v1/directory/lookup)')
    .action(async (number: string, flags: TenantFlags & { json?: boolean }) => {
      const result = await cli.withCore(flags, async (core) =>
        core.directory.tenant((await tenantOf(core, flags.tenant)).id).lookup(number, null),
      );
      if (flags.json) return cli.print(JSON.stringify(result, null, 2));
      cli.print(`${result.number}${result.kind === 'extension' ? ' (extension)' : ''}`);
      if (result.candidates.length === 0) return cli.print('no match');
      cli.print(
        table([
          ['NAME', 'COMPANY', 'MATCH', 'SCORE', 'SOURCE'],
          ...result.candidates.map((c) => [c.display, c.company ?? '', c.match, String(c.score), c.source]),
        ]),
      );
    });
}

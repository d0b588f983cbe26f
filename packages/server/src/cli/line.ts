import { Domain, Extension, PhoneNumber } from '@parley/api';
import type { Command } from 'commander';
import { lineView } from '../adapters/views/lines.js';
import { arg, type Cli, type CommonFlags, resolveUser, table, withCommon } from './kit.js';

type JsonFlags = CommonFlags & { json?: boolean };

/** `parley line add|list|remove`: numbers (extension, optional DID) owned by users. */
export function lineCommands(program: Command, cli: Cli): void {
  const line = program.command('line').description("Manage users' lines (extensions and DIDs)");
  withCommon(line.command('add').description('Give a user a line: an extension, optionally a DID'))
    .argument('<number>', 'the extension, digits, e.g. 201')
    .requiredOption('--user <address>', 'the owner, user@domain')
    .option('--did <number>', "a direct number, E.164 or as the tenant's numbering plan reads it")
    .option('--json', 'print the line as JSON (as POST /api/v1/admin/lines answers)')
    .action(async (number: string, flags: JsonFlags & { user: string; did?: string }) => {
      const extension = arg(Extension, number, 'number');
      const did = flags.did === undefined ? undefined : arg(PhoneNumber, flags.did, 'did');
      const added = await cli.withCore(flags, async (core) => {
        const user = await resolveUser(core, flags.user);
        return lineView({
          line: await core.lines.add(user.tenantId, { number: extension, userId: user.id, did }),
          user,
        });
      });
      if (flags.json) return cli.print(JSON.stringify(added, null, 2));
      cli.print(`line ${added.number}${added.did ? ` (${added.did})` : ''} added for ${added.user}`);
    });
  withCommon(line.command('list').description('List lines (of one tenant with DOMAIN, or all)'))
    .argument('[domain]', 'a domain of the tenant')
    .option('--json', 'print JSON (as GET /api/v1/admin/lines)')
    .action(async (domain: string | undefined, flags: JsonFlags) => {
      const lines = await cli.withCore(flags, async (core) => {
        const tenants = domain
          ? [await core.tenants.byDomain(arg(Domain, domain, 'domain'))]
          : await core.tenants.list();
        return (await Promise.all(tenants.map((t) => core.lines.listOwned(t.id)))).flat().map(lineView);
      });
      if (flags.json) return cli.print(JSON.stringify({ lines }, null, 2));
      cli.print(table([['NUMBER', 'DID', 'USER'], ...lines.map((l) => [l.number, l.did ?? '-', l.user])]));
    });
  withCommon(line.command('remove').description("Remove a line; its devices ring for the owner's other lines"))
    .argument('<number>', 'the extension')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (number: string, flags: CommonFlags & { tenant: string }) => {
      const extension = arg(Extension, number, 'number');
      await cli.withCore(flags, async (core) => {
        const tenant = await core.tenants.byDomain(arg(Domain, flags.tenant, 'tenant'));
        await core.lines.remove(tenant.id, extension);
      });
      cli.print(`line ${extension} of ${flags.tenant} removed`);
    });
}

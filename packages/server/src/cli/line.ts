import { Domain, Extension, PhoneNumber, PickupGroup } from '@parley/api';
import type { Command } from 'commander';
import { lineView } from '../adapters/views/lines.js';
import { arg, type Cli, CliError, type CommonFlags, resolveUser, table, withCommon } from './kit.js';

type JsonFlags = CommonFlags & { json?: boolean };

/** `parley line add|list|pickup-group|remove`: numbers (extension, optional DID) owned by users. */
export function lineCommands(program: Command, cli: Cli): void {
  const line = program.command('line').description("Manage users' lines (extensions and DIDs)");
  withCommon(line.command('add').description('Give a user a line: an extension, optionally a DID'))
    .argument('<number>', 'the extension, digits, e.g. 201')
    .requiredOption('--user <address>', 'the owner, user@domain')
    .option('--did <number>', "a direct number, E.164 or as the tenant's numbering plan reads it")
    .option('--pickup-group <name>', 'put the line in this pickup group')
    .option('--json', 'print the line as JSON (as POST /api/v1/admin/lines answers)')
    .action(async (number: string, flags: JsonFlags & { user: string; did?: string; pickupGroup?: string }) => {
      const extension = arg(Extension, number, 'number');
      const did = flags.did === undefined ? undefined : arg(PhoneNumber, flags.did, 'did');
      const pickupGroup =
        flags.pickupGroup === undefined ? undefined : arg(PickupGroup, flags.pickupGroup, 'pickup-group');
      const added = await cli.withCore(flags, async (core) => {
        const user = await resolveUser(core, flags.user);
        return lineView({
          line: await core.lines.add(user.tenantId, { number: extension, userId: user.id, did, pickupGroup }),
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
      cli.print(
        table([
          ['NUMBER', 'DID', 'USER', 'PICKUP GROUP'],
          ...lines.map((l) => [l.number, l.did ?? '-', l.user, l.pickupGroup ?? '-']),
        ]),
      );
    });
  withCommon(
    line
      .command('pickup-group')
      .description(
        "Put a line in a pickup group (its users pick up the group's ringing calls), or with --none take it out",
      ),
  )
    .argument('<number>', 'the extension')
    .argument('[group]', 'the pickup group, e.g. sales')
    .option('--none', 'take the line out of its pickup group')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(
      async (number: string, group: string | undefined, flags: CommonFlags & { tenant: string; none?: boolean }) => {
        const extension = arg(Extension, number, 'number');
        if ((group === undefined) === !flags.none) throw new CliError('name a pickup group, or --none');
        const pickupGroup = group === undefined ? null : arg(PickupGroup, group, 'group');
        await cli.withCore(flags, async (core) => {
          const tenant = await core.tenants.byDomain(arg(Domain, flags.tenant, 'tenant'));
          await core.lines.setPickupGroup(tenant.id, extension, pickupGroup);
        });
        cli.print(
          pickupGroup === null
            ? `line ${extension} of ${flags.tenant} is in no pickup group`
            : `line ${extension} of ${flags.tenant} is in pickup group ${pickupGroup}`,
        );
      },
    );
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

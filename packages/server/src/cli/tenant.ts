import { AreaCode, CountryCode, DisplayName, Domain } from '@parley/api';
import type { Command } from 'commander';
import { arg, type Cli, CliError, type CommonFlags, table, withCommon } from './kit.js';

/** `parley tenant add|list|remove`: tenants (companies) and their domains. */
export function tenantCommands(program: Command, cli: Cli): void {
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
      const t = await cli.withCore(flags, (core) => core.tenants.create(input));
      cli.print(`tenant ${t.domains[0]} created (id ${t.id})`);
    });
  withCommon(tenant.command('list').description('List tenants'))
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const rows = await cli.withCore(flags, async (core) =>
        Promise.all(
          (await core.tenants.list()).map(async (t) => ({ ...t, users: await core.ctx.store.repos.users.count(t.id) })),
        ),
      );
      if (flags.json) return cli.print(JSON.stringify(rows, null, 2));
      cli.print(
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
      await cli.withCore(flags, async (core) => {
        const t = await core.tenants.byDomain(d);
        const users = await core.ctx.store.repos.users.count(t.id);
        if (!flags.yes)
          throw new CliError(`tenant ${d} has ${users} user(s); add --yes to remove it with everything in it`);
        await core.tenants.remove(t.id);
      });
      cli.print(`tenant ${d} removed`);
    });
}

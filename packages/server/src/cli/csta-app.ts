import { Domain } from '@parley/api';
import type { Command } from 'commander';
import { arg, type Cli, type CommonFlags, table, withCommon } from './kit.js';

type Flags = CommonFlags & { tenant: string; json?: boolean };

/**
 * `parley csta-app add|list|remove --tenant DOMAIN`: CSTA application accounts, with tenant-wide
 * call control for a CTI application. The generated secret is printed once.
 */
export function cstaAppCommands(program: Command, cli: Cli): void {
  const app = program
    .command('csta-app')
    .description('Manage CSTA application accounts (CTI applications of a tenant)');
  const tenantOf = (flags: Flags) => arg(Domain, flags.tenant, 'tenant');
  withCommon(app.command('add').description('Add an application account; prints its user name and secret once'))
    .argument('<name>', 'lower-case letters, digits, ".", "_" or "-"; the application signs in as NAME@DOMAIN')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .option('--json', 'print {userName, password} as JSON')
    .action(async (name: string, flags: Flags) => {
      const domain = tenantOf(flags);
      const { secret } = await cli.withCore(flags, async (core) =>
        core.ctiApps.create((await core.tenants.byDomain(domain)).id, name),
      );
      const userName = `${name}@${domain}`;
      if (flags.json) return cli.print(JSON.stringify({ userName, password: secret }));
      cli.print(`application ${name} added to ${domain}\nuserName: ${userName}\npassword: ${secret}`);
      cli.print('(the password is shown only now; remove the account and add it again for a new one)');
    });
  withCommon(app.command('list').description("A tenant's application accounts (never their secrets)"))
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .option('--json', 'print JSON')
    .action(async (flags: Flags) => {
      const domain = tenantOf(flags);
      const apps = await cli.withCore(flags, async (core) =>
        core.ctiApps.list((await core.tenants.byDomain(domain)).id),
      );
      const rows = apps.map((a) => ({
        name: a.name,
        userName: `${a.name}@${domain}`,
        createdAt: new Date(a.createdAt).toISOString(),
      }));
      if (flags.json) return cli.print(JSON.stringify({ apps: rows }, null, 2));
      cli.print(table([['NAME', 'USERNAME', 'CREATED'], ...rows.map((r) => [r.name, r.userName, r.createdAt])]));
    });
  withCommon(app.command('remove').description('Remove an application account; its sessions cannot sign in again'))
    .argument('<name>', 'the account name')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (name: string, flags: Flags) => {
      const domain = tenantOf(flags);
      await cli.withCore(flags, async (core) => core.ctiApps.remove((await core.tenants.byDomain(domain)).id, name));
      cli.print(`application ${name} of ${domain} removed`);
    });
}

import { Domain } from '@parley/api';
import type { Command } from 'commander';
import type { LdapAccount } from '../core/ldap-accounts/service.js';
import { arg, type Cli, type CommonFlags, withCommon } from './kit.js';

type Flags = CommonFlags & { tenant: string; json?: boolean };

const describe = (a: LdapAccount) =>
  `bind DN: ${a.bindDn} (or ${a.address})\nbase DN: ${a.baseDn}\ncreated: ${new Date(a.createdAt).toISOString()}`;

/**
 * `parley ldap-account set|show|remove --tenant DOMAIN`: the tenant's LDAP phone-book account, what
 * desk phones bind with to search the directory over LDAP. The generated password is printed once.
 */
export function ldapAccountCommands(program: Command, cli: Cli): void {
  const account = program
    .command('ldap-account')
    .description("Manage a tenant's LDAP phone-book account (what desk phones bind with)");
  const tenantOf = (flags: Flags) => arg(Domain, flags.tenant, 'tenant');
  withCommon(account.command('set').description('Set up the account with a new password; prints it once'))
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .option('--json', 'print {bindDn, address, baseDn, password} as JSON')
    .action(async (flags: Flags) => {
      const domain = tenantOf(flags);
      const { account: a, secret } = await cli.withCore(flags, async (core) =>
        core.ldapAccounts.set((await core.tenants.byDomain(domain)).id),
      );
      if (flags.json) {
        return cli.print(JSON.stringify({ bindDn: a.bindDn, address: a.address, baseDn: a.baseDn, password: secret }));
      }
      cli.print(`${describe(a)}\npassword: ${secret}`);
      cli.print('(the password is shown only now; `set` again makes a new one and the old one stops working)');
    });
  withCommon(account.command('show').description('The account (never its password)'))
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (flags: Flags) => {
      const domain = tenantOf(flags);
      const a = await cli.withCore(flags, async (core) =>
        core.ldapAccounts.get((await core.tenants.byDomain(domain)).id),
      );
      cli.print(
        a ? describe(a) : `${domain} has no LDAP phone-book account (parley ldap-account set --tenant ${domain})`,
      );
    });
  withCommon(account.command('remove').description('Remove the account; phones can no longer bind with it'))
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (flags: Flags) => {
      const domain = tenantOf(flags);
      await cli.withCore(flags, async (core) => core.ldapAccounts.remove((await core.tenants.byDomain(domain)).id));
      cli.print(`the LDAP phone-book account of ${domain} is removed`);
    });
}

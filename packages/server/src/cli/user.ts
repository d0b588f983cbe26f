import { Address, DisplayName, Domain, Password, PhoneNumber, Role } from '@parley/api';
import { type Command, Option } from 'commander';
import type { z } from 'zod';
import { arg, type Cli, CliError, type CommonFlags, resolveUser, table, withCommon } from './kit.js';

/** The password on standard input (one final newline stripped); never echoed back in an error. */
async function readStdinPassword(cli: Cli): Promise<string> {
  const r = Password.safeParse((await cli.readStdin()).replace(/\r?\n$/, ''));
  if (!r.success) throw new CliError(`password: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

type AddFlags = CommonFlags & {
  role: z.infer<typeof Role>;
  name?: string;
  email?: string;
  number?: string[];
  passwordStdin?: boolean;
};

/** `parley user add|list|remove|passwd`: users and their login passwords. */
export function userCommands(program: Command, cli: Cli): void {
  const user = program.command('user').description('Manage users');
  withCommon(user.command('add').description('Create a user; prints a generated password once unless --password-stdin'))
    .argument('<address>', 'user@domain; the domain must belong to a tenant')
    .addOption(new Option('--role <role>', 'role').choices(Role.options).default('user'))
    .option('--name <display name>', 'display name')
    .option('--email <address>', 'e-mail address')
    .option('--number <number...>', 'phone numbers (extension or full number)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (address: string, flags: AddFlags) => {
      const addr = arg(Address, address, 'user');
      const at = addr.lastIndexOf('@');
      const password = flags.passwordStdin ? await readStdinPassword(cli) : undefined;
      const numbers = flags.number?.map((n) => arg(PhoneNumber, n, 'number'));
      const result = await cli.withCore(flags, async (core) => {
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
      cli.print(`user ${addr} created (${result.user.role})`);
      if (result.password) cli.print(`password: ${result.password}`);
    });
  withCommon(user.command('list').description('List users (of one tenant with DOMAIN, or all)'))
    .argument('[domain]', 'a domain of the tenant')
    .option('--json', 'print JSON')
    .action(async (domain: string | undefined, flags: CommonFlags & { json?: boolean }) => {
      const users = await cli.withCore(flags, async (core) => {
        const tenants = domain
          ? [await core.tenants.byDomain(arg(Domain, domain, 'domain'))]
          : await core.tenants.list();
        return (await Promise.all(tenants.map((t) => core.users.list(t.id)))).flat();
      });
      if (flags.json) return cli.print(JSON.stringify(users, null, 2));
      cli.print(
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
      await cli.withCore(flags, async (core) => {
        const u = await resolveUser(core, address);
        await core.users.remove(u.tenantId, u.id);
      });
      cli.print(`user ${address} removed`);
    });
  withCommon(
    user.command('passwd').description("Set a user's password (generated and printed once unless --password-stdin)"),
  )
    .argument('<address>', 'user@domain')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (address: string, flags: CommonFlags & { passwordStdin?: boolean }) => {
      const password = flags.passwordStdin ? await readStdinPassword(cli) : undefined;
      const generated = await cli.withCore(flags, async (core) => {
        const u = await resolveUser(core, address);
        return core.users.setPassword(u.tenantId, u.id, password);
      });
      cli.print(`password of ${address} changed; its sessions were signed out`);
      if (generated) cli.print(`password: ${generated}`);
    });
}

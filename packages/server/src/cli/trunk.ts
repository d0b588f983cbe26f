import { CreateTrunkRequest, Domain, TrunkName } from '@parley/api';
import type { Command } from 'commander';
import { trunkView } from '../adapters/views/trunks.js';
import { arg, type Cli, CliError, type CommonFlags, table, withCommon } from './kit.js';

type Flags = CommonFlags & { tenant: string; json?: boolean };
type AddFlags = Flags & {
  host: string;
  port?: string;
  transport?: string;
  username?: string;
  passwordStdin?: boolean;
  register?: boolean;
  numberFormat?: string;
  callerId?: string;
  inbound: string[];
};

/**
 * `parley trunk add|list|remove --tenant DOMAIN`: SIP trunks, the provider or PBX gateways that
 * carry a tenant's calls to and from numbers outside it. The password is read from standard input.
 */
export function trunkCommands(program: Command, cli: Cli): void {
  const trunk = program.command('trunk').description("Manage a tenant's SIP trunks (provider and PBX gateways)");
  const tenantOf = (flags: Flags) => arg(Domain, flags.tenant, 'tenant');
  withCommon(trunk.command('add').description('Add a SIP trunk; its host must be allowed by the outbound policy'))
    .argument('<name>', 'lower-case letters, digits, ".", "_" or "-"')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .requiredOption('--host <host>', "the provider's SIP server: a host name or an address")
    .option('--port <port>', '5060 (5061 for tls) when left out')
    .option('--transport <transport>', 'udp, tcp or tls', 'udp')
    .option('--username <name>', 'digest user name for the provider')
    .option('--password-stdin', 'read the digest password from standard input')
    .option('--register', 'register with the provider')
    .option('--number-format <format>', 'e164 (+49711…) or national (0711…)', 'e164')
    .option('--caller-id <number>', 'the number presented for a caller whose line has no DID')
    .option(
      '--inbound <source>',
      'an address, address:port or CIDR range its calls come from (repeatable)',
      collect,
      [],
    )
    .option('--json', 'print the trunk as JSON (as POST /api/v1/admin/trunks answers)')
    .action(async (name: string, flags: AddFlags) => {
      const password = flags.passwordStdin ? (await cli.readStdin()).replace(/\r?\n$/, '') : undefined;
      const parsed = CreateTrunkRequest.safeParse({
        name,
        host: flags.host,
        ...(flags.port !== undefined && { port: Number(flags.port) }),
        transport: flags.transport,
        username: flags.username,
        password,
        register: flags.register,
        numberFormat: flags.numberFormat,
        callerId: flags.callerId,
        ...(flags.inbound.length > 0 && { inboundSources: flags.inbound }),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CliError(`${issue?.path.join('.') || 'trunk'}: ${issue?.message ?? 'invalid'}`);
      }
      const domain = tenantOf(flags);
      const added = await cli.withCore(flags, async (core) =>
        trunkView(await core.trunks.add((await core.tenants.byDomain(domain)).id, parsed.data)),
      );
      if (flags.json) return cli.print(JSON.stringify(added, null, 2));
      cli.print(`trunk ${added.name} (${added.transport} ${added.host}:${added.port}) added to ${domain}`);
    });
  withCommon(trunk.command('list').description("A tenant's SIP trunks (never their passwords)"))
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .option('--json', 'print JSON (as GET /api/v1/admin/trunks)')
    .action(async (flags: Flags) => {
      const domain = tenantOf(flags);
      const trunks = await cli.withCore(flags, async (core) =>
        (await core.trunks.list((await core.tenants.byDomain(domain)).id)).map(trunkView),
      );
      if (flags.json) return cli.print(JSON.stringify({ trunks }, null, 2));
      cli.print(
        table([
          ['NAME', 'HOST', 'PORT', 'TRANSPORT', 'USER', 'FORMAT'],
          ...trunks.map((t) => [t.name, t.host, String(t.port), t.transport, t.username ?? '-', t.numberFormat]),
        ]),
      );
    });
  withCommon(trunk.command('remove').description('Remove a SIP trunk'))
    .argument('<name>', "the trunk's name")
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (name: string, flags: Flags) => {
      const trunkName = arg(TrunkName, name, 'name');
      const domain = tenantOf(flags);
      await cli.withCore(flags, async (core) =>
        core.trunks.remove((await core.tenants.byDomain(domain)).id, trunkName),
      );
      cli.print(`trunk ${trunkName} of ${domain} removed`);
    });
}

const collect = (value: string, previous: string[]) => [...previous, value];

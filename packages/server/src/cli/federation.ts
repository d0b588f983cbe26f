import { createClient, Domain, type FederationCheckResult, ParleyApiError, TrustLevel } from '@parley/api';
import type { Command } from 'commander';
import { federationTrustView } from '../adapters/views/federation.js';
import { federationChecker } from '../adapters/xmpp/federation/checker.js';
import { arg, type Cli, CliError, type CommonFlags, envOption, table, withCommon } from './kit.js';

type Flags = CommonFlags & { tenant?: string; json?: boolean; server?: string; token?: string };

const MARK = { ok: 'ok', failed: 'FAILED', warning: 'warning', skipped: 'skipped' } as const;

/** The check's steps, one line each: the step, its outcome, what it found. */
export const checkReport = (r: FederationCheckResult): string =>
  table([['STEP', 'OUTCOME', 'WHAT'], ...r.steps.map((s) => [s.step, MARK[s.outcome], s.message])]);

/**
 * The whole check run by the server at `server` (its s2s streams authenticate and ping), asked
 * through its REST API with a tenant admin's session token; it checks from the admin's tenant.
 */
async function checkOnServer(server: string, token: string | undefined, domain: string) {
  const url = URL.canParse(server) ? new URL(server) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new CliError(`--server "${server}" is not an http:// or https:// URL`);
  }
  if (!token) {
    throw new CliError(
      "--server needs a tenant admin's session token: --token or PARLEY_TOKEN (POST /api/v1/auth/login)",
    );
  }
  try {
    return await createClient({ baseUrl: url.href, token }).request('admin.federation.check', { body: { domain } });
  } catch (err) {
    if (err instanceof ParleyApiError)
      throw new CliError(`${url.origin} refused the check: ${err.message} (${err.code})`);
    throw new CliError(`${url.origin} could not be asked: ${(err as Error).message}`);
  }
}

/**
 * `parley federation trust|default|remove|list|check`: how far each tenant trusts other companies'
 * servers (issue 15), and the diagnostics of federating with one.
 */
export function federationCommands(program: Command, cli: Cli): void {
  const federation = program
    .command('federation')
    .description("Federation with other companies' servers: per-domain trust and diagnostics");
  const tenantOf = (flags: Flags) => arg(Domain, flags.tenant ?? '', 'tenant');
  withCommon(federation.command('trust').description("Set a remote domain's trust level for a tenant"))
    .argument('<domain>', 'the remote domain, e.g. partner.example')
    .argument('<level>', 'blocked, public (availability only), business (with flags) or trusted (as a colleague)')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (domain: string, level: string, flags: Flags) => {
      const remote = arg(Domain, domain, 'domain');
      const lvl = arg(TrustLevel, level, 'level');
      const tenant = tenantOf(flags);
      await cli.withCore(flags, async (core) =>
        core.federation.setDomain((await core.tenants.byDomain(tenant)).id, remote, lvl),
      );
      cli.print(`${remote} is ${lvl} for ${tenant}`);
    });
  withCommon(federation.command('default').description('Set the level of every domain a tenant did not list'))
    .argument('<level>', 'blocked, public, business or trusted')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (level: string, flags: Flags) => {
      const lvl = arg(TrustLevel, level, 'level');
      const tenant = tenantOf(flags);
      await cli.withCore(flags, async (core) =>
        core.federation.setDefault((await core.tenants.byDomain(tenant)).id, lvl),
      );
      cli.print(`domains not listed are ${lvl} for ${tenant}`);
    });
  withCommon(federation.command('remove').description('Forget a remote domain: it gets the default level again'))
    .argument('<domain>', 'the remote domain')
    .requiredOption('--tenant <domain>', 'a domain of the tenant')
    .action(async (domain: string, flags: Flags) => {
      const remote = arg(Domain, domain, 'domain');
      const tenant = tenantOf(flags);
      await cli.withCore(flags, async (core) =>
        core.federation.removeDomain((await core.tenants.byDomain(tenant)).id, remote),
      );
      cli.print(`${remote} removed from ${tenant}'s federation trust`);
    });
  withCommon(federation.command('list').description("Every tenant's federation trust (or one tenant's)"))
    .option('--tenant <domain>', 'only this tenant')
    .option('--json', 'print JSON (as GET /api/v1/admin/federation/domains, one per tenant)')
    .action(async (flags: Flags) => {
      const only = flags.tenant === undefined ? undefined : tenantOf(flags);
      const trusts = await cli.withCore(flags, async (core) => {
        const tenants = only ? [await core.tenants.byDomain(only)] : await core.tenants.list();
        return Promise.all(
          tenants.map(async (t) => federationTrustView(await core.federation.trust(t.id), t.domains[0] ?? '')),
        );
      });
      if (flags.json) return cli.print(JSON.stringify({ tenants: trusts }, null, 2));
      cli.print(
        table([
          ['TENANT', 'DOMAIN', 'LEVEL'],
          ...trusts.flatMap((t) => [
            [t.tenant, '(default)', t.defaultLevel],
            ...t.domains.map((d) => [t.tenant, d.domain, d.level]),
          ]),
        ]),
      );
    });
  withCommon(
    federation
      .command('check')
      .description(
        'Check XMPP federation with a domain step by step: DNS, TCP, TLS, certificate, authentication, ping',
      ),
  )
    .argument('<domain>', 'the remote domain')
    .option('--tenant <domain>', 'our domain the check says it comes from')
    .option('--json', 'print JSON (as POST /api/v1/admin/federation/check)')
    .option(
      '--server <url>',
      "run the whole check, authentication and ping included, on this running server as a tenant admin (from the admin's tenant)",
    )
    .addOption(envOption('--token <token>', "a tenant admin's session token for --server", 'PARLEY_TOKEN'))
    .action(async (domain: string, flags: Flags) => {
      const remote = arg(Domain, domain, 'domain');
      if (flags.server !== undefined && flags.tenant !== undefined) {
        throw new CliError("--tenant does not go with --server: the server checks from the admin's tenant");
      }
      const from = flags.tenant === undefined ? undefined : tenantOf(flags);
      const result =
        flags.server === undefined
          ? await federationChecker(cli.config(flags))(remote, from)
          : await checkOnServer(flags.server, flags.token ?? cli.io.env.PARLEY_TOKEN, remote);
      cli.print(flags.json ? JSON.stringify(result, null, 2) : checkReport(result));
      const failedStep = result.steps.find((s) => s.outcome === 'failed');
      if (failedStep)
        throw new CliError(`federation with ${remote} fails at the ${failedStep.step} step: ${failedStep.message}`);
    });
}

import type { Command } from 'commander';
import { clusterView } from '../adapters/http/routes/cluster.js';
import { type Cli, type CommonFlags, table, withCommon } from './kit.js';

/** `parley cluster status`: the nodes of a cluster and their job leases. */
export function clusterCommands(program: Command, cli: Cli): void {
  const cluster = program.command('cluster').description('The nodes of a cluster');
  withCommon(cluster.command('status').description('Live nodes (heartbeats), their connections and job leases'))
    .option('--json', 'print JSON (as GET /api/v1/admin/cluster)')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const status = clusterView(await cli.withCore(flags, (core) => core.ctx.cluster.status()));
      if (flags.json) return cli.print(JSON.stringify(status, null, 2));
      if (!status.enabled)
        return cli.print('cluster mode is off (one embedded node); set PARLEY_NATS to run a cluster');
      const now = Date.now();
      cli.print(
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
      cli.print(`\n${status.nodes.length} live node(s)`);
      if (status.leases.length > 0) {
        cli.print(`\n${table([['JOB', 'NODE', 'SINCE'], ...status.leases.map((l) => [l.name, l.nodeId, l.since])])}`);
      }
    });
}

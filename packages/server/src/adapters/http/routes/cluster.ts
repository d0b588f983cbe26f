import type { Services } from '../../../compose.js';
import type { ClusterStatus } from '../../../platform/cluster/cluster.js';
import { iso } from '../../views/time.js';
import type { Handlers } from '../types.js';

/** The cluster as `GET /api/v1/admin/cluster` and `parley cluster status --json` show it. */
export const clusterView = (s: ClusterStatus) => ({
  enabled: s.enabled,
  nodes: s.nodes.map((n) => ({
    ...n,
    startedAt: iso(n.startedAt),
    heartbeatAt: iso(n.heartbeatAt),
    self: n.instance === s.self,
  })),
  leases: s.leases.map((l) => ({ ...l, since: iso(l.since) })),
});

export const clusterHandlers = (core: Services): Handlers<'admin.cluster.status'> => ({
  'admin.cluster.status': async () => clusterView(await core.ctx.cluster.status()),
});

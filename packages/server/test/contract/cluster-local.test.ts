import { systemClock } from '../../src/platform/clock.js';
import type { Cluster } from '../../src/platform/cluster/cluster.js';
import { LocalCluster } from '../../src/platform/cluster/local.js';
import { clusterContract } from './cluster.contract.js';

clusterContract('local', {
  enabled: false,
  multiNode: false,
  settleMs: 10_000,
  open: async () => {
    const nodes: Cluster[] = [];
    return {
      node: async (nodeId) => {
        const c = new LocalCluster(nodeId, systemClock);
        nodes.push(c);
        return c;
      },
      close: async () => {
        for (const c of nodes) await c.stop();
      },
    };
  },
});

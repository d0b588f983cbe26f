import type { Feature } from '../feature.js';

/** How often each node looks for node instances that stopped heartbeating (their calls go). */
const EXPIRY_CHECK_MS = 1000;

/**
 * Calls across the cluster: every node keeps replicas of the other nodes' calls from the bus (asking
 * for those already up when it starts or its bus comes back), and drops those of nodes that died
 * (their lines' presence is fed again without them).
 */
export const callsFeature: Feature = {
  name: 'calls',
  async setup(ctx) {
    const { calls } = ctx.core;
    const { cluster } = ctx.core.ctx;
    ctx.onStop(calls.replicate());
    ctx.onStop(ctx.core.control.serve());
    const sync = () => calls.sync().catch((err) => ctx.log.warn({ err }, 'could not ask for the live calls'));
    ctx.onStop(cluster.onReconnect(() => void sync()));
    await ctx.core.ctx.bus.flush();
    await sync();
    ctx.every(EXPIRY_CHECK_MS, async () => {
      const live = await cluster.liveInstances();
      if (live) await calls.expireNodes(live);
    });
  },
};

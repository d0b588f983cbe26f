import type { Feature } from '../feature.js';

/** How often each node looks for node instances that stopped heartbeating (their client inputs go). */
const EXPIRY_CHECK_MS = 1000;

/**
 * Presence housekeeping: recomputes users whose next scheduled change has come (a meeting starts
 * or ends, a manual state begins or expires) or whose input expired (dropped then) on the node
 * holding the `presence-schedule` lease, drops the client inputs of nodes that died, and keeps
 * the relation cache in step with other nodes.
 */
export const presenceFeature: Feature = {
  name: 'presence',
  async setup(ctx) {
    const { presence } = ctx.core;
    const { cluster } = ctx.core.ctx;
    ctx.subscribe('presence.visibility.changed', (e) => presence.watchers.invalidate(e.tenantId));
    ctx.subscribe('tenant.deleted', (e) => presence.watchers.invalidate(e.tenantId));
    ctx.every(1000, () => presence.tick(), { lease: 'presence-schedule' });
    ctx.every(EXPIRY_CHECK_MS, async () => {
      const live = await cluster.liveInstances();
      if (!live) return;
      const users = await presence.expireHolders(live);
      if (users > 0) ctx.log.info({ users }, 'dropped the client inputs of nodes that are gone');
    });
    await presence.resume();
  },
};

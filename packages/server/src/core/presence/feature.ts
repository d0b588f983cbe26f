import type { Feature } from '../feature.js';

/**
 * Presence housekeeping: recomputes users whose next scheduled change has come (a meeting starts
 * or ends, a manual state begins or expires, a client's input expires), keeps the relation cache
 * in step with other nodes, and drops expired inputs hourly.
 */
export const presenceFeature: Feature = {
  name: 'presence',
  async setup(ctx) {
    const presence = ctx.core.presence;
    ctx.subscribe('presence.visibility.changed', (e) => presence.watchers.invalidate(e.tenantId));
    ctx.subscribe('user.deleted', (e) => presence.forget(e.tenantId, e.userId));
    ctx.subscribe('tenant.deleted', (e) => presence.forget(e.tenantId));
    ctx.every(1000, () => presence.tick());
    ctx.every(3_600_000, () => presence.purge());
    await presence.resume();
  },
};

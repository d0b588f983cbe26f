import type { Feature } from '../feature.js';

/**
 * Drops expired WebSocket tickets and sessions that ended over a day ago, hourly; and drops the
 * cached principals of sessions revoked and users changed on any node.
 */
export const sessionHousekeeping: Feature = {
  name: 'session-housekeeping',
  setup: (ctx) => {
    const { auth } = ctx.core;
    ctx.every(3_600_000, () => auth.purge(), { lease: 'session-housekeeping' });
    ctx.subscribe('session.revoked', (e) => auth.forget(e.userId, e.sessionId));
    ctx.subscribe('user.updated', (e) => auth.forget(e.userId));
    ctx.subscribe('user.deleted', (e) => auth.forget(e.userId));
  },
};

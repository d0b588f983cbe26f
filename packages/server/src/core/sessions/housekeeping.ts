import type { Feature } from '../feature.js';

/** Drops expired WebSocket tickets and sessions that ended over a day ago, hourly. */
export const sessionHousekeeping: Feature = {
  name: 'session-housekeeping',
  setup: (ctx) => ctx.every(3_600_000, () => ctx.core.auth.purge(), { lease: 'session-housekeeping' }),
};

import type { Feature } from '../feature.js';

/**
 * Polls every configured calendar on its schedule (`calendar.pollSeconds`), a few at a time.
 * In a cluster this must run under a lease so one node polls (DESIGN §3); the embedded server runs it directly.
 */
export const calendarPolling: Feature = {
  name: 'calendar-polling',
  setup(ctx) {
    const calendar = ctx.core.calendar;
    ctx.every(calendar.tickMs, () => calendar.pollDue());
  },
};

import type { Feature } from '../feature.js';

/**
 * Polls every configured calendar on its schedule (`calendar.pollSeconds`), a few at a time, on
 * the node holding the `calendar-polling` lease (DESIGN §3).
 */
export const calendarPolling: Feature = {
  name: 'calendar-polling',
  setup(ctx) {
    const calendar = ctx.core.calendar;
    ctx.every(calendar.tickMs, () => calendar.pollDue(), { lease: 'calendar-polling' });
  },
};

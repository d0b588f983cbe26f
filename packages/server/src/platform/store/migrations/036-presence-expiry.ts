import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Expired presence inputs are found by their expiry. The presence schedule drops them as they
 * expire and recomputes their users; a computed state's next due time is only the next change
 * its inputs announce (a meeting ends, a manual state runs out), not their expiries. A connected
 * client refreshes its input every 40 s, which used to move the due time on and cost a recompute
 * per client every minute or two while nothing changed.
 */
export const presenceExpiry: Migration = {
  name: '036-presence-expiry',
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('presence_inputs_expires').on('presence_inputs').column('expires_at').execute();
  },
};

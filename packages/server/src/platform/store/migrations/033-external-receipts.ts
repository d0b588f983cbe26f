import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * The receipts of a 1:1's party on another server (XEP-0184 receipts, XEP-0333 markers): the
 * newest sequence delivered to and read by them, as a member's are kept for users here. 0 for
 * every conversation made before, and unused when the conversation has no external party.
 */
export const externalReceipts: Migration = {
  name: '033-external-receipts',
  async up(db: Kysely<unknown>) {
    for (const column of ['external_delivered_seq', 'external_read_seq']) {
      await db.schema
        .alterTable('conversations')
        .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    }
  },
};

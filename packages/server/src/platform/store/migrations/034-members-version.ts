import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * A conversation's membership version: every change of who belongs to it (a member added, back
 * or gone) counts it up in the same transaction. A node that keeps the members of a conversation
 * in memory for sending (`core/messaging/send-views.ts`) reads it with the message's sequence
 * number, so a membership changed on any node is noticed by the send that follows.
 */
export const membersVersion: Migration = {
  name: '034-members-version',
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('conversations')
      .addColumn('members_version', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};

import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * 1:1s with users of other servers (XMPP federation): the conversation names its external party
 * (a bare JID; its one member is the user here) and a message from that party names it as its
 * external sender (its `sender_id` is the same JID, which keeps the client key unique per sender).
 */
export const externalConversations: Migration = {
  name: '027-external-conversations',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('conversations').addColumn('external', 'text').execute();
    await db.schema.alterTable('messages').addColumn('external_sender', 'text').execute();
  },
};

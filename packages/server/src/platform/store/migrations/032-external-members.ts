import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Members of a group who are users of other servers (XMPP federation: occupants of its room over
 * s2s): their bare JID and their nick in the room. A row is a current member; removing them (or
 * their leaving) deletes it. Their messages name them as `messages.external_sender` (027).
 */
export const externalMembers: Migration = {
  name: '032-external-members',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('conversation_external_members')
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('jid', 'text', (c) => c.notNull())
      .addColumn('nick', 'text', (c) => c.notNull())
      .addColumn('joined_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_external_members_pk', ['conversation_id', 'jid'])
      .execute();
  },
};

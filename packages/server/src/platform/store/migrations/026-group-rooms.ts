import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * The room name an XMPP client chose for a group it created (`room@conference.DOMAIN`, XEP-0045
 * §10.1): unique in the tenant, null for groups made elsewhere (their room is their id) and once
 * the group is dissolved.
 */
export const groupRooms: Migration = {
  name: '026-group-rooms',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('conversations').addColumn('room', 'text').execute();
    await db.schema
      .createIndex('conversations_room')
      .on('conversations')
      .columns(['tenant_id', 'room'])
      .unique()
      .execute();
  },
};

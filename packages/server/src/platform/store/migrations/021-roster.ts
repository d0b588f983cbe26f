import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Personal roster contacts (XMPP, RFC 6121): any address a user added, here or on another server,
 * with its subscription state (none/to/from/both, a pending outbound request, a pending inbound
 * one and its status text). `listed` 0 is an inbound request from someone not (yet) in the roster:
 * kept to be redelivered at login, never shown as an item. Gone with the user.
 */
export const roster: Migration = {
  name: '021-roster',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('roster_items')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('jid', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('groups', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('subscription', 'text', (c) => c.notNull().defaultTo('none'))
      .addColumn('pending_out', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pending_in', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pending_status', 'text')
      .addColumn('listed', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('roster_items_pk', ['user_id', 'jid'])
      .execute();
    await db.schema.createIndex('roster_items_tenant').on('roster_items').columns(['tenant_id', 'user_id']).execute();
  },
};

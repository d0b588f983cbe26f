import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Push registrations (XEP-0357): where a user's clients asked to be woken — an app server's
 * address (`service`, a JID) and the node on it — with the publish options the client gave
 * (a JSON object of strings, secrets included, handed back only to the push sender). One row per
 * user, service and node.
 */
export const pushRegistrations: Migration = {
  name: '022-push-registrations',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('push_registrations')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('push_registrations_pk', ['tenant_id', 'user_id', 'service', 'node'])
      .execute();
  },
};

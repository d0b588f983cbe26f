import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Presence in a cluster: which node instance holds a client input (so the survivors can drop the
 * inputs of a node that stopped heartbeating), and each user's computed presence with its next
 * scheduled change, shared by all nodes (compare-and-set on `version`).
 */
export const presenceCluster: Migration = {
  name: '005-presence-cluster',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.alterTable('presence_inputs').addColumn('holder', 'text').execute();
    await db.schema.createIndex('presence_inputs_holder').on('presence_inputs').column('holder').execute();
    await db.schema
      .createTable('presence_state')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('presence', 'text', (c) => c.notNull())
      .addColumn('due', ts)
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('presence_state_due').on('presence_state').column('due').execute();
    await db.schema.createIndex('presence_state_tenant').on('presence_state').column('tenant_id').execute();
  },
};

import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Personal eventing nodes (XEP-0163 PEP) of each user: a node per name with its configuration
 * (who may read it, how many items it keeps; `seq` counts its publications), and the items
 * published to it, each an XML payload as the client sent it, ordered by `seq`.
 */
export const pep: Migration = {
  name: '035-pep',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('pep_nodes')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('access', 'text', (c) => c.notNull())
      .addColumn('max_items', 'integer', (c) => c.notNull())
      .addColumn('send_last', 'text', (c) => c.notNull())
      .addColumn('seq', ts, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('pep_nodes_pk', ['tenant_id', 'user_id', 'node'])
      .execute();
    // A client coming online asks for the last items of the nodes it names, of everyone in its tenant.
    await db.schema.createIndex('pep_nodes_by_name').on('pep_nodes').columns(['tenant_id', 'node']).execute();
    await db.schema
      .createTable('pep_items')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('seq', ts, (c) => c.notNull())
      .addColumn('published_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('pep_items_pk', ['tenant_id', 'user_id', 'node', 'item_id'])
      .execute();
    await db.schema
      .createIndex('pep_items_by_seq')
      .on('pep_items')
      .columns(['tenant_id', 'user_id', 'node', 'seq'])
      .execute();
  },
};

import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Pickup groups and call-backs. A line may be in one named pickup group of its tenant (null: none):
 * its users pick up calls ringing at the group's other lines. A call-back (ECMA-269 CallBack) is
 * a user's request to be rung, and then to call `target`, when that line is free again: kept until
 * it is served, cancelled or expires. `claimed_by`/`claimed_at` mark the node serving it (a claim
 * older than the claim timeout is taken over); the lines' numbers are kept as they were asked for
 * (a line's number never changes; a removed line takes its requests along); `active_seen` marks that a no-answer request's
 * target has used its phone since (CCNR: it is served when that activity ends).
 */
export const pickupCallbacks: Migration = {
  name: '019-pickup-callbacks',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.alterTable('lines').addColumn('pickup_group', 'text').execute();
    await db.schema.createIndex('lines_pickup_group').on('lines').columns(['tenant_id', 'pickup_group']).execute();
    await db.schema
      .createTable('call_backs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('from_line_id', 'text', (c) => c.notNull().references('lines.id').onDelete('cascade'))
      .addColumn('from_number', 'text', (c) => c.notNull())
      .addColumn('target_line_id', 'text', (c) => c.notNull().references('lines.id').onDelete('cascade'))
      .addColumn('target_number', 'text', (c) => c.notNull())
      .addColumn('target_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('active_seen', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('expires_at', ts, (c) => c.notNull())
      .addColumn('claimed_by', 'text')
      .addColumn('claimed_at', ts)
      .execute();
    await db.schema.createIndex('call_backs_user').on('call_backs').columns(['tenant_id', 'user_id']).execute();
    await db.schema.createIndex('call_backs_expiry').on('call_backs').column('expires_at').execute();
  },
};

import { type Kysely, sql } from 'kysely';
import { nameKey } from '../name-key.js';
import type { Migration } from './index.js';

/**
 * Colleagues and favourites: each user's favourite colleagues in order (gone with either user),
 * and `users.name_key`, the display name folded for sorting the colleague list by name and
 * finding names by word prefixes the same way on both engines (filled here for existing users).
 */
export const favourites: Migration = {
  name: '009-favourites',
  async up(db: Kysely<unknown>, engine) {
    await db.schema
      .createTable('favourites')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('favourites_pk', ['user_id', 'position'])
      .execute();
    // Removing a user deletes the favourites pointing at them: found by this index.
    await db.schema.createIndex('favourites_target').on('favourites').column('target_id').execute();

    // Byte order on PostgreSQL too (its default collation ignores spaces and differs by locale).
    const keyType = engine === 'postgres' ? sql`text collate "C"` : sql`text`;
    await db.schema
      .alterTable('users')
      .addColumn('name_key', keyType, (c) => c.notNull().defaultTo(''))
      .execute();
    const users = await sql<{ id: string; display_name: string }>`select id, display_name from users`.execute(db);
    for (const u of users.rows) {
      await sql`update users set name_key = ${nameKey(u.display_name)} where id = ${u.id}`.execute(db);
    }
    await db.schema.createIndex('users_name_key').on('users').columns(['tenant_id', 'name_key', 'id']).execute();
  },
};

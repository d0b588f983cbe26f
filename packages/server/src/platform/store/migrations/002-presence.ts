import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.js';

/** Presence inputs (per source and key, with expiry), teams and their members, blocked watchers. */
export const presence: Migration = {
  name: '002-presence',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('presence_inputs')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('source', 'text', (c) =>
        c.notNull().check(sql`source in ('manual', 'line', 'client', 'rtc', 'calendar')`),
      )
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('expires_at', ts)
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('presence_inputs_pk', ['user_id', 'source', 'key'])
      .execute();
    await db.schema
      .createIndex('presence_inputs_tenant_user')
      .on('presence_inputs')
      .columns(['tenant_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('presence_teams')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addUniqueConstraint('presence_teams_name', ['tenant_id', 'name'])
      .execute();
    await db.schema
      .createTable('presence_team_members')
      .addColumn('team_id', 'text', (c) => c.notNull().references('presence_teams.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('presence_team_members_pk', ['team_id', 'user_id'])
      .execute();
    await db.schema
      .createIndex('presence_team_members_user')
      .on('presence_team_members')
      .columns(['tenant_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('presence_blocks')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      // An address, so watchers of other domains (federation) can be blocked too.
      .addColumn('watcher', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('presence_blocks_pk', ['user_id', 'watcher'])
      .execute();
    await db.schema.createIndex('presence_blocks_tenant').on('presence_blocks').columns(['tenant_id']).execute();
  },
};

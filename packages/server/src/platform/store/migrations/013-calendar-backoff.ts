import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Calendar backoff: failed polls in a row and when the next poll is due, kept in the database so
 * that a restart (or another node taking over polling) does not poll a failing calendar at once.
 */
export const calendarBackoff: Migration = {
  name: '013-calendar-backoff',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .alterTable('calendar_connections')
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('calendar_connections').addColumn('next_attempt_at', ts).execute();
  },
};

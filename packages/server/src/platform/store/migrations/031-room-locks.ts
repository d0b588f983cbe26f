import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Whether a group an XMPP client just created as a room is still locked (XEP-0045 §10.1.2): only
 * its owner may be in it until they configure it (or accept it as an instant room). 0 for every
 * group made before and for groups made elsewhere.
 */
export const roomLocks: Migration = {
  name: '031-room-locks',
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('conversations')
      .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};

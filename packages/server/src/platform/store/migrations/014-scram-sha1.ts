import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * SCRAM-SHA-1 keys next to the SCRAM-SHA-256 ones, for XMPP clients that know only SCRAM-SHA-1
 * (RFC 6120 makes it mandatory). Empty for the passwords stored before: they are derived at the
 * user's next successful password sign-in, the one moment the password is at hand.
 */
export const scramSha1: Migration = {
  name: '014-scram-sha1',
  async up(db: Kysely<unknown>) {
    // One column per statement: SQLite adds only one at a time.
    for (const [column, type] of [
      ['scram_sha1_salt', 'text'],
      ['scram_sha1_iterations', 'integer'],
      ['scram_sha1_stored_key', 'text'],
      ['scram_sha1_server_key', 'text'],
    ] as const) {
      await db.schema.alterTable('credentials').addColumn(column, type).execute();
    }
  },
};

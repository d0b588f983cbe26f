import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * When a message last changed after it was sent (edit, deletion, a reaction added or taken back),
 * so a client that was away can fetch the changes to older messages it holds
 * (`GET /api/v1/messages/changes`); null for a message never changed.
 */
export const messageChanges: Migration = {
  name: '007-message-changes',
  async up(db: Kysely<unknown>, engine) {
    const ts = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.alterTable('messages').addColumn('changed_at', ts).execute();
    await db.schema.createIndex('messages_changed').on('messages').columns(['tenant_id', 'changed_at']).execute();
  },
};

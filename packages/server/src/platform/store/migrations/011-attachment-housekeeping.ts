import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Attachment quotas and housekeeping: the bytes per uploader and per tenant are summed through
 * `attachments_uploader`; uploads never sent are found by age through `attachments_created`.
 */
export const attachmentHousekeeping: Migration = {
  name: '011-attachment-housekeeping',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('attachments_uploader')
      .on('attachments')
      .columns(['tenant_id', 'uploader_id'])
      .execute();
    await db.schema.createIndex('attachments_created').on('attachments').column('created_at').execute();
  },
};

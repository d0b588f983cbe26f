import type { Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * The numbering plan a directory source's stored numbers were normalized with (JSON), so that a
 * tenant's changed plan is noticed: the index normalizes such a source again from the numbers as
 * written, and its next sync is a full one.
 */
export const directoryNumbering: Migration = {
  name: '008-directory-numbering',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('directory_sources').addColumn('numbering', 'text').execute();
  },
};

import type { Kysely } from 'kysely';
import { withSafeText } from '../../../directory/contacts.js';
import type { StoredContact } from '../../../directory/model.js';
import type { DirectoryTables } from '../directory-schema.js';
import type { Migration } from './index.js';

const BATCH = 1000;

/**
 * Stored directory contacts lose the characters the text rule refuses (right-to-left overrides,
 * controls, invisible characters) from their names, company, department and title, as every sync
 * since stores them: contacts synced or imported earlier would otherwise keep showing them on
 * incoming calls until their source's next full sync (and an import-only source has none).
 */
export const directorySafeText: Migration = {
  name: '012-directory-safe-text',
  async up(raw: Kysely<unknown>) {
    const db = raw as Kysely<DirectoryTables>;
    let after: { source: string; id: string } | undefined;
    for (;;) {
      let q = db
        .selectFrom('directory_entries')
        .select(['source_id', 'external_id', 'contact'])
        .orderBy('source_id')
        .orderBy('external_id')
        .limit(BATCH);
      if (after) {
        const { source, id } = after;
        q = q.where((eb) =>
          eb.or([eb('source_id', '>', source), eb.and([eb('source_id', '=', source), eb('external_id', '>', id)])]),
        );
      }
      const rows = await q.execute();
      for (const r of rows) {
        const safe = JSON.stringify(withSafeText(JSON.parse(r.contact) as StoredContact));
        if (safe === r.contact) continue;
        await db
          .updateTable('directory_entries')
          .set({ contact: safe })
          .where('source_id', '=', r.source_id)
          .where('external_id', '=', r.external_id)
          .execute();
      }
      const last = rows.at(-1);
      if (!last || rows.length < BATCH) return;
      after = { source: last.source_id, id: last.external_id };
    }
  },
};

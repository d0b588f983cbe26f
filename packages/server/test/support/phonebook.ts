import type { Services } from '../../src/compose.js';
import type { SourceContact } from '../../src/directory/source.js';

/** A directory contact with only what a test names. */
export const person = (externalId: string, fields: Partial<SourceContact>): SourceContact => ({
  externalId,
  name: null,
  givenName: null,
  surname: null,
  company: null,
  department: null,
  title: null,
  email: null,
  numbers: [],
  url: null,
  ...fields,
});

/**
 * Adds a directory source `name` to the tenant holding `contacts` (synced through the core, as an
 * uploaded file would be) and returns once the tenant's index has them.
 */
export async function seedPhonebook(
  core: Services,
  tenantId: string,
  name: string,
  contacts: SourceContact[],
  options: { visibleTo?: { roles: string[] } } = {},
): Promise<void> {
  await core.directory.sources.create(tenantId, { name, kind: 'file', config: {}, ...options });
  await core.directory.sync.run(tenantId, name, {
    contacts: {
      async *sync() {
        for (let i = 0; i < contacts.length; i += 1000) yield contacts.slice(i, i + 1000);
        return { full: true, cursor: null };
      },
      async test() {},
    },
  });
  await core.directory.reload(tenantId, (await core.directory.sources.get(tenantId, name)).id);
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tenant } from '../../src/core/tenants/model.js';
import { newSource, type SourceRow, type StoredContact } from '../../src/directory/model.js';
import { DirectoryRepository } from '../../src/directory/repository.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

const sourceFixture = (tenantId: string, id: string, name: string, priority = 100): SourceRow =>
  newSource(
    {
      id,
      tenantId,
      name,
      kind: 'file',
      priority,
      config: { delimiter: ';', nested: { list: [1, 'zwei'] } },
      secretSealed: null,
      scheduleSeconds: null,
      visibleTo: null,
    },
    T0,
  );

const contact = (externalId: string, name: string): StoredContact => ({
  externalId,
  name,
  givenName: null,
  surname: null,
  company: 'Müller & Söhne',
  department: null,
  title: null,
  email: null,
  url: null,
  numbers: [{ type: 'work', raw: '+49 711 123456-0', e164: '+49711123456', block: true }],
});

/**
 * The directory repository (sources, their sync state and report, the contacts they delivered),
 * run on every store engine: JSON fields, the cluster-wide sync claim, keyset pages, upserts and
 * removals must behave alike, and nothing of one tenant is reachable through another.
 */
export function directoryStoreContract(engine: string, open: StoreFactory): void {
  describe(`directory store contract (${engine})`, () => {
    let repo: DirectoryRepository;
    let close: () => Promise<void>;
    let a: Tenant;
    let b: Tenant;

    before(async () => {
      const seeded = await seededStore(open, ['da.test', 'db.test']);
      ({ close, a, b } = seeded);
      repo = new DirectoryRepository(seeded.store.db);
    });
    after(() => close());

    test('sources: by id or name, ordered by priority then name, each tenant its own', async () => {
      await repo.insertSource(sourceFixture(a.id, 's-crm', 'crm', 20));
      await repo.insertSource(sourceFixture(a.id, 's-book', 'book', 20));
      await repo.insertSource(sourceFixture(a.id, 's-ad', 'ad', 10));
      await repo.insertSource(sourceFixture(b.id, 's-other', 'book', 10));
      assert.deepEqual(
        (await repo.sources(a.id)).map((s) => s.name),
        ['ad', 'book', 'crm'],
      );
      assert.deepEqual(
        (await repo.sources(b.id)).map((s) => s.id),
        ['s-other'],
      );
      assert.deepEqual(await repo.source(a.id, 'book'), sourceFixture(a.id, 's-book', 'book', 20));
      assert.equal((await repo.source(a.id, 's-book'))?.name, 'book');
      assert.equal((await repo.source(b.id, 'book'))?.id, 's-other', 'the same name in another tenant');
      assert.equal(await repo.source(b.id, 's-book'), undefined, "another tenant's id");
    });

    test('updates change what they name; the sync state, report and progress read back as written', async () => {
      const report = {
        invalidNumbers: [
          { externalId: 'h:1', raw: 'abc-not-a-number', reason: 'not a phone number', line: 7, field: 'Telefon' },
          { externalId: 'c6', raw: '+999 12', reason: 'not a phone number' },
        ],
        skippedRows: [{ line: 4, reason: '7 fields, the header has 6' }],
      };
      const synced = {
        state: 'ok',
        cursor: '20260101000000Z',
        entries: 12,
        invalidNumbers: 2,
        lastSyncAt: T0 + 5,
        lastFullSyncAt: T0 + 5,
        report,
        progress: { done: 3, total: null },
        visibleTo: { roles: ['tenant-admin'] },
        secretSealed: 'sealed',
        numbering: '{"country":"DE"}',
      } satisfies Partial<SourceRow>;
      assert.equal(await repo.updateSource(a.id, 's-crm', synced, T0 + 6), true);
      assert.deepEqual(await repo.source(a.id, 's-crm'), {
        ...sourceFixture(a.id, 's-crm', 'crm', 20),
        ...synced,
        updatedAt: T0 + 6,
      });
      await repo.updateSource(a.id, 's-crm', { progress: null, report: null, visibleTo: null, cursor: null }, T0 + 7);
      const cleared = await repo.source(a.id, 's-crm');
      assert.deepEqual(
        [cleared?.progress, cleared?.report, cleared?.visibleTo, cleared?.cursor, cleared?.entries],
        [null, null, null, null, 12],
      );
      assert.equal(
        await repo.updateSource(b.id, 's-crm', { name: 'taken' }, T0 + 8),
        false,
        'not through another tenant',
      );
      assert.equal((await repo.source(a.id, 's-crm'))?.name, 'crm');
    });

    test('a sync is claimed once in the cluster, again only when the claim went stale', async () => {
      await repo.updateSource(a.id, 's-ad', { state: 'idle' }, T0);
      assert.equal(await repo.claimSync(b.id, 's-ad', T0 + 1, 1000), false, 'not through another tenant');
      assert.equal(await repo.claimSync(a.id, 's-ad', T0 + 1, 1000), true);
      const claimed = await repo.source(a.id, 's-ad');
      assert.deepEqual([claimed?.state, claimed?.progress], ['syncing', { done: 0, total: null }]);
      assert.equal(await repo.claimSync(a.id, 's-ad', T0 + 500, 1000), false, 'one runs already');
      assert.equal(await repo.claimSync(a.id, 's-ad', T0 + 1002, 1000), true, 'its node died');
    });

    test('entries: upserted in chunks, read in keyset pages exactly once, counted, removed', async () => {
      // More than one chunk of 500, ids whose order differs between collations (case, accents, digits).
      const ids = Array.from({ length: 1203 }, (_, i) => `id-${i}`);
      ids.push('B', 'a', 'ä', 'Z', '10', '9', 'a b');
      await repo.upsertEntries(
        a.id,
        's-book',
        ids.map((id) => contact(id, `Person ${id}`)),
        T0,
      );
      assert.equal(await repo.countEntries(a.id, 's-book'), ids.length);
      const read: StoredContact[] = [];
      for await (const page of repo.entries(a.id, 's-book', 100)) read.push(...page);
      assert.deepEqual(read.map((c) => c.externalId).sort(), [...ids].sort(), 'every entry once');
      assert.deepEqual(
        read.find((c) => c.externalId === 'ä'),
        contact('ä', 'Person ä'),
      );

      // The next full sync sees some again (replaced), the rest goes.
      await repo.upsertEntries(a.id, 's-book', [contact('a', 'Anna neu'), contact('B', 'Bernd')], T0 + 10);
      assert.equal(await repo.deleteUnseen(a.id, 's-book', T0 + 10), ids.length - 2);
      const left: StoredContact[] = [];
      for await (const page of repo.entries(a.id, 's-book')) left.push(...page);
      assert.deepEqual(left.map((c) => [c.externalId, c.name]).sort(), [
        ['B', 'Bernd'],
        ['a', 'Anna neu'],
      ]);
      assert.equal(await repo.deleteEntries(a.id, 's-book', ['a', 'not-there']), 1);
      assert.equal(await repo.countEntries(a.id, 's-book'), 1);
    });

    test("entries: nothing of one tenant's source is read, replaced or removed through another", async () => {
      await repo.upsertEntries(a.id, 's-ad', [contact('x', 'Xaver')], T0);
      await repo.upsertEntries(b.id, 's-ad', [contact('x', 'Mallory')], T0 + 1);
      const pages: StoredContact[][] = [];
      for await (const page of repo.entries(a.id, 's-ad')) pages.push(page);
      assert.deepEqual(pages.flat(), [contact('x', 'Xaver')]);
      for await (const page of repo.entries(b.id, 's-ad')) assert.fail(`read through another tenant: ${page.length}`);
      assert.equal(await repo.countEntries(b.id, 's-ad'), 0);
      assert.equal(await repo.deleteEntries(b.id, 's-ad', ['x']), 0);
      assert.equal(await repo.deleteUnseen(b.id, 's-ad', T0 + 100), 0);
      assert.equal(await repo.deleteSource(b.id, 's-ad'), false);
      assert.equal(await repo.countEntries(a.id, 's-ad'), 1);
    });

    test("deleting a source removes its entries, and nothing of the other sources'", async () => {
      assert.equal(await repo.deleteSource(a.id, 's-ad'), true);
      assert.equal(await repo.source(a.id, 's-ad'), undefined);
      assert.equal(await repo.countEntries(a.id, 's-ad'), 0);
      assert.equal(await repo.countEntries(a.id, 's-book'), 1);
      assert.equal(await repo.deleteSource(a.id, 's-ad'), false, 'gone already');
    });
  });
}

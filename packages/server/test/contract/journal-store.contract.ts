import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { JournalEntry } from '../../src/core/journal/model.js';
import type { Store } from '../../src/core/store.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The journal repository on every engine: idempotent writes, scoping by tenant and user, filters, search, paging. */
export function journalStoreContract(engine: string, open: StoreFactory): void {
  describe(`journal store contract (${engine})`, () => {
    let s: Awaited<ReturnType<typeof seededStore>>;
    let store: Store;
    before(async () => {
      s = await seededStore(open, ['journal-a.test', 'journal-b.test']);
      store = s.store;
    });
    after(() => s.close());

    const entry = (tenantId: string, userId: string, n: number, extra: Partial<JournalEntry> = {}): JournalEntry => ({
      id: randomUUID(),
      tenantId,
      userId,
      callId: `call-${n}`,
      direction: 'inbound',
      line: '201',
      remote: {
        number: `+49711555${n}`,
        uri: null,
        userId: null,
        display: null,
        name: `Caller ${n}`,
        company: 'Müller GmbH',
        match: 'exact',
      },
      startedAt: T0 + n * 1000,
      answeredAt: null,
      endedAt: T0 + n * 1000 + 500,
      duration: 0,
      result: 'missed',
      by: null,
      memo: null,
      read: false,
      createdAt: T0 + n * 1000 + 600,
      ...extra,
    });

    test('an entry is written once per tenant, call and user; read back only by its own user and tenant', async () => {
      const repo = store.repos.journal;
      const e = entry(s.a.id, s.alice.id, 1, { answeredAt: T0 + 1200, result: 'answered', duration: 42, by: 'Bob' });
      assert.equal(await repo.insert(e), true);
      assert.equal(await repo.insert({ ...e, id: randomUUID(), result: 'missed' }), false, 'the same call again');
      assert.equal(await repo.insert(entry(s.a.id, s.bob.id, 1)), true, 'another user of the same call');
      assert.deepEqual(await repo.get(s.a.id, s.alice.id, e.id), e);
      assert.equal(await repo.get(s.a.id, s.bob.id, e.id), undefined);
      assert.equal(await repo.get(s.b.id, s.alice.id, e.id), undefined);
      assert.equal(await repo.update(s.b.id, s.alice.id, e.id, { memo: 'x' }), undefined);
      assert.equal(await repo.update(s.a.id, s.bob.id, e.id, { read: true }), undefined);
      assert.equal((await repo.get(s.a.id, s.alice.id, e.id))?.read, false);
    });

    test('filters, folded search over names, numbers, company and memo, and paging newest first', async () => {
      const repo = store.repos.journal;
      const carol = s.carol.id;
      const es = [2, 3, 4, 5].map((n) =>
        entry(s.a.id, carol, n, n === 3 ? { direction: 'outbound', result: 'answered', read: true } : {}),
      );
      for (const e of es) await repo.insert(e);
      await repo.insert(entry(s.b.id, s.eve.id, 2));
      const ids = async (filter: Parameters<typeof repo.list>[2]) =>
        (await repo.list(s.a.id, carol, filter, { limit: 10 })).map((e) => e.callId);
      assert.deepEqual(await ids({}), ['call-5', 'call-4', 'call-3', 'call-2']);
      assert.deepEqual(await ids({ direction: 'outbound' }), ['call-3']);
      assert.deepEqual(await ids({ result: 'missed', unread: true }), ['call-5', 'call-4', 'call-2']);
      assert.deepEqual(await ids({ unread: false }), ['call-3']);
      assert.deepEqual(await ids({ from: T0 + 3000, to: T0 + 5000 }), ['call-4', 'call-3']);
      assert.deepEqual(await ids({ q: 'caller 5555' }), ['call-5'], 'every word');
      assert.deepEqual(await ids({ q: 'MULLER' }), ['call-5', 'call-4', 'call-3', 'call-2'], 'case and accents');
      assert.deepEqual(await ids({ q: '7115554' }), ['call-4'], 'a part of the number');
      assert.deepEqual(await ids({ q: '%' }), ['call-5', 'call-4', 'call-3', 'call-2'], 'no wildcards');
      assert.equal(await repo.unreadMissed(s.a.id, carol), 3);

      const [, second] = es as [JournalEntry, JournalEntry];
      const updated = await repo.update(s.a.id, carol, second.id, { memo: 'Angebot schicken' });
      assert.equal(updated?.memo, 'Angebot schicken');
      assert.equal(updated?.read, true, 'the read flag stays');
      assert.deepEqual(await ids({ q: 'angebot' }), ['call-3']);
      await repo.update(s.a.id, carol, second.id, { memo: null });
      assert.deepEqual(await ids({ q: 'angebot' }), []);

      const page1 = await repo.list(s.a.id, carol, {}, { limit: 2 });
      const last = page1.at(-1) as JournalEntry;
      const page2 = await repo.list(s.a.id, carol, {}, { limit: 2, after: { startedAt: last.startedAt, id: last.id } });
      assert.deepEqual(
        [...page1, ...page2].map((e) => e.callId),
        ['call-5', 'call-4', 'call-3', 'call-2'],
      );

      assert.equal(await repo.markAllRead(s.a.id, carol), 3);
      assert.equal(await repo.unreadMissed(s.a.id, carol), 0);
      assert.equal(await repo.unreadMissed(s.b.id, s.eve.id), 1, 'another tenant keeps its own');
    });

    test('entries go with their user', async () => {
      await store.repos.journal.insert(entry(s.a.id, s.bob.id, 9));
      await store.repos.users.delete(s.a.id, s.bob.id);
      assert.deepEqual(await store.repos.journal.list(s.a.id, s.bob.id, {}, { limit: 10 }), []);
    });
  });
}

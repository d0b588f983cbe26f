import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { DirectorySource, SourceContact, SyncContext, SyncOutcome } from '../../src/directory/source.js';

const numberTypes = new Set(['work', 'mobile', 'home', 'fax', 'pager', 'other']);

export interface SourceFixture {
  source: DirectorySource;
  /** How many contacts a full sync delivers. */
  count: number;
  /** A contact the fixture holds, by external id, with the fields it must come with. */
  sample: { externalId: string; name: string; numbers: string[] };
  /** For sources with incremental sync: changes one contact and says which. */
  change?: () => Promise<string>;
}

/** Runs a sync to the end; returns every batch and the outcome. */
export async function drain(
  source: DirectorySource,
  options: Partial<SyncContext> = {},
): Promise<{ batches: SourceContact[][]; outcome: SyncOutcome; progress: [number, number | null][] }> {
  const progress: [number, number | null][] = [];
  const gen = source.sync({
    cursor: null,
    signal: new AbortController().signal,
    log: pino({ level: 'silent' }),
    progress: (done, total) => progress.push([done, total]),
    ...options,
  });
  const batches: SourceContact[][] = [];
  let step = await gen.next();
  while (!step.done) {
    batches.push(step.value);
    step = await gen.next();
  }
  return { batches, outcome: step.value, progress };
}

/**
 * What every directory connector must do, whatever it reads: a full sync delivers every contact
 * once with well-formed fields, reports progress, stops when aborted; `test()` passes on a good
 * connection; an incremental sync (where the source has one) delivers what changed.
 */
export function directorySourceContract(
  name: string,
  fixture: () => Promise<SourceFixture>,
  options: { incremental: boolean },
): void {
  describe(`directory source contract (${name})`, () => {
    test('a full sync delivers every contact once, well-formed, with progress', async () => {
      const f = await fixture();
      const { batches, outcome, progress } = await drain(f.source);
      const all = batches.flat();
      assert.equal(all.length, f.count);
      assert.equal(new Set(all.map((c) => c.externalId)).size, all.length, 'external ids are unique');
      for (const c of all) {
        assert.ok(c.externalId.length > 0);
        for (const n of c.numbers) {
          assert.ok(numberTypes.has(n.type), `number type ${n.type}`);
          assert.ok(n.raw.trim().length > 0, 'no empty numbers');
        }
      }
      assert.equal(outcome.full, true);
      const sample = all.find((c) => c.externalId === f.sample.externalId);
      assert.ok(sample, 'the sample contact is there');
      assert.equal(sample.name ?? [sample.givenName, sample.surname].join(' '), f.sample.name);
      assert.deepEqual(sample.numbers.map((n) => n.raw).sort(), [...f.sample.numbers].sort());
      assert.ok(progress.length > 0, 'progress was reported');
      assert.equal(progress.at(-1)?.[0], f.count, 'progress ends at the count');
      for (let i = 1; i < progress.length; i++) {
        assert.ok((progress[i]?.[0] ?? 0) >= (progress[i - 1]?.[0] ?? 0), 'progress never goes back');
      }
    });

    test('test() passes on a good connection', async () => {
      const f = await fixture();
      await f.source.test(AbortSignal.timeout(10_000));
    });

    test('an aborted sync stops', async () => {
      const f = await fixture();
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(() => drain(f.source, { signal: controller.signal }), /abort/i);
    });

    if (!options.incremental) return;
    test('an incremental sync delivers what changed', async () => {
      const f = await fixture();
      assert.ok(f.change, 'an incremental source fixture can change a contact');
      const first = await drain(f.source);
      const changed = await f.change();
      const next = await drain(f.source, { cursor: first.outcome.cursor });
      const ids = next.batches.flat().map((c) => c.externalId);
      assert.ok(ids.includes(changed), 'the changed contact is delivered');
      assert.ok(ids.length < f.count, 'not everything again');
      assert.equal(next.outcome.full, false);
    });
  });
}

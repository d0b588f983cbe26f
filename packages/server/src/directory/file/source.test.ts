import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import pino from 'pino';
import { directorySourceContract } from '../../../test/contract/directory-source.contract.js';
import type { DirectorySource, SourceContact, SyncContext, SyncOutcome } from '../source.js';
import { FileTooLargeError } from './common.js';
import { detectFormat, FileSource, parseFileSourceConfig } from './source.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/directory/${name}`, import.meta.url));

function context(signal = new AbortController().signal) {
  const progress: [number, number | null][] = [];
  const logs: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        logs.push(JSON.parse(line));
      },
    },
  );
  const ctx: SyncContext = { cursor: null, signal, progress: (done, total) => progress.push([done, total]), log };
  return { ctx, progress, logs };
}

async function drain(source: DirectorySource, ctx: SyncContext) {
  const batches: SourceContact[][] = [];
  const it = source.sync(ctx);
  for (;;) {
    const r = await it.next();
    if (r.done) return { batches, outcome: r.value as SyncOutcome };
    batches.push(r.value);
  }
}

const csvOf = (rows: number) =>
  Buffer.from(['Name;Telefon', ...Array.from({ length: rows }, (_, i) => `Person ${i};030 ${i}`)].join('\n'));

describe('detectFormat', () => {
  test('BEGIN:VCARD at the start (after a BOM, white space; any case) is vCard, everything else CSV', () => {
    assert.equal(detectFormat(fixture('outlook-nokia-21.vcf')), 'vcard');
    assert.equal(detectFormat(fixture('rfc6350-nextcloud-40.vcf')), 'vcard');
    assert.equal(detectFormat(Buffer.from('\ufeff\r\n  begin:vcard\r\n')), 'vcard');
    assert.equal(
      detectFormat(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('BEGIN:VCARD', 'utf16le')])),
      'vcard',
    );
    assert.equal(detectFormat(fixture('outlook-de-cp1252.csv')), 'csv');
    assert.equal(detectFormat(Buffer.from('Name,Notes\nA,"BEGIN:VCARD"\n')), 'csv');
    assert.equal(detectFormat(Buffer.alloc(0)), 'csv');
  });
});

describe('parseFileSourceConfig', () => {
  test('accepts the settings FileSource takes, names every wrong field', () => {
    assert.deepEqual(parseFileSourceConfig(undefined), {});
    const config = {
      format: 'csv',
      delimiter: '\t',
      encoding: 'windows-1252',
      mapping: { name: 'Kontakt', work: ['Telefon', 'Zentrale'], fax: null },
      idColumn: 'Kundennr',
      maxBytes: 1000,
    };
    assert.deepEqual(parseFileSourceConfig(config), config);
    assert.throws(
      () => parseFileSourceConfig({ delimiter: ':', mapping: { phone: 'x' }, extra: 1 }),
      (e: unknown) =>
        e instanceof Error && /delimiter:/.test(e.message) && /mapping/.test(e.message) && /extra/.test(e.message),
    );
  });
});

describe('FileSource', () => {
  test('sync yields batches of 1000, reports progress, and ends full with no cursor', async () => {
    const source = new FileSource({ read: async () => csvOf(2500) });
    const { ctx, progress } = context();
    const { batches, outcome } = await drain(source, ctx);
    assert.deepEqual(
      batches.map((b) => b.length),
      [1000, 1000, 500],
    );
    assert.equal(batches[2]?.[499]?.name, 'Person 2499');
    assert.deepEqual(progress, [
      [0, 2500],
      [1000, 2500],
      [2000, 2500],
      [2500, 2500],
    ]);
    assert.deepEqual(outcome, { full: true, cursor: null });
    assert.deepEqual(source.skippedRows, []);
    assert.equal(source.rows, 2500);
  });

  test('the format is detected (vCard fixtures), or set', async () => {
    for (const [file, count] of [
      ['outlook-nokia-21.vcf', 3],
      ['ios-google-30.vcf', 2],
      ['google-en-bom.csv', 4],
      ['outlook-de-cp1252.csv', 4],
    ] as const) {
      const { batches } = await drain(new FileSource({ read: async () => fixture(file) }), context().ctx);
      assert.equal(batches.flat().length, count, file);
    }
    // Forced to CSV, a vCard file has no usable header.
    const forced = new FileSource({ read: async () => fixture('ios-google-30.vcf'), format: 'csv' });
    await assert.rejects(drain(forced, context().ctx), /no name, company or phone column/);
  });

  test('CSV options pass through (delimiter, mapping, batch size)', async () => {
    const source = new FileSource({
      read: async () => Buffer.from('Kontakt|Nr\nA|1\nB|2\nC|3\n'),
      delimiter: '|',
      mapping: { name: 'Kontakt', work: 'Nr' },
      batchSize: 2,
    });
    const { batches } = await drain(source, context().ctx);
    assert.deepEqual(
      batches.map((b) => b.map((x) => x.name)),
      [['A', 'B'], ['C']],
    );
  });

  test('skipped rows: skippedRows, onRowError in file order, and one line in the log', async () => {
    const seen: [number, string][] = [];
    const source = new FileSource({
      read: async () => fixture('broken.csv'),
      onRowError: (line, reason) => seen.push([line, reason]),
    });
    const { ctx, logs } = context();
    const { batches } = await drain(source, ctx);
    assert.equal(batches.flat().length, 5);
    const expected = [
      { line: 4, reason: '5 fields, the header has 4' },
      { line: 5, reason: 'no name, company or number' },
      { line: 8, reason: '2 fields, the header has 4' },
      { line: 9, reason: 'quote not closed' },
      { line: 12, reason: 'text after closing quote' },
      { line: 14, reason: 'duplicate of line 2' },
    ];
    assert.deepEqual(source.skippedRows, expected);
    assert.deepEqual(
      seen,
      expected.map((e) => [e.line, e.reason]),
    );
    assert.equal(source.rows, 11);
    assert.equal(logs.length, 1);
    assert.equal(logs[0]?.msg, 'directory file: rows skipped');
    assert.equal(logs[0]?.skipped, 6);
    assert.equal(logs[0]?.level, 30, 'info: the rows are in the sync report');

    const vcard = new FileSource({ read: async () => fixture('broken.vcf') });
    await drain(vcard, context().ctx);
    assert.deepEqual(
      vcard.skippedRows.map((e) => e.line),
      [6, 11, 26, 31, 37],
    );
  });

  test('a file whose rows are all bad fails the sync instead of emptying the directory', async () => {
    const source = new FileSource({ read: async () => Buffer.from('Name,Phone\n,\n,,\n') });
    await assert.rejects(
      drain(source, context().ctx),
      /none of the 2 rows of the file could be read \(line 2: no name, company or number\)/,
    );
    const cards = new FileSource({ read: async () => Buffer.from('BEGIN:VCARD\nVERSION:3.0\nTEL:1\nEND:VCARD\n') });
    await assert.rejects(drain(cards, context().ctx), /none of the 1 cards/);
    // A header alone is an empty phone book: a full sync of nothing.
    const empty = new FileSource({ read: async () => Buffer.from('Name,Phone\n') });
    const { batches, outcome } = await drain(empty, context().ctx);
    assert.deepEqual([batches, outcome], [[], { full: true, cursor: null }]);
  });

  test('size limit, read errors and abort', async () => {
    const big = new FileSource({ read: async () => csvOf(100), maxBytes: 100 });
    await assert.rejects(drain(big, context().ctx), FileTooLargeError);
    await assert.rejects(big.test(), FileTooLargeError);
    const missing = new FileSource({
      read: async () => {
        throw new Error('ENOENT: no such file');
      },
    });
    await assert.rejects(drain(missing, context().ctx), /ENOENT/);

    const ac = new AbortController();
    const source = new FileSource({ read: async () => csvOf(3000) });
    const { ctx } = context(ac.signal);
    const it = source.sync(ctx);
    assert.equal((await it.next()).done, false);
    ac.abort();
    await assert.rejects(it.next(), { name: 'AbortError' });
  });

  test('test() reads the header (or the cards) and explains what is wrong', async () => {
    await new FileSource({ read: async () => fixture('outlook-de-cp1252.csv') }).test();
    await new FileSource({ read: async () => fixture('rfc6350-nextcloud-40.vcf') }).test();
    const info = await new FileSource({ read: async () => fixture('google-en-bom.csv') }).inspect();
    assert.equal(info.format, 'csv');
    assert.equal(info.format === 'csv' && info.header.delimiter, ',');
    assert.deepEqual(await new FileSource({ read: async () => fixture('broken.vcf') }).inspect(), {
      format: 'vcard',
      cards: 8,
    });
    await assert.rejects(
      new FileSource({ read: async () => Buffer.from('a;b;c\n1;2;3\n') }).test(),
      /no name, company or phone column recognized/,
    );
    await assert.rejects(
      new FileSource({ read: async () => Buffer.from('Name;Phone\n'), mapping: { company: 'Firma' } }).test(),
      /no column "Firma"/,
    );
    await assert.rejects(new FileSource({ read: async () => Buffer.alloc(0) }).test(), /empty/);
    await assert.rejects(
      new FileSource({ read: async () => Buffer.from('FN:x\n'), format: 'vcard' }).test(),
      /no BEGIN:VCARD/,
    );
  });
});

directorySourceContract(
  'file, CSV',
  async () => ({
    source: new FileSource({ read: async () => fixture('outlook-de-cp1252.csv') }),
    count: 4,
    sample: {
      externalId: 'h:e4a0ddbc34b2e1ad39d023a6',
      name: 'Jürgen Müller',
      numbers: ['+49 (30) 1234568', '+49 (30) 1234567', '+49 (30) 12345-0', '+49 (171) 7654321'],
    },
  }),
  { incremental: false },
);

directorySourceContract(
  'file, vCard',
  async () => ({
    source: new FileSource({ read: async () => fixture('rfc6350-nextcloud-40.vcf') }),
    count: 2,
    sample: {
      externalId: 'urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
      name: 'Simon Perreault',
      numbers: ['+1-418-656-9254-102', '+1-418-262-6501'],
    },
  }),
  { incremental: false },
);

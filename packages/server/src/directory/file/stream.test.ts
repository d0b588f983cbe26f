import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { SourceContact } from '../source.js';
import { DEFAULT_MAX_BYTES, type ParseResult } from './common.js';
import { parseCsv } from './csv.js';
import { FileSource } from './source.js';
import { type OpenChunks, type Piece, streamCsv, streamVcard } from './stream.js';
import { parseVcard } from './vcard.js';

/** The file in pieces of `size` bytes. */
const chunked = (bytes: Buffer, size: number): OpenChunks =>
  async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  };

async function collect(gen: AsyncGenerator<Piece, number>): Promise<ParseResult> {
  const out: ParseResult = { contacts: [], errors: [], rows: 0 };
  let step = await gen.next();
  for (; !step.done; step = await gen.next()) {
    out.contacts.push(...step.value.contacts);
    out.errors.push(...step.value.errors);
  }
  out.rows = step.value;
  return out;
}

/** A CSV with everything the tokenizer treats specially, spread over several hundred KB. */
function trickyCsv(): string {
  const rows = ['sep=;', '', 'Name;Firma;Telefon;Notiz'];
  for (let i = 0; i < 3000; i++) {
    const n = `0711 ${100000 + i}`;
    if (i === 700) rows.push(`Lang;Firma;${n};${'x'.repeat(70 * 1024)}`);
    else if (i === 1200) rows.push(`Offen;"nie zu;${n};a`);
    else if (i === 1500) rows.push(`"Zwei\r\nZeilen";Firma;${n};"b""c"`);
    else if (i === 1800) rows.push(`Mac ${i};Firma;${n};c\rMac2 ${i};Firma;${n}9;d`);
    else if (i === 2100) rows.push(`Kaputt;Firma;${n}`);
    else if (i === 2400) rows.push(`Anna ${i - 1};Firma ${i - 1};0711 ${100000 + i - 1};note`);
    else rows.push(`Anna ${i};Firma ${i};${n};note ${'n'.repeat(i % 97)}`);
  }
  return rows.join('\r\n');
}

describe('streamed files give what parsing them whole gives', () => {
  test('CSV: the same contacts, skipped rows (with their lines) and row count, in pieces of any size', async () => {
    for (const [name, bytes] of [
      ['utf-8', Buffer.from(trickyCsv(), 'utf8')],
      // A windows-1252 byte far into the file: the encoding comes from the whole file, not its start.
      [
        'windows-1252',
        Buffer.concat([Buffer.from(trickyCsv(), 'latin1'), Buffer.from('Jürgen;M\xfcller;0711 9;x\n', 'latin1')]),
      ],
    ] as const) {
      const whole = parseCsv(bytes);
      assert.ok(whole.errors.length >= 3, `${name}: the file has bad rows`);
      for (const size of [1000, 4096, 65_537, 1 << 20]) {
        const streamed = await collect(streamCsv(chunked(bytes, size), {}));
        assert.equal(streamed.rows, whole.rows, `${name} in ${size}-byte pieces: rows`);
        assert.deepEqual(streamed.errors, whole.errors, `${name} in ${size}-byte pieces: skipped rows`);
        assert.deepEqual(streamed.contacts, whole.contacts, `${name} in ${size}-byte pieces: contacts`);
      }
    }
  });

  test('vCard: the same cards, skipped cards and duplicates over the whole file, in pieces of any size', async () => {
    const fixture = readFileSync(new URL('../../../test/fixtures/directory/ios-google-30.vcf', import.meta.url));
    const more = Array.from(
      { length: 2000 },
      (_, k) =>
        `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Karte ${k % 1900}\r\nTEL:+49 711 ${200000 + (k % 1900)}\r\nEND:VCARD\r\n`,
    ).join('');
    const bytes = Buffer.concat([fixture, Buffer.from(`${more}BEGIN:VCARD\nFN:ohne Ende\n`)]);
    const whole = parseVcard(bytes);
    assert.ok(whole.errors.some((e) => /duplicate/.test(e.reason)));
    for (const size of [1000, 4096, 1 << 20]) {
      const streamed = await collect(streamVcard(chunked(bytes, size), {}));
      assert.equal(streamed.rows, whole.rows);
      assert.deepEqual(streamed.errors, whole.errors);
      assert.deepEqual(streamed.contacts, whole.contacts);
    }
  });
});

test('a file over the 50 MB of a whole read is streamed: contacts reach the sync long before the file is read', async () => {
  const row = (k: number) => `Person ${k};Firma ${k % 500};+49 711 ${1_000_000 + k};${'t'.repeat(400)}\n`;
  const rowBytes = Buffer.byteLength(row(0));
  const rows = Math.ceil((DEFAULT_MAX_BYTES + 5 * 1024 * 1024) / rowBytes);
  let read = 0;
  // Generated as it is read: the file exists nowhere whole.
  const open: OpenChunks = async function* () {
    read = 0;
    yield Buffer.from('Name;Firma;Telefon;Titel\n');
    for (let k = 0; k < rows; k += 1000) {
      const piece = Buffer.from(Array.from({ length: Math.min(1000, rows - k) }, (_, j) => row(k + j)).join(''));
      read += piece.length;
      yield piece;
    }
  };
  const source = new FileSource({ read: () => Promise.reject(new Error('not read whole')), open });
  const ctx = { cursor: null, signal: new AbortController().signal, log: pino({ level: 'silent' }), progress() {} };
  const gen = source.sync(ctx);
  let seen = 0;
  let readAtFirstBatch = -1;
  let step = await gen.next();
  for (; !step.done; step = await gen.next()) {
    if (readAtFirstBatch < 0) readAtFirstBatch = read;
    seen += (step.value as SourceContact[]).length;
  }
  assert.equal(seen, rows);
  assert.equal(source.rows, rows);
  assert.deepEqual(source.skippedRows, []);
  assert.deepEqual(step.value, { full: true, cursor: null });
  assert.ok(read > DEFAULT_MAX_BYTES);
  assert.ok(readAtFirstBatch < 4 * 1024 * 1024, `the first contacts came after ${readAtFirstBatch} bytes`);
});

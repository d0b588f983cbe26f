import assert from 'node:assert/strict';
import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOk, assertOneLineError, type CliResult, fileSandbox } from './support/cli.js';

const sb = fileSandbox();
const fixtures = new URL('./fixtures/directory/', import.meta.url);

test('directory import (the real command; CSV by content, bad rows by line), sources, lookup with --json', async () => {
  assertOk(await sb.run(['tenant', 'add', 'dir.test', '--country', 'DE', '--area-code', '711']));
  const csv = join(sb.dataDir, 'kunden.csv');
  writeFileSync(
    csv,
    [
      'Name;Firma;Telefon',
      'Anna Berger;Muster GmbH;0711 123456-12',
      'kaputt;"offen',
      'Zentrale;Muster GmbH;0711 123456-0',
    ].join('\n'),
  );
  const imported = await sb.spawn(['directory', 'import', csv, '--tenant', 'dir.test']);
  assertOk(imported);
  assert.match(imported.stdout, /^kunden: 2 entries \(2 read, 0 removed, full sync\)/);
  assert.match(imported.stdout, /line 3: /);

  const vcf = await sb.run([
    'directory',
    'import',
    new URL('ios-google-30.vcf', fixtures).pathname,
    '--tenant',
    'dir.test',
    '--source',
    'telefonbuch',
  ]);
  assertOk(vcf);

  const sources = await sb.run(['directory', 'sources', '--tenant', 'dir.test', '--json']);
  assertOk(sources);
  const list = JSON.parse(sources.stdout) as {
    sources: { name: string; kind: string; entries: number; state: string }[];
  };
  assert.deepEqual(
    list.sources.map((s) => [s.name, s.kind, s.state]),
    [
      ['kunden', 'file', 'ok'],
      ['telefonbuch', 'file', 'ok'],
    ],
  );

  const found = await sb.run(['directory', 'lookup', '+49 711 12345612', '--tenant', 'dir.test', '--json']);
  assertOk(found);
  const result = JSON.parse(found.stdout) as {
    number: string;
    candidates: { name: string; match: string; score: number; source: string }[];
  };
  assert.equal(result.number, '+4971112345612');
  assert.deepEqual(
    result.candidates.map((c) => [c.name, c.match, c.score, c.source]),
    [['Anna Berger', 'exact', 100, 'kunden']],
  );
  const company = await sb.run(['directory', 'lookup', '0711 123456-77', '--tenant', 'dir.test']);
  assertOk(company);
  assert.match(company.stdout, /~Muster GmbH\s+Muster GmbH\s+company/);
});

test('directory errors are one line: bad numbers, unknown sources and tenants, missing files', async () => {
  const [bad, unknownSource, unknownTenant, missing] = await Promise.all([
    sb.run(['directory', 'lookup', 'hello', '--tenant', 'dir.test']),
    sb.run(['directory', 'sync', 'nope', '--tenant', 'dir.test']),
    sb.run(['directory', 'lookup', '0711 1', '--tenant', 'nowhere.test']),
    sb.run(['directory', 'import', join(sb.dataDir, 'none.csv'), '--tenant', 'dir.test']),
  ]);
  assertOneLineError(bad, /number/);
  assertOneLineError(unknownSource, /directory source/);
  assertOneLineError(unknownTenant, /tenant|nowhere/);
  assertOneLineError(missing, /none\.csv: no such file/);
});

/** A failed command whose error line (after the sync's own log line, a warning) matches `pattern`. */
function assertFailed(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('parley: error: '));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0] ?? '', pattern);
}

test('a failed import into a new source leaves no source behind; into an existing one it says what stays', async () => {
  assertOk(await sb.run(['tenant', 'add', 'fail.test']));
  const bad = join(sb.dataDir, 'kaputt.csv');
  writeFileSync(bad, ['Name;Firma;Telefon', 'nur;zwei', 'auch;nur'].join('\n'));
  const failed = await sb.run(['directory', 'import', bad, '--tenant', 'fail.test']);
  assertFailed(failed, /none of the 2 rows .*nothing imported; source kaputt was not created/);
  const after = await sb.run(['directory', 'sources', '--tenant', 'fail.test', '--json']);
  assertOk(after);
  assert.deepEqual(
    (JSON.parse(after.stdout) as { sources: { name: string }[] }).sources.map((s) => s.name),
    [],
  );

  const good = join(sb.dataDir, 'good.csv');
  writeFileSync(good, ['Name;Firma;Telefon', 'Anna;Muster GmbH;+49 711 1'].join('\n'));
  assertOk(await sb.run(['directory', 'import', good, '--tenant', 'fail.test', '--source', 'liste']));
  const again = await sb.run(['directory', 'import', bad, '--tenant', 'fail.test', '--source', 'liste']);
  assertFailed(again, /source liste keeps its last good contacts/);
  const kept = await sb.run(['directory', 'sources', '--tenant', 'fail.test', '--json']);
  assert.deepEqual(
    (JSON.parse(kept.stdout) as { sources: { name: string; entries: number; state: string }[] }).sources.map((s) => [
      s.name,
      s.entries,
      s.state,
    ]),
    [['liste', 1, 'error']],
  );
});

test('a file over 50 MB is imported (streamed), with progress lines on a stderr that is no terminal', async () => {
  assertOk(await sb.run(['tenant', 'add', 'big.test', '--country', 'DE', '--area-code', '711']));
  const file = join(sb.dataDir, 'gross.csv');
  // Wide rows of a column no field reads: over 50 MB, yet few contacts to store.
  const rows = 11_000;
  const out = openSync(file, 'w');
  writeSync(out, 'Name;Firma;Telefon;Bemerkung\n');
  for (let k = 0; k < rows; k += 100) {
    const lines = Array.from(
      { length: 100 },
      (_, j) => `P ${k + j};F ${(k + j) % 50};0711 ${1_000_000 + k + j};${'t'.repeat(4900)}\n`,
    );
    writeSync(out, lines.join(''));
  }
  closeSync(out);
  assert.ok(statSync(file).size > 50 * 1024 * 1024);
  const r = await sb.run(['directory', 'import', file, '--tenant', 'big.test']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^gross: ${rows} entries \\(${rows} read, 0 removed, full sync\\)`));
  const lines = r.stderr.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => /^importing gross\.csv: (\d+)% \(\d+ read\)$/.exec(l)?.[1]),
    ['10', '20', '30', '40', '50', '60', '70', '80', '90', '100'],
    r.stderr,
  );
  const found = await sb.run(['directory', 'lookup', '0711 1010000', '--tenant', 'big.test', '--json']);
  assertOk(found);
  assert.equal((JSON.parse(found.stdout) as { candidates: { name: string }[] }).candidates[0]?.name, 'P 10000');
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOk, assertOneLineError, fileSandbox } from './support/cli.js';

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

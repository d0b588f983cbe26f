import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, csvRow } from './csv.js';

test('cells are quoted as RFC 4180 asks and formulas are defused', () => {
  const cases: [string | number | boolean | null, string][] = [
    ['plain', 'plain'],
    [null, ''],
    [42, '42'],
    [-3, '-3'],
    [true, 'true'],
    ['Berger, Anna', '"Berger, Anna"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['+4971112345', "'+4971112345"],
    ['-1+1', "'-1+1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', '"\'\rCR"'],
    ['a=b', 'a=b'],
  ];
  for (const [value, cell] of cases) assert.equal(csvCell(value), cell, JSON.stringify(value));
  assert.equal(csvRow(['a', null, 'b,c']), 'a,,"b,c"\r\n');
});

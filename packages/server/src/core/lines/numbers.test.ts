import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NumberingPlan } from '../../lib/phone-number.js';
import { directDialExtension, extensionProblem, readDid, sharedDialling } from './numbers.js';

/** Stuttgart with a PBX at +49 711 12345 and 3-digit extensions; Berlin without a PBX; New York. */
const pbx: NumberingPlan = {
  country: 'DE',
  areaCode: '711',
  trunkPrefix: '0',
  exitPrefix: '00',
  pbxBase: '+4971112345',
  extensionLength: { min: 3, max: 3 },
};
const berlin: NumberingPlan = { ...pbx, areaCode: '30', pbxBase: null, extensionLength: null };
const nyc: NumberingPlan = {
  country: 'US',
  areaCode: '212',
  trunkPrefix: '',
  exitPrefix: '011',
  pbxBase: null,
  extensionLength: null,
};

test('extensionProblem: digits, no trunk or exit prefix, the plan’s length', () => {
  const cases: [string, NumberingPlan, RegExp | undefined][] = [
    ['201', pbx, undefined],
    ['2011', pbx, /extensions have 3 digits/],
    ['20', pbx, /extensions have 3 digits/],
    ['2011', berlin, undefined],
    ['0201', berlin, /trunk prefix 0/],
    ['00201', berlin, /exit prefix 00/],
    ['0111', nyc, /exit prefix 011/],
    ['0201', nyc, undefined],
    ['', berlin, /1 to 15 digits/],
    ['20 1', berlin, /1 to 15 digits/],
    ['+201', berlin, /1 to 15 digits/],
    ['２０１', berlin, /1 to 15 digits/],
    ['1'.repeat(16), berlin, /1 to 15 digits/],
  ];
  for (const [number, plan, expected] of cases) {
    const problem = extensionProblem(number, plan);
    if (expected) assert.match(problem ?? '', expected, number);
    else assert.equal(problem, undefined, number);
  }
});

test('readDid: any spelling to E.164; an extension or no number is refused', () => {
  const cases: [string, NumberingPlan, string | RegExp][] = [
    ['+49 711 12345-201', pbx, '+4971112345201'],
    ['0711 12345201', pbx, '+4971112345201'],
    ['030 12345', berlin, '+493012345'],
    ['12345', berlin, '+493012345'],
    ['(212) 555-0100', nyc, '+12125550100'],
    ['201', pbx, /internal extension/],
    ['call me', pbx, /not a phone number/],
  ];
  for (const [raw, plan, expected] of cases) {
    const read = readDid(raw, plan);
    if (typeof expected === 'string') assert.deepEqual(read, { e164: expected }, raw);
    else assert.match('reason' in read ? read.reason : '', expected, raw);
  }
});

test('directDialExtension: the PBX base followed by an extension of the plan’s length', () => {
  assert.equal(directDialExtension('+4971112345201', pbx), '201');
  assert.equal(directDialExtension('+49711123452011', pbx), undefined);
  assert.equal(directDialExtension('+4971199999201', pbx), undefined);
  assert.equal(directDialExtension('+4971112345201', berlin), undefined);
});

test('sharedDialling: the string two lines would both answer to', () => {
  const line = (number: string, did: string | null = null) => ({ number, did });
  const cases: [ReturnType<typeof line>, ReturnType<typeof line>, NumberingPlan, string | undefined][] = [
    [line('201'), line('202'), pbx, undefined],
    [line('201'), line('201'), pbx, '201'],
    [line('201'), line('202', '+4989123456'), pbx, undefined],
    [line('201', '+4989123456'), line('202', '+4989123456'), pbx, '4989123456'],
    // Direct dial: 202's DID is 201's number through the PBX.
    [line('201'), line('202', '+4971112345201'), pbx, '201'],
    [line('202', '+4971112345201'), line('201'), pbx, '201'],
    // Berlin: dialled locally, 12345 is +49 30 12345.
    [line('12345'), line('201', '+493012345'), berlin, '12345'],
    [line('201', '+493012345'), line('12345'), berlin, '12345'],
    // A DID's digits without '+' dialled exactly.
    [line('493012345'), line('201', '+493012345'), berlin, '493012345'],
    [line('5550100'), line('201', '+12125550100'), nyc, '5550100'],
    [line('5550101'), line('201', '+12125550100'), nyc, undefined],
    // The same DID in another plan's form is still the same number.
    [line('300', '+493012345'), line('301', '+493012345'), nyc, '493012345'],
  ];
  for (const [a, b, plan, expected] of cases) {
    assert.equal(sharedDialling(a, b, plan), expected, `${JSON.stringify(a)} ~ ${JSON.stringify(b)}`);
  }
});

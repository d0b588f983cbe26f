// displayFormatter() (the reverse lookup's `display` without a second libphonenumber parse) against
// formatDisplay() itself, number by number: every number of the directory benchmark's generated
// contacts and caller IDs (bench/directory-data.ts: DE, AT, CH, GB, US, FR, NL in real-world
// spellings), and libphonenumber's example number of every country, also one digit shorter and
// longer (other formats, impossible lengths), under plans of several countries with and without a
// PBX whose direct dials are shown DIN 5008 style.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import examples from 'libphonenumber-js/mobile/examples';
import { DirectoryData } from '../../../bench/directory-data.js';
import { planOf } from '../src/core/tenants/model.js';
import { displayFormatter, formatDisplay, type NumberingPlan, normalize } from '../src/lib/phone-number.js';

const plans: Record<string, NumberingPlan> = {
  'DE with a PBX': planOf({
    country: 'DE',
    areaCode: '711',
    numbering: { pbxBase: '+49711123456', extensionLength: { min: 2, max: 4 } },
  }),
  DE: planOf({ country: 'DE', areaCode: '711', numbering: null }),
  AT: planOf({ country: 'AT', areaCode: '1', numbering: null }),
  CH: planOf({ country: 'CH', areaCode: '44', numbering: null }),
  GB: planOf({ country: 'GB', areaCode: '20', numbering: null }),
  'US with a PBX': planOf({
    country: 'US',
    areaCode: '212',
    numbering: { pbxBase: '+12125550100', extensionLength: { min: 3, max: 4 } },
  }),
  IT: planOf({ country: 'IT', areaCode: '6', numbering: null }),
};

function corpus(): string[] {
  const numbers = new Set<string>();
  const data = new DirectoryData(20_000);
  for (let i = 0; i < data.n; i++) for (const n of data.numbers(i)) numbers.add(n.e164);
  const de = plans.DE as NumberingPlan;
  for (const { number } of data.lookups(0, 20_000)) {
    const n = normalize(number, de);
    if (n.ok) numbers.add(n.e164);
  }
  for (const [country, national] of Object.entries(examples as Record<string, string>)) {
    const n = normalize(national, planOf({ country, areaCode: null, numbering: null }));
    if (!n.ok) continue;
    numbers.add(n.e164);
    numbers.add(n.e164.slice(0, -1));
    numbers.add(`${n.e164}5`);
  }
  // Direct dials of the PBXs above, and numbers that are no E.164 at all.
  for (const ext of ['1', '12', '123', '1234', '12345']) numbers.add(`+49711123456${ext}`).add(`+12125550100${ext}`);
  for (const odd of ['', '+', '+4', '+49', '+491', '+999123456', '0711123456', '+49711x23', '+800123456'])
    numbers.add(odd);
  return [...numbers];
}

test('displayFormatter gives what formatDisplay gives, for every number of the corpus and every plan', () => {
  const numbers = corpus();
  assert.ok(numbers.length > 30_000, `corpus of ${numbers.length} numbers`);
  for (const [name, plan] of Object.entries(plans)) {
    const display = displayFormatter(plan);
    const differ = numbers.filter((e164) => display(e164) !== formatDisplay(e164, plan));
    assert.deepEqual(
      differ.slice(0, 10).map((e164) => [e164, display(e164), formatDisplay(e164, plan)]),
      [],
      `${name}: ${differ.length} of ${numbers.length} differ`,
    );
  }
});

test('displayFormatter: national in the plan country, international otherwise, direct dial of the PBX apart', () => {
  const de = displayFormatter(plans['DE with a PBX'] as NumberingPlan);
  assert.equal(de('+49711123456'), '0711 123456');
  assert.equal(de('+4971112345612'), '0711 123456-12');
  assert.equal(de('+4915112345678'), '01511 2345678');
  assert.equal(de('+41446681812'), '+41 44 668 18 12');
  assert.equal(de('+12125550123'), '+1 212 555 0123');
  assert.equal(de('+4420 7946 0958'.replace(/ /g, '')), '+44 20 7946 0958');
  assert.equal(de('not a number'), 'not a number');
  const us = displayFormatter(plans['US with a PBX'] as NumberingPlan);
  assert.equal(us('+12125550123'), '(212) 555-0123');
  assert.equal(us('+49711123456'), '+49 711 123456');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callingCodeOf,
  formatDisplay,
  type NumberingPlan,
  normalize,
  prefixesOf,
  switchboardCandidates,
} from './phone-number.js';

const de: NumberingPlan = {
  country: 'DE',
  areaCode: '711',
  trunkPrefix: '0',
  exitPrefix: '00',
  pbxBase: '+49711123456',
  extensionLength: { min: 2, max: 4 },
};
const at: NumberingPlan = {
  country: 'AT',
  areaCode: '1',
  trunkPrefix: '0',
  exitPrefix: '00',
  pbxBase: null,
  extensionLength: null,
};
const ch: NumberingPlan = { ...at, country: 'CH', areaCode: '44' };
const gb: NumberingPlan = { ...at, country: 'GB', areaCode: '20' };
const fr: NumberingPlan = { ...at, country: 'FR', areaCode: null };
const us: NumberingPlan = {
  country: 'US',
  areaCode: '212',
  trunkPrefix: '',
  exitPrefix: '011',
  pbxBase: '+12125550100',
  extensionLength: { min: 3, max: 4 },
};

function e164(raw: string, plan: NumberingPlan = de): string {
  const result = normalize(raw, plan);
  assert.ok(result.ok, `${JSON.stringify(raw)} (${plan.country}): ${result.ok ? '' : result.reason}`);
  return result.e164;
}

function reason(raw: string, plan: NumberingPlan = de): string {
  const result = normalize(raw, plan);
  assert.ok(!result.ok, `${JSON.stringify(raw)} should fail, got ${result.ok ? result.e164 : ''}`);
  return result.reason;
}

test('the inputs of the issue resolve for DE/711 with PBX +49711123456 and extensions of 2–4 digits', () => {
  for (const raw of [
    '0711 1234-56',
    '+49 (0)711 123456',
    '00497111234 56',
    '0049 711 123456',
    '+49-711-123456',
    '(0711) 123456',
    '123456',
    'tel:+49711123456',
    'sip:+49711123456@host;user=phone',
  ]) {
    assert.deepEqual(normalize(raw, de), { ok: true, e164: '+49711123456', kind: 'e164', country: 'DE' }, raw);
  }
  assert.deepEqual(normalize('1234', de), {
    ok: true,
    e164: '+497111234561234',
    kind: 'extension',
    extension: '1234',
  });
  assert.equal(e164('+1 (212) 555-0100'), '+12125550100');
  assert.equal(e164('001 212 555 0100'), '+12125550100');
  assert.equal(e164('+44 20 7946 0958'), '+442079460958');
  assert.equal(e164('0044 (0)20 7946 0958'), '+442079460958');
});

// [raw, plan, E.164]: spellings seen in phone books, Outlook and Active Directory.
const table: [string, NumberingPlan, string][] = [
  // Germany: Stuttgart, Berlin, Munich, Heidelberg
  ['0711/123456', de, '+49711123456'],
  ['0711.123.456', de, '+49711123456'],
  ['0711 / 12 34 56', de, '+49711123456'],
  ['+49 711 / 123456', de, '+49711123456'],
  ['+49(711)123456', de, '+49711123456'],
  ['+49 (0) 711 / 12 34 56', de, '+49711123456'],
  ['+490711123456', de, '+49711123456'],
  ['Tel.: +49 (0) 711 / 12 34 56', de, '+49711123456'],
  ['0711 123456 (Zentrale)', de, '+49711123456'],
  ['030 12345678', de, '+493012345678'],
  ['030/1234 5678', de, '+493012345678'],
  ['(030) 1234-5678', de, '+493012345678'],
  ['089 / 12 34 56 78', de, '+498912345678'],
  ['+49 89 12345678', de, '+498912345678'],
  ['0049 (0)89 12345678', de, '+498912345678'],
  ['06221 54-12345', de, '+4962215412345'],
  ['+49 711 123456-12', de, '+4971112345612'],
  ['+49 711 12345-678', de, '+4971112345678'],
  // German mobiles
  ['0151 12345678', de, '+4915112345678'],
  ['0151-12345678', de, '+4915112345678'],
  ['+49 151 1234 5678', de, '+4915112345678'],
  ['0160 1234567', de, '+491601234567'],
  ['0170 1234567', de, '+491701234567'],
  ['0171/1234567', de, '+491711234567'],
  ['(0172) 123 45 67', de, '+491721234567'],
  ['0176 12345678', de, '+4917612345678'],
  ['+49 (0)176 1234 5678', de, '+4917612345678'],
  ['Mobil: 0176 / 123 456 78', de, '+4917612345678'],
  // German service numbers
  ['0800 1234567', de, '+498001234567'],
  ['0800 123 45 67', de, '+498001234567'],
  ['01805 123456', de, '+491805123456'],
  ['0180 5 123 456', de, '+491805123456'],
  ['0800-FLOWERS', de, '+498003569377'],
  // Austria
  ['+43 1 234567', de, '+431234567'],
  ['0043 1 234567', de, '+431234567'],
  ['+43 (0)1 234567', de, '+431234567'],
  ['+43 664 1234567', de, '+436641234567'],
  ['0043 (0) 664 / 123 45 67', de, '+436641234567'],
  ['01 234567', at, '+431234567'],
  ['0664 1234567', at, '+436641234567'],
  ['234567', at, '+431234567'],
  ['+49 711 123456', at, '+49711123456'],
  // Switzerland
  ['+41 44 123 45 67', de, '+41441234567'],
  ['0041 44 123 45 67', de, '+41441234567'],
  ['+41 (0)44 123 45 67', de, '+41441234567'],
  ['+41 79 123 45 67', de, '+41791234567'],
  ['044 123 45 67', ch, '+41441234567'],
  ['079 123 45 67', ch, '+41791234567'],
  ['123 45 67', ch, '+41441234567'],
  // United Kingdom ('07700 900xxx' is Ofcom's range for drama: possible, not valid; kept)
  ['+44 (0) 20 7946 0958', de, '+442079460958'],
  ['+44 7700 900123', de, '+447700900123'],
  ['+44 161 496 0000', de, '+441614960000'],
  ['020 7946 0958', gb, '+442079460958'],
  ['07700 900123', gb, '+447700900123'],
  ['7946 0958', gb, '+442079460958'],
  // United States
  ['+1 212-555-0100', de, '+12125550100'],
  ['+1.212.555.0100', de, '+12125550100'],
  ['(212) 555-0100', us, '+12125550100'],
  ['212-555-0100', us, '+12125550100'],
  ['1-212-555-0100', us, '+12125550100'],
  ['1 (212) 555-0100', us, '+12125550100'],
  ['555-0100', us, '+12125550100'],
  ['011 49 711 123456', us, '+49711123456'],
  ['+1 800 FLOWERS', us, '+18003569377'],
  ['1-800-FLOWERS', us, '+18003569377'],
  // France
  ['+33 1 23 45 67 89', de, '+33123456789'],
  ['0033 1 23 45 67 89', de, '+33123456789'],
  ['+33 (0)1 23 45 67 89', de, '+33123456789'],
  ['+33 6 12 34 56 78', de, '+33612345678'],
  ['01 23 45 67 89', fr, '+33123456789'],
  ['01.23.45.67.89', fr, '+33123456789'],
  ['06 12 34 56 78', fr, '+33612345678'],
  // Italy: the 0 is part of the number, '(0)' must not be dropped
  ['+39 06 1234 5678', de, '+390612345678'],
  ['+39 (0)6 1234 5678', de, '+390612345678'],
];

test('a table of realistic numbers in the spellings people use', () => {
  for (const [raw, plan, expected] of table) assert.equal(e164(raw, plan), expected, `${raw} (${plan.country})`);
});

test('known numbers (an index): every spelling reads as the same number, plain caller IDs without parsing', () => {
  const known = new Set(table.map(([raw, plan]) => e164(raw, plan)));
  for (const [raw, plan, expected] of table) {
    const r = normalize(raw, plan, known);
    assert.ok(r.ok && r.e164 === expected, `${raw} (${plan.country}): ${JSON.stringify(r)}`);
  }
  // Read from the prefixes alone (no libphonenumber: no country), in every form a trunk presents.
  const stuttgart = new Set(['+497111234567', '+4940866605192']);
  for (const raw of ['040866605192', '004940866605192', '+4940866605192', '1234567', '0711 1234567']) {
    const r = normalize(raw, de, stuttgart);
    assert.ok(r.ok && r.country === undefined && stuttgart.has(r.e164), `${raw}: ${JSON.stringify(r)}`);
  }
  // GB's trunk prefix is not a plain prefix for libphonenumber, Italy has none: parsed as before.
  const london = normalize('020 7946 0018', gb, new Set(['+442079460018']));
  assert.deepEqual(london, { ok: true, e164: '+442079460018', kind: 'e164', country: 'GB' });
  // A number the index does not hold, a block and an extension marker are parsed as before.
  assert.deepEqual(normalize('040866605199', de, stuttgart), normalize('040866605199', de));
  assert.deepEqual(normalize('0711 1234-0', de, new Set(['+4971112340'])), normalize('0711 1234-0', de));
  assert.deepEqual(normalize('040 866605 ext. 192', de, stuttgart), normalize('040 866605 ext. 192', de));
});

test('internal extensions: pbxBase + digits, only in the configured length and without a prefix', () => {
  assert.deepEqual(normalize('12', de), { ok: true, e164: '+4971112345612', kind: 'extension', extension: '12' });
  assert.deepEqual(normalize('12-34', de), {
    ok: true,
    e164: '+497111234561234',
    kind: 'extension',
    extension: '1234',
  });
  assert.deepEqual(normalize('123', us), { ok: true, e164: '+12125550100123', kind: 'extension', extension: '123' });
  assert.match(reason('012', de), /too short/);
  assert.equal(e164('12345', de), '+4971112345', 'five digits: a local number');
  assert.match(reason('1234', { ...de, pbxBase: null }), /no PBX base number/);
  assert.equal(e164('1234', { ...de, extensionLength: null }), '+497111234');
  assert.deepEqual(normalize('+4971112345612', de), { ok: true, e164: '+4971112345612', kind: 'e164', country: 'DE' });
});

test('local numbers take the area code; without one they are refused in a plan with a trunk prefix', () => {
  assert.equal(e164('123456'), '+49711123456');
  assert.equal(e164('123456', { ...de, areaCode: '0711' }), '+49711123456', 'area code given with its 0');
  assert.match(reason('123456', { ...de, areaCode: null }), /no area code/);
  assert.equal(e164('2125550100', { ...us, areaCode: null }), '+12125550100');
});

test('tel: and sip: URIs', () => {
  assert.equal(e164('tel:+49-711-123456'), '+49711123456');
  assert.equal(e164('TEL:+49711123456'), '+49711123456');
  assert.equal(e164('sips:+49711123456@pbx.example.com:5061;transport=tls'), '+49711123456');
  assert.equal(e164('sip:%2B49711123456@host'), '+49711123456');
  assert.equal(e164('sip:0711123456@pbx;user=phone'), '+49711123456');
  assert.equal(e164('tel:123456;phone-context=+49711'), '+49711123456');
  assert.equal(e164('tel:123456;phone-context=example.com'), '+49711123456');
  assert.deepEqual(normalize('tel:+49-711-123456;ext=12', de), {
    ok: true,
    e164: '+4971112345612',
    kind: 'e164',
    country: 'DE',
    extension: '12',
  });
  assert.match(reason('sip:alice@example.com'), /SIP URI without a number/);
  assert.match(reason('sip:+49711123456'), /without a user part/);
  assert.equal(reason('tel:'), 'not a phone number (no digits)');
});

test('Unicode digits, spaces and dashes', () => {
  assert.equal(e164('0711\u00a0123456'), '+49711123456', 'no-break space');
  assert.equal(e164('0711\u202f12\u202f34\u202f56'), '+49711123456', 'narrow no-break space');
  assert.equal(e164('0711\u2013123456'), '+49711123456', 'en dash');
  assert.equal(e164('0711\u2014123456'), '+49711123456', 'em dash');
  assert.equal(e164('0711\u2011123456'), '+49711123456', 'non-breaking hyphen');
  assert.equal(e164('\u200e+49 711 123456\u200e'), '+49711123456', 'left-to-right marks from an AD export');
  assert.equal(
    e164('\uff0b\uff14\uff19\u3000\uff17\uff11\uff11\u3000\uff11\uff12\uff13\uff14\uff15\uff16'),
    '+49711123456',
  );
  assert.equal(e164('\u0660\u0667\u0661\u0661 \u0661\u0662\u0663\u0664\u0665\u0666'), '+49711123456', 'Arabic-Indic');
  assert.equal(e164('\u06f0\u06f7\u06f1\u06f1\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6'), '+49711123456', 'Persian');
});

test('explicit extension markers: appended in DE/AT (direct dial), dropped elsewhere and for mobiles', () => {
  for (const raw of [
    '+49 711 123456 ext. 12',
    '+49 711 123456 x12',
    '+49 711 123456x12',
    '+49 711 123456 #12',
    '0711 123456 Durchwahl 12',
    '0711 123456 Durchwahl: 12',
    '0711 123456 DW 12',
    '0711 123456 App. 12',
    '0711 123456 (Durchwahl 12)',
    '0711 123456;ext=12',
    '0711 123456, ext 12',
  ]) {
    const result = normalize(raw, de);
    assert.ok(result.ok, raw);
    assert.equal(result.e164, '+4971112345612', raw);
    assert.equal(result.extension, '12', raw);
  }
  assert.equal(e164('+43 1 234567 ext. 89'), '+43123456789');
  const us1 = normalize('+1 212 555 0100 x123', de);
  assert.ok(us1.ok);
  assert.equal(us1.e164, '+12125550100');
  assert.equal(us1.extension, '123');
  assert.equal(e164('+44 20 7946 0958 ext 12'), '+442079460958');
  assert.equal(e164('0151 12345678 x12'), '+4915112345678', 'a mobile has no direct dial');
  assert.equal(e164('+49 711 123456789 x12'), '+49711123456789', 'over 15 digits: base kept');
});

test('(0) in an international number is the trunk prefix where the country has one', () => {
  assert.equal(e164('+49 (0)711 123456'), '+49711123456');
  assert.equal(e164('+49(0)711123456'), '+49711123456');
  assert.equal(e164('+44 (0)20 7946 0958'), '+442079460958');
  assert.equal(e164('+39 (0)6 1234 5678'), '+390612345678');
  assert.equal(reason('+49 (0)711'), 'too short');
});

test('invalid but plausible numbers are kept: long German direct-dial numbers, unassigned ranges', () => {
  assert.equal(e164('+49711123456-12'), '+4971112345612');
  assert.equal(e164('+49 711 123456 789'), '+49711123456789', '15 digits');
  assert.equal(e164('+49 151 1234567890'), '+491511234567890', 'libphonenumber: possible, not valid');
  assert.equal(e164('+49 32 12345678'), '+493212345678', 'unassigned national range');
  assert.equal(reason('+49 711 12345678901'), 'too long (over 15 digits)');
});

test('a block written with -0 gives its base for the index', () => {
  for (const raw of ['+49 711 1234-0', '0711 1234-0', '0711 1234 - 0', '+49 (0)711 1234\u20130']) {
    const result = normalize(raw, de);
    assert.deepEqual(
      result,
      { ok: true, e164: '+4971112340', kind: 'e164', country: 'DE', blockBase: '+497111234' },
      raw,
    );
  }
  const plain = normalize('0711 12340', de);
  assert.ok(plain.ok);
  assert.equal(plain.blockBase, undefined);
});

test('bad inputs are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['', /^empty$/],
    ['   ', /^empty$/],
    ['\u00a0', /^empty$/],
    ['abc', /contains letters/],
    ['n/a', /contains letters/],
    ['Zentrale', /contains letters/],
    ['keine Angabe', /contains letters/],
    ['123 Main St', /contains letters/],
    ['0800-Flowers', /contains letters/],
    ['-', /no digits/],
    ['()', /no digits/],
    ['?', /unexpected character "\?"/],
    ['info@example.com', /contains letters/],
    ['0711 123456, 0711 654321', /unexpected character ","/],
    ['0711 123456 * 12', /unexpected character "\*"/],
    ['0711 + 123456', /misplaced "\+"/],
    ['++49 711 123456', /misplaced "\+"/],
    ['1', /^too short$/],
    ['0', /too short/],
    ['00', /too short/],
    ['0711', /^too short$/],
    ['+49', /too short/],
    ['+4912', /too short/],
    ['+1 212', /too short/],
    ['+33 1 23 45', /too short/],
    ['+41 44 123 45 678', /invalid length for CH/],
    ['+49711123456789012', /too long \(over 15 digits\)/],
    ['+4971112345678901234', /too long/],
    ['+999 1234', /unknown country calling code/],
    ['0'.repeat(65), /over 64 characters/],
    [`+49 711 123456${' '.repeat(60)}`, /over 64 characters/],
  ];
  for (const [raw, expected] of cases) assert.match(reason(raw), expected, JSON.stringify(raw));
  assert.match(reason('0711 123456', { ...de, country: 'XX' }), /unsupported country XX/);
  assert.match(reason('1-800-FLOWERS', de), /contains letters/, 'not dialable from Germany');
  assert.deepEqual((normalize as (raw: unknown, plan: NumberingPlan) => unknown)(null, de), {
    ok: false,
    reason: 'not a string',
  });
});

test('switchboardCandidates: last 1, 2, 3 digits replaced by one 0, never below 4 national digits', () => {
  assert.deepEqual(switchboardCandidates('+49711123456'), ['+49711123450', '+4971112340', '+497111230']);
  assert.deepEqual(switchboardCandidates('+4971112345612'), ['+4971112345610', '+497111234560', '+49711123450']);
  assert.deepEqual(switchboardCandidates('+49711123450'), ['+4971112340', '+497111230'], 'not itself');
  assert.deepEqual(switchboardCandidates('+4930123'), ['+4930120']);
  assert.deepEqual(switchboardCandidates('+493012'), []);
  assert.deepEqual(switchboardCandidates('+12125550100'), ['+1212555010', '+121255500']);
  assert.deepEqual(switchboardCandidates('0711123456'), []);
  assert.deepEqual(switchboardCandidates('+999123456'), []);
});

test('prefixesOf: the number, then ever shorter, down to the calling code and 4 national digits', () => {
  assert.deepEqual(
    [...prefixesOf('+49711123456')],
    ['+49711123456', '+4971112345', '+497111234', '+49711123', '+4971112', '+497111'],
  );
  assert.deepEqual([...prefixesOf('+4971112345612', 7)].at(-1), '+497111234');
  assert.deepEqual([...prefixesOf('+49711')], []);
  assert.deepEqual([...prefixesOf('garbage')], []);
  // The block lookup: '+49 711 1234-0' stored under its base finds '+49 711 1234-56'.
  const block = normalize('+49 711 1234-0', de);
  assert.ok(block.ok && block.blockBase);
  const blocks = new Map([[block.blockBase, 'ACME GmbH']]);
  const found = [...prefixesOf(e164('+49 711 1234-56'))].find((prefix) => blocks.has(prefix));
  assert.equal(found, '+497111234');
});

test('callingCodeOf', () => {
  assert.equal(callingCodeOf('+49711123456'), '49');
  assert.equal(callingCodeOf('+12125550100'), '1');
  assert.equal(callingCodeOf('+358912345'), '358');
  assert.equal(callingCodeOf('+80012345678'), '800');
  assert.equal(callingCodeOf('49711'), undefined);
});

test('formatDisplay: national in the plan country, international otherwise, PBX direct dial DIN 5008 style', () => {
  assert.equal(formatDisplay('+49711123456', de), '0711 123456');
  assert.equal(formatDisplay('+49711123456'), '+49 711 123456');
  // libphonenumber groups Telekom's 0151 mobiles by their 5-digit block: 01511 2345678
  assert.equal(formatDisplay('+4915112345678', de), '01511 2345678');
  assert.equal(formatDisplay('+4917612345678', de), '0176 12345678');
  assert.equal(formatDisplay('+4971112345612', de), '0711 123456-12');
  assert.equal(formatDisplay('+4971112345612', at), '+49 711 12345612');
  assert.equal(formatDisplay('+12125550100', de), '+1 212 555 0100');
  assert.equal(formatDisplay('+12125550100', us), '(212) 555-0100');
  assert.equal(formatDisplay('+442079460958', gb), '020 7946 0958');
  assert.equal(formatDisplay('+33123456789', fr), '01 23 45 67 89');
  assert.equal(formatDisplay('garbage', de), 'garbage');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NumberingPlan } from '../lib/phone-number.js';
import { TenantIndex } from './index.js';
import { normalizeContact } from './service.js';
import type { SourceContact } from './source.js';

const plan: NumberingPlan = {
  country: 'DE',
  areaCode: '711',
  trunkPrefix: '0',
  exitPrefix: '00',
  pbxBase: '+49711999000',
  extensionLength: { min: 2, max: 4 },
};

const contact = (externalId: string, name: string, company: string | null, ...raw: string[]): SourceContact => ({
  externalId,
  name,
  givenName: null,
  surname: null,
  company,
  department: null,
  title: null,
  email: null,
  url: null,
  numbers: raw.map((r) => ({ type: 'work', raw: r })),
});

function indexOf(...contacts: SourceContact[]) {
  const index = new TenantIndex();
  for (const c of contacts) index.put('s1', normalizeContact(c, plan).contact);
  return index;
}

/** The index's image for a snapshot (it does not change meanwhile here, so there is one). */
async function imageOf(index: TenantIndex) {
  const image = await index.image();
  assert.ok(image);
  return image;
}

const summary = (hits: ReturnType<TenantIndex['lookup']>) =>
  hits.map((h) => `${h.match}:${h.entry.contact.name}:${h.number}:${h.stripped}`);

test('exact hits win; company by switchboard and by block; prefix of a PBX base number', () => {
  const index = indexOf(
    contact('anna', 'Anna Berger', 'Muster GmbH', '+49 711 123456-12'),
    contact('board', 'Zentrale', 'Muster GmbH', '+49 711 123456-0'),
    contact('hotline', 'Hotline', 'Service AG', '+49 800 1234567'),
  );
  assert.deepEqual(summary(index.lookup('+4971112345612')), ['exact:Anna Berger:+4971112345612:0']);
  // 0711 123456-99: the block +49 711 123456-0 and the switchboard with two digits replaced.
  assert.deepEqual(summary(index.lookup('+4971112345699')).sort(), [
    'company:Zentrale:+497111234560:0',
    'company:Zentrale:+497111234560:2',
  ]);
  assert.ok(summary(index.lookup('+497111234561')).includes('company:Zentrale:+497111234560:1'));
  assert.deepEqual(summary(index.lookup('+4980012345678')), ['prefix:Hotline:+498001234567:1']);
  assert.deepEqual(index.lookup('+4930123456'), [], 'nothing in Berlin');
});

test('contacts are replaced and removed; a source keeps only what it still has, or goes whole', () => {
  const index = indexOf(contact('a', 'Anna', null, '0711 111111'), contact('b', 'Bernd', null, '0711 222222'));
  index.put('s1', normalizeContact(contact('a', 'Anna Neu', null, '0711 333333'), plan).contact);
  assert.deepEqual(index.lookup('+49711111111'), []);
  assert.equal(index.lookup('+49711333333')[0]?.entry.contact.name, 'Anna Neu');
  assert.equal(index.size, 2);
  assert.deepEqual(
    index.search('anna', 10).map((e) => e.contact.name),
    ['Anna Neu'],
  );
  index.remove('s1', 'b');
  assert.deepEqual(index.lookup('+49711222222'), []);
  assert.deepEqual(index.search('bernd', 10), []);
  index.put('s2', normalizeContact(contact('c', 'Carla', null, '0711 444444'), plan).contact);
  index.put('s1', normalizeContact(contact('d', 'Dora', null, '0711 555555'), plan).contact);
  index.retainSource('s1', new Set(['d']));
  assert.deepEqual(index.lookup('+49711333333'), [], 'not kept');
  assert.equal(index.lookup('+49711555555')[0]?.entry.contact.name, 'Dora');
  index.retainSource('s1');
  assert.equal(index.size, 1);
  assert.equal(index.lookup('+49711444444')[0]?.entry.sourceId, 's2');
});

test('typeahead: every word must match the start of a word; numbers by digit fragments', () => {
  const index = indexOf(
    contact('1', 'Jürgen Müller', 'Straße GmbH', '0711 123456'),
    contact('2', 'Julia Meier', 'Acme Inc', '+1 212 555 0100'),
    contact('3', 'Karl Müllermann', 'Straße GmbH', '0711 654321'),
  );
  const names = (q: string) =>
    index
      .search(q, 10)
      .map((e) => e.contact.name)
      .sort();
  assert.deepEqual(names('mül'), ['Jürgen Müller', 'Karl Müllermann']);
  assert.deepEqual(names('jü mül'), ['Jürgen Müller']);
  assert.deepEqual(names('straße karl'), ['Karl Müllermann']);
  assert.deepEqual(names('0711 12'), ['Jürgen Müller'], 'national digits');
  assert.deepEqual(names('1212555'), ['Julia Meier'], 'international digits');
  assert.deepEqual(names('xyz'), []);
  assert.deepEqual(names('  '), []);
});

test('an index from its image (a snapshot) answers as the one it was taken of, and changes go on from there', async () => {
  const index = indexOf(
    contact('1', 'Jürgen Müller', 'Straße GmbH', '0711 123456'),
    contact('2', 'Julia Meier', 'Acme Inc', '+1 212 555 0100'),
  );
  const version = index.version;
  // The same contact again (a reload of an unchanged source) changes nothing.
  index.put('s1', normalizeContact(contact('1', 'Jürgen Müller', 'Straße GmbH', '0711 123456'), plan).contact);
  assert.equal(index.version, version);
  const restored = TenantIndex.fromImage(await imageOf(index));
  const names = (q: string) =>
    restored
      .search(q, 10)
      .map((e) => e.contact.name)
      .sort();
  assert.deepEqual(names('mül'), ['Jürgen Müller']);
  assert.deepEqual(names('0711 12'), ['Jürgen Müller']);
  assert.equal(restored.lookup('+12125550100')[0]?.entry.contact.name, 'Julia Meier');
  restored.put('s1', normalizeContact(contact('1', 'Jürgen Mueller', 'Straße GmbH', '0711 123456'), plan).contact);
  for (let i = 0; i < 40; i++) restored.put('s1', normalizeContact(contact(`n${i}`, `Neu ${i}`, null), plan).contact);
  assert.deepEqual(names('mül'), [], 'the old words of a changed contact are gone');
  assert.deepEqual(names('mue'), ['Jürgen Mueller']);
  assert.equal(restored.search('neu', 100).length, 40);
  assert.equal(restored.size, 42);
});

test("infix word search (the LDAP phone book's substrings) and the listing in slot order", async () => {
  const index = indexOf(
    contact('1', 'Anna Obermeier', null),
    contact('2', 'Klaus Meierhof', null),
    contact('3', 'Max Mustermann', 'Meier AG'),
    contact('4', 'Eva Schmidt', null),
  );
  // The words of an index read from a snapshot are one base of typed arrays; those of a fresh one a Map.
  const restored = TenantIndex.fromImage(await imageOf(index));
  const cases: [string, boolean, string[]][] = [
    ['meier', false, ['Klaus Meierhof', 'Max Mustermann']],
    ['meier', true, ['Anna Obermeier', 'Klaus Meierhof', 'Max Mustermann']],
    ['ermei', true, ['Anna Obermeier']],
    ['ober hof', true, []],
    ['mid', true, ['Eva Schmidt']],
    // Across two words stored end to end (the sorted words 'ag' and 'anna'): no match.
    ['gan', true, []],
  ];
  for (const from of [index, restored]) {
    const names = (q: string, infix: boolean) =>
      from
        .search(q, 10, infix)
        .map((e) => e.contact.name)
        .sort();
    for (const [q, infix, expected] of cases) assert.deepEqual(names(q, infix), expected, `${q} ${infix}`);
  }
  index.remove('s1', '2');
  const first = index.list(0, 2);
  assert.deepEqual(
    first.entries.map((e) => e.contact.name),
    ['Anna Obermeier', 'Max Mustermann'],
    "a removed contact's slot is skipped",
  );
  const rest = index.list(first.next ?? -1, 2);
  assert.deepEqual([rest.entries.map((e) => e.contact.name), rest.next], [['Eva Schmidt'], null]);
});

test('compacting goes a slice at a time: the index answers meanwhile, and a change meanwhile leaves it as it was', async () => {
  const many = Array.from({ length: 3000 }, (_, i) =>
    contact(`p${i}`, `Person${i} Nachname${i}`, `Firma${i % 50}`, `0711 5${String(i).padStart(4, '0')}`),
  );
  const index = indexOf(...many);
  for (let i = 0; i < 1000; i++) index.remove('s1', `p${i}`);
  const names = (q: string) => index.search(q, 5000).length;
  const answers = () => ({
    person: names('person'),
    firma: names('firma7'),
    hit: index.lookup('+4971152042')[0]?.entry.contact.name,
  });
  const before = answers();
  assert.deepEqual(before, { person: 2000, firma: 40, hit: 'Person2042 Nachname2042' });
  // Other work runs while it is under way (every pause yields here), and sees the index as it was.
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    assert.deepEqual(answers(), before);
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    assert.equal(await index.compact(0), true);
  } finally {
    done = true;
  }
  assert.ok(turns > 0, 'the event loop ran during the compaction');
  assert.deepEqual(answers(), before);
  // A change while it runs: the compaction's result is not taken, the change is kept; the next one takes it.
  index.put('s1', normalizeContact(contact('late', 'Spät Eintrag', null), plan).contact);
  const running = index.compact(0);
  index.put('s1', normalizeContact(contact('later', 'Noch Später', null), plan).contact);
  assert.equal(await running, false);
  assert.equal(index.search('eintrag', 10).length, 1);
  assert.equal(index.search('noch', 10).length, 1);
  const restored = TenantIndex.fromImage(await imageOf(index));
  assert.equal(restored.search('person', 5000).length, before.person);
  assert.equal(restored.search('noch', 10).length, 1);
  assert.equal(restored.size, 2002);
});

test('numbers that cannot be understood are kept as text and reported', () => {
  const { contact: c, invalid } = normalizeContact(contact('x', 'X', null, 'n/a', '0711 123456'), plan);
  assert.deepEqual(
    c.numbers.map((n) => n.e164),
    [null, '+49711123456'],
  );
  assert.equal(invalid.length, 1);
  assert.equal(invalid[0]?.raw, 'n/a');
  assert.ok((invalid[0]?.reason.length ?? 0) > 0);
});

test('a number not understood is reported with where a file source read it, without unsafe characters', () => {
  const c = contact('x', 'X', null);
  c.numbers = [{ type: 'work', raw: 'abc\u202e-1', origin: { line: 7, field: 'Tele\u202efon' } }];
  const { invalid } = normalizeContact(c, plan);
  assert.deepEqual(
    invalid.map(({ reason: _, ...rest }) => rest),
    [{ raw: 'abc-1', line: 7, field: 'Telefon' }],
  );
});

test('what a source writes is shown without characters that reorder or hide it (U+202E, NUL, zero-width)', () => {
  const { contact: c } = normalizeContact(
    {
      ...contact('x', 'Anna\u202E rebreB', 'Muster\u0000 GmbH\u200B', '0711 123456'),
      givenName: 'An\u2066na',
      department: 'Sales\u0007',
    },
    plan,
  );
  assert.deepEqual([c.name, c.company, c.givenName, c.department], ['Anna rebreB', 'Muster GmbH', 'Anna', 'Sales']);
  const built = normalizeContact(
    { ...contact('y', 'x', null), name: null, givenName: 'Eve\u202E', surname: 'Ray' },
    plan,
  );
  assert.equal(built.contact.name, 'Eve Ray');
});

test('a word shared by many contacts finds all of them, and none once they are gone', () => {
  const index = new TenantIndex();
  const names = (q: string) => index.search(q, 100).map((e) => e.contact.name);
  // Past the size where a token's contacts move from an array into a set, and back down.
  for (let i = 0; i < 40; i++)
    index.put('s1', normalizeContact(contact(`c${i}`, `Person${i} Müller`, 'Acme'), plan).contact);
  assert.equal(names('müller').length, 40);
  assert.deepEqual(names('person7'), ['Person7 Müller']);
  index.put('s1', normalizeContact(contact('c7', 'Person7 Schmidt', 'Acme'), plan).contact);
  assert.equal(names('müller').length, 39, 'a replaced contact leaves its old words');
  for (let i = 0; i < 38; i++) index.remove('s1', `c${i}`);
  assert.deepEqual(names('acme').sort(), ['Person38 Müller', 'Person39 Müller']);
  index.remove('s1', 'c38');
  assert.deepEqual(names('müller'), ['Person39 Müller']);
  index.retainSource('s1');
  assert.deepEqual([names('müller'), names('acme'), names('person39')], [[], [], []]);
  assert.equal(index.size, 0);
});

test('the same e-mail address in several sources: each entry finds the others, while they are indexed', () => {
  const index = new TenantIndex();
  const withEmail = (id: string, email: string) => ({ ...contact(id, 'Anna', null, '0711 111111'), email });
  const sameAs = (email: string) => index.withEmail(email).map((e) => e.sourceId);
  index.put('phonebook', normalizeContact(withEmail('a', 'anna@x.test'), plan).contact);
  index.put('crm', normalizeContact(withEmail('7', 'Anna@X.test'), plan).contact);
  const [first, second] = index.lookup('+49711111111').map((h) => h.entry);
  assert.deepEqual([first?.sourceId, second?.sourceId], ['phonebook', 'crm']);
  assert.deepEqual(sameAs(first?.contact.email ?? ''), ['phonebook', 'crm']);
  index.remove('crm', '7');
  assert.deepEqual(sameAs('anna@x.test'), ['phonebook']);
  index.remove('phonebook', 'a');
  index.put('crm', normalizeContact(withEmail('8', 'anna@x.test'), plan).contact);
  const [again] = index.lookup('+49711111111').map((h) => h.entry);
  assert.deepEqual(sameAs('anna@x.test'), ['crm']);
  assert.deepEqual(index.withEmail('ANNA@x.test'), [again]);
  assert.equal(index.lookup('+49711111111').length, 1);
  // A hit already read is given back itself (a lookup does not decode it twice), the others decoded.
  index.put('phonebook', normalizeContact(withEmail('b', 'anna@x.test'), plan).contact);
  const [hit, other] = index.lookup('+49711111111').map((h) => h.entry);
  const same = index.withEmail('anna@x.test', hit);
  assert.equal(same[0], hit);
  assert.deepEqual(same, [hit, other]);
  assert.notEqual(same[1], other);
});

test('numbers are found by the digits as written when no other form has them (a local number, an extension)', () => {
  const index = indexOf(
    contact('1', 'Local Lisa', null, '123456'),
    contact('2', 'Extension Emil', null, '1234'),
    contact('3', 'Exit Erik', null, '0049 711 222333'),
  );
  const names = (q: string) => index.search(q, 10).map((e) => e.contact.name);
  assert.deepEqual(names('1234').sort(), ['Extension Emil', 'Local Lisa']);
  assert.ok(names('12345').includes('Local Lisa'));
  assert.deepEqual(names('1234 emil'), ['Extension Emil']);
  assert.deepEqual(names('0049 711 22'), ['Exit Erik']);
  assert.deepEqual(names('71122'), ['Exit Erik'], 'national digits without the trunk prefix');
});

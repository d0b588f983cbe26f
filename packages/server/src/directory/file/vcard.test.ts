import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { SourceContact } from '../source.js';
import { FileTooLargeError } from './common.js';
import { parseVcard } from './vcard.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/directory/${name}`, import.meta.url));

const c = (fields: Partial<SourceContact>): Omit<SourceContact, 'externalId'> => ({
  name: null,
  givenName: null,
  surname: null,
  company: null,
  department: null,
  title: null,
  email: null,
  numbers: [],
  url: null,
  ...fields,
});
const noIds = (contacts: SourceContact[]) => contacts.map(({ externalId: _, ...rest }) => rest);
const card = (...lines: string[]) => ['BEGIN:VCARD', ...lines, 'END:VCARD', ''].join('\r\n');

describe('parseVcard: fixtures', () => {
  test('2.1 from Outlook (raw windows-1252, CHARSET=, QP soft breaks, base64 PHOTO) and old phones (QP ISO-8859-1 / UTF-8)', () => {
    const buf = fixture('outlook-nokia-21.vcf');
    const r = parseVcard(buf);
    assert.deepEqual(r.errors, []);
    assert.equal(r.rows, 3);
    assert.deepEqual(noIds(r.contacts), [
      c({
        name: 'Jürgen Müller',
        givenName: 'Jürgen',
        surname: 'Müller',
        company: 'Straße GmbH',
        department: 'Vertrieb',
        title: 'Vertriebsleiter',
        email: 'juergen.mueller@strasse.example',
        numbers: [
          { type: 'work', raw: '+49 (30) 1234567' },
          { type: 'mobile', raw: '+49 (171) 7654321' },
          { type: 'fax', raw: '+49 (30) 1234568' },
        ],
      }),
      // `N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen`, no FN: the name is built.
      c({
        name: 'Jürgen Müller',
        givenName: 'Jürgen',
        surname: 'Müller',
        numbers: [
          { type: 'home', raw: '040 1234567' },
          { type: 'mobile', raw: '0171 2345678' },
        ],
      }),
      // The NOTE's QP continuation line "TEL:0800 …" is part of the note, not a number.
      c({
        name: 'Günter Schröder',
        givenName: 'Günter',
        surname: 'Schröder',
        company: 'Bäckerei Schröder',
        numbers: [
          { type: 'mobile', raw: '+491712345678' },
          { type: 'other', raw: '+494012345678' },
        ],
      }),
    ]);
    for (const x of r.contacts) assert.match(x.externalId, /^h:[0-9a-f]{24}$/);
  });

  test('3.0 from an iPhone (type= params, item groups, folded PHOTO and TITLE, UID) and from Google (escapes)', () => {
    const r = parseVcard(fixture('ios-google-30.vcf'));
    assert.deepEqual(r.errors, []);
    assert.equal(r.rows, 2);
    assert.equal(r.contacts[0]?.externalId, '1C3B2A4D-1234-4F5E-8A9B-0C1D2E3F4A5B');
    assert.deepEqual(noIds(r.contacts), [
      c({
        name: 'Dr. Anna Maria Schäfer',
        givenName: 'Anna',
        surname: 'Schäfer',
        company: 'Straße GmbH',
        department: 'Einkauf',
        title: 'Leitende Einkäuferin',
        email: 'anna.schaefer@strasse.example',
        numbers: [
          { type: 'mobile', raw: '+49 171 2345678' },
          { type: 'work', raw: '+49 30 1234567-12' },
          { type: 'other', raw: '+49 30 12345-0' },
          { type: 'fax', raw: '+49 30 1234567-99' },
          // the IPHONE number "+49 (171) 234 5678" is the CELL one again
        ],
      }),
      c({
        name: "John O'Neil",
        givenName: 'John',
        surname: "O'Neil",
        company: 'Acme, Inc.',
        department: 'Sales; EMEA',
        title: 'VP Sales, EMEA',
        email: 'john.oneil@acme.example',
        numbers: [
          { type: 'mobile', raw: '+1 415-555-0101' },
          { type: 'work', raw: '+1 415-555-0100' },
          { type: 'fax', raw: '+1 415-555-0199' },
          { type: 'other', raw: '+1 415-555-0142' },
        ],
      }),
    ]);
  });

  test('4.0: RFC 6350 example (tel: URIs, quoted TYPE lists, ext) and a Nextcloud export (PREF, ORG units)', () => {
    const r = parseVcard(fixture('rfc6350-nextcloud-40.vcf'));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.contacts, [
      {
        externalId: 'urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
        ...c({
          name: 'Simon Perreault',
          givenName: 'Simon',
          surname: 'Perreault',
          company: 'Viagenie',
          email: 'simon.perreault@viagenie.ca',
          numbers: [
            { type: 'work', raw: '+1-418-656-9254-102' },
            { type: 'mobile', raw: '+1-418-262-6501' },
          ],
        }),
      },
      {
        externalId: 'b7a2c1d0-9e8f-4a3b-8c7d-6e5f4a3b2c1d',
        ...c({
          name: 'Renée Dupont-Lefèvre',
          givenName: 'Renée',
          surname: 'Dupont-Lefèvre',
          company: 'Société Générale',
          department: 'Direction Financière / Trésorerie',
          email: 'renee.dupont@socgen.example',
          numbers: [
            { type: 'mobile', raw: '+33 6 12 34 56 78' },
            { type: 'home', raw: '+33 1 23 45 67 89' },
            { type: 'pager', raw: '+33 6 00 00 00 01' },
          ],
        }),
      },
    ]);
  });

  test('bad cards are reported with the line of their BEGIN and skipped', () => {
    const r = parseVcard(fixture('broken.vcf'));
    assert.deepEqual(r.errors, [
      { line: 6, reason: 'no FN, N or ORG' },
      { line: 11, reason: 'no END:VCARD' },
      { line: 26, reason: 'duplicate UID (line 21)' },
      { line: 31, reason: 'no FN, N or ORG' },
      { line: 37, reason: 'no END:VCARD' },
    ]);
    assert.deepEqual(
      r.contacts.map((x) => x.name),
      ['Good One', 'After Cut', 'First Uid'],
    );
    assert.equal(r.rows, 8);
  });
});

describe('parseVcard: details', () => {
  test('TEL type styles of 2.1, 3.0 and 4.0, and their precedence', () => {
    const r = parseVcard(
      card(
        'VERSION:2.1',
        'FN:T',
        'TEL;WORK;VOICE:1',
        'TEL;HOME:2',
        'TEL;CELL;PREF:3',
        'TEL;FAX;HOME:4',
        'TEL;PAGER:5',
        'TEL;TYPE=work,voice:6',
        'tel;type=HOME;type=VOICE:7',
        'TEL;TYPE="work,cell":8',
        'TEL;VALUE=uri;TYPE=home:tel:9',
        'TEL;TYPE=car:10',
        'TEL:11',
        'TEL;TYPE=x-custom:12',
      ),
    );
    assert.deepEqual(r.contacts[0]?.numbers, [
      { type: 'work', raw: '1' },
      { type: 'home', raw: '2' },
      { type: 'mobile', raw: '3' },
      { type: 'fax', raw: '4' },
      { type: 'pager', raw: '5' },
      { type: 'work', raw: '6' },
      { type: 'home', raw: '7' },
      { type: 'mobile', raw: '8' },
      { type: 'home', raw: '9' },
      { type: 'other', raw: '10' },
      { type: 'other', raw: '11' },
      { type: 'other', raw: '12' },
    ]);
  });

  test('tel: URIs: scheme dropped, percent-decoded, ext appended, other parameters dropped', () => {
    const r = parseVcard(
      card(
        'VERSION:4.0',
        'FN:U',
        'TEL;VALUE=uri:tel:+49-30-1234;ext=56',
        'TEL;VALUE=uri:TEL:+49%2040%20555',
        'TEL;VALUE=uri:tel:0301234;phone-context=+49',
      ),
    );
    assert.deepEqual(
      r.contacts[0]?.numbers.map((n) => n.raw),
      ['+49-30-1234-56', '+49 40 555', '0301234'],
    );
  });

  test('escapes and multi-valued N components', () => {
    const r = parseVcard(
      card(
        'VERSION:3.0',
        'FN:Doe\\, Jane\\nSenior',
        'N:Doe;Jane;Anne,Marie;;',
        'ORG:A\\;B;C\\\\D',
        'TITLE:Head\\, R\\&D',
        'TEL:1',
      ),
    );
    assert.deepEqual(noIds(r.contacts), [
      c({
        name: 'Doe, Jane Senior',
        givenName: 'Jane',
        surname: 'Doe',
        company: 'A;B',
        department: 'C\\D',
        title: 'Head, R&D',
        numbers: [{ type: 'other', raw: '1' }],
      }),
    ]);
    const built = parseVcard(card('VERSION:3.0', 'N:Doe;Jane;Anne,Marie;Dr.;')).contacts[0];
    assert.equal(built?.name, 'Jane Anne Marie Doe');
    // 2.1 has no comma lists.
    assert.equal(parseVcard(card('VERSION:2.1', 'N:Doe, Jr.;Jane')).contacts[0]?.surname, 'Doe, Jr.');
  });

  test('folding: any white space, also inside a multi-byte character; lower-case names; groups', () => {
    const bytes = Buffer.from(card('VERSION:4.0', 'FN:Ren\u00e9e X', 'item7.org:Soci\u00e9t\u00e9'), 'utf8');
    // Fold "é" (C3 A9) between its two bytes, and the ORG line with a tab.
    const e = bytes.indexOf(Buffer.from('Ren\u00e9e')) + 3;
    const folded = Buffer.concat([bytes.subarray(0, e + 1), Buffer.from('\r\n '), bytes.subarray(e + 1)]);
    const text = folded.toString('latin1').replace('item7.org:Soci', 'item7.org:So\r\n\tci');
    const r = parseVcard(Buffer.from(text, 'latin1'));
    assert.deepEqual([r.contacts[0]?.name, r.contacts[0]?.company], ['Renée X', 'Société']);
  });

  test('charsets: CHARSET= wins; without it UTF-8 if valid, else windows-1252; BASE64 text values; UTF-16 files', () => {
    const mixed = Buffer.concat([
      Buffer.from('BEGIN:VCARD\r\nVERSION:2.1\r\nFN:', 'latin1'),
      Buffer.from([0x57, 0x65, 0x69, 0xdf, 0x20, 0x96, 0x20, 0x80]), // "Weiß – €" in windows-1252
      Buffer.from('\r\nORG;CHARSET=UTF-8:', 'latin1'),
      Buffer.from('Straße', 'utf8'),
      Buffer.from('\r\nTITLE;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Gesch=E4ftsf=FChrer\r\n', 'latin1'),
      Buffer.from(`NOTE;ENCODING=BASE64:${Buffer.from('x').toString('base64')}\r\n`, 'latin1'),
      Buffer.from(`X-DEPT;ENCODING=b:x\r\nEND:VCARD\r\n`, 'latin1'),
    ]);
    const r = parseVcard(mixed);
    assert.deepEqual(
      [r.contacts[0]?.name, r.contacts[0]?.company, r.contacts[0]?.title],
      ['Weiß – €', 'Straße', 'Geschäftsführer'],
    );
    const b64 = parseVcard(card('VERSION:3.0', `FN;ENCODING=b:${Buffer.from('Jürgen', 'utf8').toString('base64')}`));
    assert.equal(b64.contacts[0]?.name, 'Jürgen');
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(card('VERSION:3.0', 'FN:Jürgen Müller'), 'utf16le'),
    ]);
    assert.equal(parseVcard(utf16).contacts[0]?.name, 'Jürgen Müller');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(card('VERSION:3.0', 'FN:Zoë'), 'utf8')]);
    assert.equal(parseVcard(bom).contacts[0]?.name, 'Zoë');
  });

  test('EMAIL: the preferred one (TYPE=pref, PREF=1, bare PREF), else the first', () => {
    const email = (...lines: string[]) => parseVcard(card('VERSION:3.0', 'FN:E', ...lines)).contacts[0]?.email;
    assert.equal(email('EMAIL:a@x', 'EMAIL;TYPE=INTERNET,pref:b@x'), 'b@x');
    assert.equal(email('EMAIL;PREF=2:a@x', 'EMAIL;PREF=1:b@x'), 'b@x');
    assert.equal(email('EMAIL;INTERNET:a@x', 'EMAIL;PREF;INTERNET:b@x'), 'b@x');
    assert.equal(email('EMAIL:', 'EMAIL:a@x', 'EMAIL:b@x'), 'a@x');
  });

  test('a card with only ORG is a company entry; lines outside cards are ignored', () => {
    const r = parseVcard(`junk line\r\nTEL:999\r\n${card('VERSION:3.0', 'ORG:Globex;;', 'TEL:1')}trailing`);
    assert.deepEqual(noIds(r.contacts), [c({ company: 'Globex', numbers: [{ type: 'other', raw: '1' }] })]);
    assert.equal(r.rows, 1);
  });

  test('no UID: the hash ignores REV, PRODID and unread properties; a changed number changes it', () => {
    const a = parseVcard(card('VERSION:3.0', 'REV:2024-01-01', 'FN:H', 'TEL:1', 'NOTE:a')).contacts[0]?.externalId;
    const b = parseVcard(card('VERSION:3.0', 'PRODID:x', 'FN:H', 'REV:2025-06-01', 'TEL:1')).contacts[0]?.externalId;
    const d = parseVcard(card('VERSION:3.0', 'FN:H', 'TEL:2')).contacts[0]?.externalId;
    assert.equal(a, b);
    assert.notEqual(a, d);
    const dup = parseVcard(card('VERSION:3.0', 'FN:H', 'TEL:1') + card('VERSION:3.0', 'FN:H', 'TEL:1'));
    assert.deepEqual(dup.errors, [{ line: 6, reason: 'duplicate of line 1' }]);
  });

  test('big PHOTO blocks (folded and one-line) are skipped; 10,000 cards parse quickly', (t) => {
    const photo = ['PHOTO;ENCODING=b;TYPE=JPEG:', ...Array.from({ length: 50_000 }, () => ` ${'A'.repeat(74)}`)];
    const big =
      card('VERSION:3.0', 'FN:P', ...photo, 'TEL:1') + card('VERSION:4.0', 'FN:Q', `PHOTO:data:,${'B'.repeat(5e6)}`);
    const r1 = parseVcard(big);
    assert.deepEqual(
      r1.contacts.map((x) => x.name),
      ['P', 'Q'],
    );
    assert.equal(r1.contacts[0]?.numbers[0]?.raw, '1');

    const many = Array.from({ length: 10_000 }, (_, i) =>
      card(
        'VERSION:3.0',
        `UID:${i}`,
        `N:Müller${i};Jürgen;;;`,
        `FN:Jürgen Müller${i}`,
        'ORG:Straße GmbH;Vertrieb',
        `TEL;TYPE=WORK:+49 30 ${i}`,
        `TEL;TYPE=CELL:+49 171 ${i}`,
        `EMAIL:j${i}@x.example`,
      ),
    ).join('');
    const start = performance.now();
    const r2 = parseVcard(many);
    t.diagnostic(`10,000 cards: ${(performance.now() - start).toFixed(0)} ms`);
    assert.equal(r2.contacts.length, 10_000);
  });

  test('input over maxBytes is rejected', () => {
    assert.throws(() => parseVcard(card('VERSION:3.0', 'FN:X'), { maxBytes: 10 }), FileTooLargeError);
  });
});

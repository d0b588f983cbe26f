import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { SourceContact } from '../source.js';
import { FileTooLargeError } from './common.js';
import { parseCsv, readCsvHeader } from './csv.js';
import { detectDelimiter, MAX_LINE } from './csv-tokenize.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/directory/${name}`, import.meta.url));

/** A contact with every field null but those given. */
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
/** The numbers without where they were read (tested on their own). */
const noOrigins = (numbers: SourceContact['numbers'] = []) => numbers.map(({ origin: _, ...n }) => n);
const withoutOrigins = (contacts: SourceContact[]) => contacts.map((x) => ({ ...x, numbers: noOrigins(x.numbers) }));
const noIds = (contacts: SourceContact[]) => withoutOrigins(contacts).map(({ externalId: _, ...rest }) => rest);
const names = (contacts: SourceContact[]) => contacts.map((x) => x.name ?? x.company);

describe('parseCsv: fixtures', () => {
  test('German Outlook export: windows-1252, ";", quoted fields, a note over two lines, trailing empty line', () => {
    const buf = fixture('outlook-de-cp1252.csv');
    const header = readCsvHeader(buf);
    assert.equal(header.encoding, 'windows-1252');
    assert.equal(header.delimiter, ';');
    assert.equal(header.headers.length, 26);
    assert.deepEqual(header.columns, {
      givenName: ['Vorname'],
      middleName: ['Weitere Vornamen'],
      surname: ['Nachname'],
      company: ['Firma'],
      department: ['Abteilung'],
      title: ['Position'],
      fax: ['Fax geschäftlich', 'Fax privat'],
      work: ['Telefon geschäftlich', 'Telefon geschäftlich 2', 'Telefon Firma'],
      home: ['Telefon privat'],
      mobile: ['Mobiltelefon'],
      pager: ['Pager'],
      other: ['Weiteres Telefon'],
      email: ['E-Mail-Adresse'],
    });

    const result = parseCsv(buf);
    assert.deepEqual(result.errors, []);
    assert.equal(result.rows, 4);
    // The ids are content hashes: these literal values pin the recipe (changing it churns every
    // contact of every file without an id column once).
    assert.deepEqual(withoutOrigins(result.contacts), [
      {
        externalId: 'h:e4a0ddbc34b2e1ad39d023a6',
        ...c({
          name: 'Jürgen Müller',
          givenName: 'Jürgen',
          surname: 'Müller',
          company: 'Straße GmbH',
          department: 'Vertrieb',
          title: 'Vertriebsleiter',
          email: 'juergen.mueller@strasse.example',
          numbers: [
            { type: 'fax', raw: '+49 (30) 1234568' },
            { type: 'work', raw: '+49 (30) 1234567' },
            { type: 'work', raw: '+49 (30) 12345-0' },
            { type: 'mobile', raw: '+49 (171) 7654321' },
          ],
        }),
      },
      {
        externalId: 'h:3e7dd2e97abe1b40969ac3b0',
        ...c({
          name: 'Anna Maria Schäfer',
          givenName: 'Anna',
          surname: 'Schäfer',
          company: 'Straße GmbH',
          department: 'Einkauf',
          title: 'Einkäuferin',
          email: 'anna.schaefer@strasse.example',
          numbers: [
            { type: 'work', raw: '+49 30 1234567-12' },
            { type: 'work', raw: '+49 30 1234567-13' },
          ],
        }),
      },
      {
        externalId: 'h:3445b27a07ec629ea0f9d6d8',
        ...c({
          company: 'Müller & Söhne – Haustechnik',
          numbers: [
            { type: 'fax', raw: '089 987655' },
            { type: 'work', raw: '089 987654' },
          ],
        }),
      },
      {
        externalId: 'h:765a475d2d701028a20da6ba',
        ...c({
          name: 'Björn Weiß',
          givenName: 'Björn',
          surname: 'Weiß',
          email: 'bjoern@weiss.example',
          numbers: [
            { type: 'home', raw: '040 555 12 34' },
            { type: 'mobile', raw: '0160 1112223' },
            { type: 'other', raw: '040 555 99 99' },
          ],
        }),
      },
    ]);
  });

  test('English Google Contacts export: UTF-8 with BOM, ",", label/value phone pairs, " ::: " lists', () => {
    const buf = fixture('google-en-bom.csv');
    const header = readCsvHeader(buf);
    assert.equal(header.encoding, 'utf-8');
    assert.equal(header.delimiter, ',');
    assert.equal(header.headers[0], 'First Name', 'the BOM is not part of the first header');
    assert.deepEqual(header.columns.email, ['E-mail 1 - Value', 'E-mail 2 - Value']);

    const result = parseCsv(buf);
    assert.deepEqual(result.errors, []);
    assert.equal(result.rows, 4);
    assert.deepEqual(noIds(result.contacts), [
      c({
        name: "John O'Neil",
        givenName: 'John',
        surname: "O'Neil",
        company: 'Acme, Inc.',
        department: 'Sales',
        title: 'VP Sales',
        email: 'john.oneil@acme.example',
        numbers: [
          { type: 'mobile', raw: '+1 415-555-0101' },
          { type: 'mobile', raw: '+1 415-555-0102' },
          { type: 'work', raw: '+1 415-555-0100' },
          { type: 'fax', raw: '+1 415-555-0199' },
        ],
      }),
      c({
        name: 'Zoë Ångström',
        givenName: 'Zoë',
        surname: 'Ångström',
        company: 'Nordic Ltd',
        email: 'zoe@nordic.example',
        numbers: [{ type: 'home', raw: '+46 8 123 456 78' }],
      }),
      c({ company: 'Globex Corporation', numbers: [{ type: 'other', raw: '+1 212-555-0000' }] }),
      c({ numbers: [{ type: 'mobile', raw: '+1 650-555-0123' }] }),
    ]);
  });

  test('broken rows are reported with the line they start on and skipped; the rest is imported', () => {
    const result = parseCsv(fixture('broken.csv'));
    assert.deepEqual(result.errors, [
      { line: 4, reason: '5 fields, the header has 4' },
      { line: 5, reason: 'no name, company or number' },
      { line: 8, reason: '2 fields, the header has 4' },
      { line: 9, reason: 'quote not closed' },
      { line: 12, reason: 'text after closing quote' },
      { line: 14, reason: 'duplicate of line 2' },
    ]);
    // Gina (line 10) survives the unclosed quote of line 9: parsing resumes on the next line.
    assert.deepEqual(names(result.contacts), [
      'Anna Schmidt',
      'Bob "The Builder" Jones',
      'Dora Multiline',
      'Gina Good',
      'Ivy Last',
    ]);
    assert.equal(result.rows, 11, 'data records, blank line 11 not counted');
    assert.equal(result.rows, result.contacts.length + result.errors.length);
  });
});

describe('parseCsv: RFC 4180 and friends', () => {
  const header = 'Name,Company,Phone\r\n';

  test('quoted delimiters, doubled quotes and line breaks inside quotes', () => {
    const r = parseCsv(`${header}"Doe, Jane","Say ""hi""","+1 555
0100"\r\nPlain,"",+1 555 0101\r\n`);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(noIds(r.contacts), [
      c({ name: 'Doe, Jane', company: 'Say "hi"', numbers: [{ type: 'work', raw: '+1 555 0100' }] }),
      c({ name: 'Plain', numbers: [{ type: 'work', raw: '+1 555 0101' }] }),
    ]);
  });

  test('CRLF, LF and lone CR read alike; line numbers count physical lines of each', () => {
    const rows = ['Name,Company,Phone', 'A,"multi', 'line",1', 'B,,2', ',,', 'C,,3'];
    for (const eol of ['\r\n', '\n', '\r']) {
      const r = parseCsv(rows.join(eol) + eol + eol);
      assert.deepEqual(names(r.contacts), ['A', 'B', 'C'], JSON.stringify(eol));
      assert.equal(r.contacts[0]?.company, 'multi line');
      assert.deepEqual(r.errors, [{ line: 5, reason: 'no name, company or number' }], JSON.stringify(eol));
    }
  });

  test('a quote inside an unquoted field is a plain character; a row ending in a quoted field at EOF', () => {
    const r = parseCsv(`${header}Screen 5" Ltd,x,1\nLast,"y","2"`);
    assert.deepEqual(names(r.contacts), ['Screen 5" Ltd', 'Last']);
    assert.equal(r.contacts[1]?.numbers[0]?.raw, '2');
  });

  test('blank and whitespace-only lines are skipped anywhere, also before the header', () => {
    const r = parseCsv('\n\n  \nName;Phone\n\nA;1\n   \nB;2\n\n\n');
    assert.deepEqual(names(r.contacts), ['A', 'B']);
    assert.equal(r.rows, 2);
    assert.deepEqual(r.errors, []);
  });

  test('a line over 64 KiB is reported and skipped', () => {
    const long = 'x'.repeat(MAX_LINE + 10);
    const r = parseCsv(`Name,Phone\nA,1\n${long},2\nB,3\n`);
    assert.deepEqual(r.errors, [{ line: 3, reason: 'line longer than 64 KiB' }]);
    assert.deepEqual(names(r.contacts), ['A', 'B']);
  });

  test('an unclosed quote with no later quote costs its line, not the rest of the file', () => {
    const lines = ['Name,Phone', 'A,1', '"B,2'];
    for (let i = 0; i < 10_000; i++) lines.push(`P${i},${i}`);
    const r = parseCsv(lines.join('\n'));
    assert.deepEqual(r.errors, [{ line: 3, reason: 'record longer than 64 KiB (is a quote not closed?)' }]);
    assert.equal(r.contacts.length, 10_001);
    assert.equal(r.contacts[1]?.name, 'P0');

    const atEnd = parseCsv('Name,Phone\nA,1\n"B,2\nC,3\n');
    assert.deepEqual(atEnd.errors, [{ line: 3, reason: 'quote not closed' }]);
    assert.deepEqual(names(atEnd.contacts), ['A', 'C']);
  });

  test('a short row, a long row, trailing delimiter', () => {
    const r = parseCsv('Name;Phone;\nA;1;\nB;2\nC;3;;\n');
    assert.deepEqual(names(r.contacts), ['A']);
    assert.deepEqual(r.errors, [
      { line: 3, reason: '2 fields, the header has 3' },
      { line: 4, reason: '4 fields, the header has 3' },
    ]);
  });
});

describe('parseCsv: delimiter and encoding', () => {
  test('the delimiter is the most frequent candidate of the header line, outside quotes', () => {
    assert.equal(detectDelimiter('Name;Vorname;Telefon'), ';');
    assert.equal(detectDelimiter('Name,Phone'), ',');
    assert.equal(detectDelimiter('Name\tPhone\tMobile'), '\t');
    assert.equal(detectDelimiter('Name|Phone'), '|');
    assert.equal(detectDelimiter('"Name, full";"Phone, work"'), ';');
    assert.equal(detectDelimiter('Name'), ',');
  });

  test('tab, pipe, an explicit delimiter, and an Excel "sep=" line', () => {
    assert.deepEqual(names(parseCsv('Name\tPhone\nA\t1\n').contacts), ['A']);
    assert.deepEqual(names(parseCsv('Name|Phone\nA|1\n').contacts), ['A']);
    // The header alone would say ',' (one each); the option decides.
    assert.deepEqual(names(parseCsv('Name;Firma, Ort\nA;B, C\n', { delimiter: ';' }).contacts), ['A']);
    const sep = parseCsv('sep=;\r\nName;Phone\r\nA, B;1\r\n;\r\n');
    assert.deepEqual(names(sep.contacts), ['A, B']);
    assert.deepEqual(sep.errors, [{ line: 4, reason: 'no name, company or number' }], 'the sep= line counts as line 1');
  });

  const text = 'Vorname;Nachname;Firma;Telefon\r\nJürgen;Müller;Straße GmbH – Berlin;030 1234\r\n';
  const latin = Buffer.from(text.replace('–', '-'), 'latin1');
  const expected = c({
    name: 'Jürgen Müller',
    givenName: 'Jürgen',
    surname: 'Müller',
    company: 'Straße GmbH - Berlin',
    numbers: [{ type: 'work', raw: '030 1234' }],
  });

  test('encoding: UTF-8, UTF-8 with BOM, windows-1252 (with "–"), ISO-8859-1 and UTF-16LE give the same contacts', () => {
    const cp1252 = Buffer.from(text, 'latin1');
    cp1252[cp1252.indexOf(0x13)] = 0x96; // "–" (U+2013): 0x96 in windows-1252
    const inputs: [Buffer, string, string][] = [
      [Buffer.from(text, 'utf8'), 'utf-8', '–'],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]), 'utf-8', '–'],
      [cp1252, 'windows-1252', '–'],
      [latin, 'windows-1252', '-'],
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'utf-16le', '–'],
    ];
    for (const [buf, encoding, dash] of inputs) {
      assert.equal(readCsvHeader(buf).encoding, encoding);
      const r = parseCsv(buf);
      assert.deepEqual(noIds(r.contacts), [{ ...expected, company: `Straße GmbH ${dash} Berlin` }], encoding);
    }
  });

  test('an explicit encoding is used (a BOM still wins)', () => {
    assert.deepEqual(noIds(parseCsv(latin, { encoding: 'iso-8859-1' }).contacts), [expected]);
    assert.deepEqual(noIds(parseCsv(latin, { encoding: 'windows-1252' }).contacts), [expected]);
    // Latin-1 bytes read as UTF-8 give replacement characters, not an exception.
    assert.equal(parseCsv(latin, { encoding: 'utf-8' }).contacts[0]?.givenName, 'J\ufffdrgen');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    assert.equal(parseCsv(bom, { encoding: 'windows-1252' }).contacts[0]?.givenName, 'Jürgen');
  });
});

describe('parseCsv: columns', () => {
  test('English and German headers, case-insensitive, numbered duplicates', () => {
    const r = parseCsv(
      [
        'DISPLAY NAME,first name,LAST NAME,company,Department,Job Title,E-mail Address,E-mail 2 Address,Business Phone,Business Phone 2,Mobile Phone,Home Phone,Business Fax,Pager,Other Phone,Title,Web Page',
        'Dr. J. Doe,John,Doe,Acme,R&D,CTO,,john2@acme.example,1,2,3,4,5,6,7,Mr.,https://acme.example',
      ].join('\n'),
    );
    assert.deepEqual(noIds(r.contacts), [
      c({
        name: 'Dr. J. Doe',
        givenName: 'John',
        surname: 'Doe',
        company: 'Acme',
        department: 'R&D',
        title: 'CTO',
        email: 'john2@acme.example',
        numbers: [
          { type: 'work', raw: '1' },
          { type: 'work', raw: '2' },
          { type: 'mobile', raw: '3' },
          { type: 'home', raw: '4' },
          { type: 'fax', raw: '5' },
          { type: 'pager', raw: '6' },
          { type: 'other', raw: '7' },
        ],
      }),
    ]);
    const de = parseCsv(
      'Anzeigename;Vorname;Nachname;Unternehmen;Abteilung;Position;E-Mail;Telefon;Handy;Telefon privat;Fax;Anrede\n' +
        'Frau Dr. Weiß;Erika;Weiß;Firma AG;Einkauf;Leiterin;e@firma.example;030 1;0171 2;030 3;030 4;Frau\n',
    );
    assert.deepEqual(noIds(de.contacts), [
      c({
        name: 'Frau Dr. Weiß',
        givenName: 'Erika',
        surname: 'Weiß',
        company: 'Firma AG',
        department: 'Einkauf',
        title: 'Leiterin',
        email: 'e@firma.example',
        numbers: [
          { type: 'work', raw: '030 1' },
          { type: 'mobile', raw: '0171 2' },
          { type: 'home', raw: '030 3' },
          { type: 'fax', raw: '030 4' },
        ],
      }),
    ]);
  });

  test('a bare "Name" is the surname beside "Vorname", else the display name; no name builds one', () => {
    const surname = parseCsv('Vorname;Name;Telefon\nJürgen;Müller;1\n').contacts[0];
    assert.deepEqual([surname?.name, surname?.givenName, surname?.surname], ['Jürgen Müller', 'Jürgen', 'Müller']);
    const display = parseCsv('Name,Given Name,Family Name,Phone 1 - Type,Phone 1 - Value\nJD,John,Doe,Mobile,1\n')
      .contacts[0];
    assert.deepEqual([display?.name, display?.givenName, display?.surname], ['JD', 'John', 'Doe']);
    assert.deepEqual(noOrigins(display?.numbers), [{ type: 'mobile', raw: '1' }]);
    const alone = parseCsv('Name;Telefon\nMüller;1\n').contacts[0];
    assert.equal(alone?.name, 'Müller');
  });

  test('a mapping replaces recognized fields, takes lists, turns fields off with null, and finds headers case-insensitively', () => {
    const csv =
      'Kontakt;Org;Telefon;Mobil;Durchwahl Zentrale;Link;Fax\nA. Meier;Meier KG;030 1;0171 1;030 9;https://crm.example/1;030 2\n';
    const r = parseCsv(csv, {
      mapping: { name: 'kontakt', company: 'ORG', work: ['Telefon', 'Durchwahl Zentrale'], url: 'Link', fax: null },
    });
    assert.deepEqual(noIds(r.contacts), [
      c({
        name: 'A. Meier',
        company: 'Meier KG',
        url: 'https://crm.example/1',
        numbers: [
          { type: 'work', raw: '030 1' },
          { type: 'mobile', raw: '0171 1' },
          { type: 'work', raw: '030 9' },
        ],
      }),
    ]);
    // A column mapped explicitly is no longer used for what it was recognized as.
    const moved = parseCsv('Name;Telefon\nA;030 1\n', { mapping: { mobile: 'Telefon' } });
    assert.deepEqual(noOrigins(moved.contacts[0]?.numbers), [{ type: 'mobile', raw: '030 1' }]);
    assert.throws(() => parseCsv(csv, { mapping: { company: 'Firma' } }), /no column "Firma" \(mapped to company\)/);
    assert.throws(
      () => parseCsv(csv, { mapping: { bogus: 'Org' } as never }),
      /unknown field "bogus" in the CSV column mapping/,
    );
  });

  test('no recognizable column throws (wrong delimiter, wrong file)', () => {
    assert.throws(
      () => parseCsv('Foo,Bar,Baz\n1,2,3\n'),
      /no name, company or phone column recognized in the CSV header \(3 columns\)/,
    );
    assert.throws(() => parseCsv('Name;Phone\nA;1\n', { delimiter: '|' }), /no name, company or phone column/);
    // Not quoted back: the "header" of a file that is no phone book may be a key or a password.
    assert.throws(
      () => parseCsv('q8Zx3Nd7sealingKeyMaterial0w==\n'),
      (err: Error) => /\(1 column\)/.test(err.message) && !err.message.includes('q8Zx3'),
    );
  });

  test('cells: Excel\'s ="0301", a leading apostrophe, "n/a", the same number twice, white space', () => {
    const r = parseCsv('Name,Phone,Mobile,Home Phone,Other Phone\n"  Jane \n Roe ",="0301",\'+49 171,n/a,+49-171\n');
    assert.deepEqual(noIds(r.contacts), [
      c({
        name: 'Jane Roe',
        numbers: [
          { type: 'work', raw: '0301' },
          { type: 'mobile', raw: '+49 171' },
        ],
      }),
    ]);
  });
});

describe('parseCsv: number cells that are no number', () => {
  test('are kept as written with their line and column; cells that say there is none are empty', () => {
    const r = parseCsv('Name;Telefon;Mobil;Privat\nAnna;abc-not-a-number;0171 1;k. A.\nBob;n/a;-;NONE\n');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.contacts.map((x) => [x.name, x.numbers]),
      [
        [
          'Anna',
          [
            { type: 'work', raw: 'abc-not-a-number', origin: { line: 2, field: 'Telefon' } },
            { type: 'mobile', raw: '0171 1', origin: { line: 2, field: 'Mobil' } },
          ],
        ],
        ['Bob', []],
      ],
    );
  });

  test('leave the id of a row as it was; alone they do not make a row a contact', () => {
    const id = (csv: string) => parseCsv(csv).contacts[0]?.externalId;
    assert.equal(id('Name;Telefon;Mobil\nAnna;abc;0171 1\n'), id('Name;Telefon;Mobil\nAnna;;0171 1\n'));
    const r = parseCsv('Name;Telefon\n;abc\n');
    assert.deepEqual(r.contacts, []);
    assert.deepEqual(r.errors, [{ line: 2, reason: 'no name, company or number' }]);
  });
});

describe('parseCsv: ids', () => {
  test('an id column gives the externalId; an empty id falls back to the hash; a repeated id is reported', () => {
    const r = parseCsv('ID;Name;Telefon\n42;A;1\n;B;2\n42;C;3\n');
    assert.equal(r.contacts[0]?.externalId, '42');
    assert.match(r.contacts[1]?.externalId ?? '', /^h:[0-9a-f]{24}$/);
    assert.deepEqual(r.errors, [{ line: 4, reason: 'duplicate id (line 2)' }]);
    const custom = parseCsv('Kundennr;Name;Telefon\nK-1;A;1\n', { idColumn: 'kundennr' });
    assert.equal(custom.contacts[0]?.externalId, 'K-1');
  });

  test('the hash depends on the contact, not on column order, delimiter, encoding or unmapped columns', () => {
    const a = parseCsv('Name;Firma;Telefon;Notizen\nJürgen Müller;Straße GmbH;030 1;eins\n');
    const b = parseCsv(
      Buffer.from('Notes,Business Phone,Company,Display Name\nzwei,030 1,Straße GmbH,Jürgen Müller\n', 'latin1'),
    );
    assert.equal(a.contacts[0]?.externalId, b.contacts[0]?.externalId);
    const changed = parseCsv('Name;Firma;Telefon\nJürgen Müller;Straße GmbH;030 2\n');
    assert.notEqual(a.contacts[0]?.externalId, changed.contacts[0]?.externalId);
  });
});

describe('parseCsv: limits', () => {
  test('input over maxBytes is rejected before parsing', () => {
    const csv = Buffer.from('Name,Phone\nA,1\n');
    assert.throws(
      () => parseCsv(csv, { maxBytes: 10 }),
      (e: unknown) =>
        e instanceof FileTooLargeError && e.size === csv.length && /over the limit of 10 bytes/.test(e.message),
    );
    assert.throws(() => parseCsv('Name,Phone\nA,1\n', { maxBytes: 10 }), FileTooLargeError);
    assert.equal(parseCsv(csv, { maxBytes: csv.length }).contacts.length, 1);
    assert.match(new FileTooLargeError(60 * 1024 * 1024, 50 * 1024 * 1024).message, /60 MB, over the limit of 50 MB/);
  });

  test('an empty file or a broken header throws; a header alone is an empty phone book', () => {
    assert.throws(() => parseCsv(''), /empty/);
    assert.throws(() => parseCsv(Buffer.from([0xef, 0xbb, 0xbf, 0x0d, 0x0a])), /empty/);
    assert.throws(() => parseCsv('"Name,Phone\nA,1\n'), /line 1: quote not closed in the CSV header/);
    assert.deepEqual(parseCsv('Name,Phone\r\n'), { contacts: [], errors: [], rows: 0 });
  });

  test('parses 100,000 rows', (t) => {
    const lines = [
      'Anrede;Vorname;Nachname;Firma;Abteilung;Position;E-Mail-Adresse;Telefon geschäftlich;Mobiltelefon;Telefon privat;Fax geschäftlich;Notizen',
    ];
    for (let i = 0; i < 100_000; i++) {
      lines.push(
        `Herr;Jürgen${i};Müller${i};"Straße GmbH; Filiale ${i % 97}";Vertrieb;Berater;j${i}@strasse.example;+49 30 ${1_000_000 + i};+49 171 ${2_000_000 + i};;+49 30 ${3_000_000 + i};"Notiz ""${i}"""`,
      );
    }
    const buf = Buffer.from(lines.join('\r\n'), 'utf8');
    const start = performance.now();
    const r = parseCsv(buf);
    const ms = performance.now() - start;
    t.diagnostic(`100,000 rows, ${(buf.length / 1e6).toFixed(1)} MB: ${ms.toFixed(0)} ms`);
    assert.equal(r.contacts.length, 100_000);
    assert.deepEqual(r.errors, []);
    assert.equal(r.contacts[99_999]?.company, 'Straße GmbH; Filiale 89');
    assert.equal(new Set(r.contacts.map((x) => x.externalId)).size, 100_000);
  });
});

// The columns of a CSV phone book: the options, the fields a column can map to, and the header
// recognition (Outlook, Google, Excel and German exports) that plans which column fills which field.
import type { NumberType } from '../source.js';
import type { TextEncodingName } from './common.js';

export type CsvDelimiter = ',' | ';' | '\t' | '|';
export type CsvEncoding = 'utf-8' | 'windows-1252' | 'iso-8859-1' | 'utf-16le';

/** What a column can map to: contact fields, and one field per kind of number. */
export type CsvField =
  | 'id'
  | 'name'
  | 'givenName'
  | 'middleName'
  | 'surname'
  | 'company'
  | 'department'
  | 'title'
  | 'email'
  | 'url'
  | NumberType;

export const CSV_FIELDS: readonly CsvField[] = [
  'id',
  'name',
  'givenName',
  'middleName',
  'surname',
  'company',
  'department',
  'title',
  'email',
  'url',
  'work',
  'mobile',
  'home',
  'fax',
  'pager',
  'other',
];

export interface CsvOptions {
  /** Default: detected from the header line (see above). */
  delimiter?: CsvDelimiter;
  /** Default: detected (BOM, else valid UTF-8, else windows-1252). */
  encoding?: CsvEncoding;
  /**
   * Header names (matched case-insensitively, trimmed) per field; a list for fields that may come
   * from several columns (numbers: all are taken; text fields: the first non-empty). It is merged
   * over the recognized headers: a field given here replaces what was recognized for it, a column
   * given here is no longer used for anything else, and `null` turns a recognized field off.
   */
  mapping?: Partial<Record<CsvField, string | string[] | null>>;
  /** Header of the column with a stable id (same as `mapping.id`, and wins over it). */
  idColumn?: string;
  /** Size limit of the input in bytes; default 50 MB. */
  maxBytes?: number;
}

/** What the header tells: for `test()` and an admin's preview of the column mapping. */
export interface CsvHeaderInfo {
  encoding: TextEncodingName;
  delimiter: CsvDelimiter;
  /** The header line's column names, as written. */
  headers: string[];
  /** The columns each field is read from (header names; Google's "Phone N - Label/Value" pairs under `phones`). */
  columns: Partial<Record<CsvField | 'phones', string[]>>;
}

/** Lowercase, NFC, letters and digits only: "E-Mail-Adresse" → "emailadresse", "Assistant's Phone" → "assistantsphone". */
function normHeader(h: string): string {
  return h
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Recognized headers (normalized, digits removed so "Business Phone 2" and "E-mail 2 Address" match
 * too), English and German, as Outlook, Google, Excel and hand-made lists write them. Not mapped on
 * purpose: Outlook's "Title"/"Titel" and "Anrede" (salutation, not job title), "Web Page" (the
 * contact's site, not a link to the record; map `url` explicitly for a CRM export).
 */
const HEADER_FIELDS: Record<string, CsvField> = {};
const known: [CsvField, string[]][] = [
  ['id', ['id', 'uid', 'externalid', 'contactid', 'kontaktid']],
  ['name', ['displayname', 'anzeigename', 'fullname', 'vollständigername', 'kontaktname']],
  ['givenName', ['firstname', 'vorname', 'givenname']],
  ['middleName', ['middlename', 'weiterevornamen', 'additionalname', 'zweitervorname']],
  ['surname', ['lastname', 'nachname', 'familyname', 'surname', 'familienname']],
  [
    'company',
    [
      'company',
      'companyname',
      'firma',
      'firmenname',
      'unternehmen',
      'organization',
      'organisation',
      'organizationname',
    ],
  ],
  ['department', ['department', 'abteilung', 'organizationdepartment']],
  ['title', ['jobtitle', 'position', 'organizationtitle', 'berufsbezeichnung', 'funktion']],
  ['email', ['emailaddress', 'emailadresse', 'email', 'mail', 'emailvalue', 'mailadresse']],
  [
    'work',
    [
      'businessphone',
      'telefongeschäftlich',
      'geschäftlich',
      'companymainphone',
      'telefonfirma',
      'workphone',
      'phone',
      'telephone',
      'phonenumber',
      'telefon',
      'telefonnummer',
      'tel',
      'rufnummer',
      'durchwahl',
    ],
  ],
  [
    'mobile',
    ['mobilephone', 'mobiltelefon', 'mobile', 'mobil', 'handy', 'cellphone', 'cell', 'mobilnummer', 'handynummer'],
  ],
  ['home', ['homephone', 'telefonprivat', 'privat', 'privattelefon', 'telefonprivat']],
  [
    'fax',
    [
      'businessfax',
      'faxgeschäftlich',
      'fax',
      'telefax',
      'faxnummer',
      'homefax',
      'faxprivat',
      'otherfax',
      'weiteresfax',
    ],
  ],
  ['pager', ['pager', 'funkruf']],
  [
    'other',
    [
      'otherphone',
      'weiteretelefon',
      'weiterestelefon',
      'primaryphone',
      'haupttelefon',
      'carphone',
      'autotelefon',
      'assistantsphone',
      'telefonassistent',
      'callback',
      'rückmeldung',
      'isdn',
      'radiophone',
      'mobilfunk',
      'ttytddphone',
    ],
  ],
];
for (const [field, names] of known) for (const n of names) HEADER_FIELDS[n] = field;

/** Google Contacts' "Phone 1 - Label"/"Phone 1 - Value" (new) and "Phone 1 - Type" (old) columns. */
const GOOGLE_PHONE = /^phone(\d+)(label|type|value)$/;

/** The number type of a Google phone label ("Mobile", "* Work", "Work Fax", "Arbeit", custom ones). */
export function labelType(label: string | null): NumberType {
  const l = (label ?? '').toLowerCase();
  if (l.includes('fax')) return 'fax';
  if (/mobil|cell|handy|iphone/.test(l)) return 'mobile';
  if (l.includes('pager')) return 'pager';
  if (/work|arbeit|geschäft|büro|office|business/.test(l)) return 'work';
  if (/home|privat/.test(l)) return 'home';
  return 'other';
}

interface ColumnPlan {
  /** Column indexes per field, in header order. */
  fields: Map<CsvField, number[]>;
  /** Google label/value pairs. */
  pairs: { label: number | null; value: number }[];
}

export const NUMBER_FIELDS: readonly NumberType[] = ['work', 'mobile', 'home', 'fax', 'pager', 'other'];

export function planColumns(headers: string[], options: CsvOptions): ColumnPlan {
  const fields = new Map<CsvField, number[]>();
  const add = (f: CsvField, i: number) => {
    const list = fields.get(f);
    if (list) list.push(i);
    else fields.set(f, [i]);
  };
  const pairsByNo = new Map<string, { label: number | null; value: number | null }>();
  let plainName: number | null = null;
  for (let i = 0; i < headers.length; i++) {
    const key = normHeader(headers[i] ?? '');
    const g = GOOGLE_PHONE.exec(key);
    if (g) {
      const [, no = '', part] = g;
      const pair = pairsByNo.get(no) ?? { label: null, value: null };
      if (part === 'value') pair.value = i;
      else pair.label = i;
      pairsByNo.set(no, pair);
    } else if (key === 'name') {
      plainName ??= i;
    } else {
      const f = HEADER_FIELDS[key] ?? HEADER_FIELDS[key.replace(/\d+/g, '')];
      if (f && f !== 'url') add(f, i);
    }
  }
  // A bare "Name" is the surname beside a given-name column without a surname column
  // ("Vorname;Name"), else the display name (Google's old format has Name, Given Name, Family Name).
  if (plainName !== null) add(fields.has('givenName') && !fields.has('surname') ? 'surname' : 'name', plainName);

  const pairs: ColumnPlan['pairs'] = [];
  for (const p of pairsByNo.values()) if (p.value !== null) pairs.push({ label: p.label, value: p.value });

  const mapping: Partial<Record<CsvField, string | string[] | null>> = { ...options.mapping };
  if (options.idColumn !== undefined) mapping.id = options.idColumn;
  const lower = headers.map((h) => h.trim().toLowerCase());
  for (const [field, spec] of Object.entries(mapping) as [CsvField, string | string[] | null | undefined][]) {
    if (spec === undefined) continue;
    if (!CSV_FIELDS.includes(field)) throw new Error(`unknown field "${field}" in the CSV column mapping`);
    fields.delete(field);
    if (spec === null) continue;
    const indexes: number[] = [];
    for (const name of Array.isArray(spec) ? spec : [spec]) {
      const i = lower.indexOf(name.trim().toLowerCase());
      if (i < 0) throw new Error(`the CSV header has no column "${name}" (mapped to ${field})`);
      // A column mapped explicitly serves that field only.
      for (const [f, list] of fields) {
        const rest = list.filter((x) => x !== i);
        if (rest.length === 0) fields.delete(f);
        else fields.set(f, rest);
      }
      for (let k = pairs.length - 1; k >= 0; k--) if (pairs[k]?.value === i) pairs.splice(k, 1);
      indexes.push(i);
    }
    fields.set(field, indexes);
  }

  const useful: CsvField[] = ['name', 'givenName', 'surname', 'company', ...NUMBER_FIELDS];
  if (pairs.length === 0 && !useful.some((f) => fields.has(f))) {
    // The header's text is not quoted: the file may be anything but a phone book.
    throw new Error(
      `no name, company or phone column recognized in the CSV header (${headers.length} ${headers.length === 1 ? 'column' : 'columns'}); ` +
        'check the delimiter and encoding, or set the column mapping',
    );
  }
  return { fields, pairs };
}

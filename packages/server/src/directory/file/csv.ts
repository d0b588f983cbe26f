/**
 * CSV phone books (Outlook, Google Contacts, Excel, "Telefonliste.csv"): RFC 4180 with the usual
 * deviations of real exports. One pass over the decoded text, no dependency.
 *
 * - Encoding: a BOM decides (UTF-8, UTF-16LE/BE), else valid UTF-8 is UTF-8, else windows-1252
 *   (Excel's and Outlook's "ANSI" on a Western Windows); or set `encoding`.
 * - Delimiter: the one of `;` `,` tab `|` that occurs most often (outside quotes) in the header
 *   line, `,` when none does; an Excel `sep=;` first line is honoured; or set `delimiter`.
 * - Quoting: a field that starts with `"` is quoted (delimiters, line breaks and `""` inside); a `"`
 *   inside an unquoted field is a plain character (`5" Display`), as Excel reads it.
 * - Line breaks: CRLF, LF, and the lone CR of "CSV (Macintosh)". Blank lines are skipped silently
 *   anywhere (not counted as rows); a row of empty fields (`;;;`) is an error.
 * - Number cells: `:::`-separated values (Google) are several numbers; Excel's `="0301"` and a
 *   leading apostrophe are unwrapped; a cell that says there is none (`-`, `n/a`, `k. A.`) is empty.
 *   Anything else is kept as written, with its line and column: text that is no number (`abc`) is
 *   reported by the sync as a number not understood, never dropped.
 * - Bad rows are skipped and reported with the physical line (1-based) where they start:
 *   `quote not closed`, `text after closing quote`, `line longer than 64 KiB`,
 *   `record longer than 64 KiB (is a quote not closed?)`, `N fields, the header has M`,
 *   `no name, company or number`, `duplicate id (line N)`, `duplicate of line N`. No reason quotes
 *   the file's content.
 *   After a malformed record (the first four) parsing resumes at the physical line after the one
 *   where it started, so an unclosed quote costs one row, not the rest of the file.
 *   (64 KiB is counted in characters of the decoded text.)
 * - An empty file, a header with a parse error, a mapping naming a column the header lacks, or a
 *   header in which no column is recognized throws: a wrong file must not sync as "no contacts".
 *
 * - The header is the first non-blank line and must fit on one line (no quoted line breaks).
 *
 * Performance (Node 20, one core): 100,000 rows of 12 columns (16 MB, UTF-8) parse in 0.7–0.9 s
 * (the test "parses 100,000 rows" prints it). Splitting the text is under 0.1 s of that; the rest is
 * building 100,000 contacts (a third of the time goes to garbage collection) and their content
 * hashes (~0.1 s). The whole file and its contacts are in memory at once, bounded by maxBytes.
 */
import type { NumberType, SourceContact } from '../source.js';
import {
  addNumber,
  buildName,
  checkSize,
  clean,
  contentId,
  DEFAULT_MAX_BYTES,
  decodeText,
  detectEncoding,
  looksLikeNumber,
  type ParseError,
  type ParseResult,
  sniffBom,
  type TextEncodingName,
} from './common.js';

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

// -- header recognition -------------------------------------------------------------------------

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

const NUMBER_FIELDS: readonly NumberType[] = ['work', 'mobile', 'home', 'fax', 'pager', 'other'];

function planColumns(headers: string[], options: CsvOptions): ColumnPlan {
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

// -- tokenizer ----------------------------------------------------------------------------------

const LF = 10;
const CR = 13;
const QUOTE = 34;
/** Longest physical line (or record) accepted, in characters. */
export const MAX_LINE = 64 * 1024;

interface Sink {
  /** Returns false to stop. */
  record(fields: string[], line: number): boolean | undefined;
  error(line: number, reason: string): boolean | undefined;
}

/** Start of the physical line after the one containing `pos`. */
function nextLineStart(text: string, pos: number): number {
  const n = text.length;
  for (let p = pos; p < n; p++) {
    const c = text.charCodeAt(p);
    if (c === LF) return p + 1;
    if (c === CR) return text.charCodeAt(p + 1) === LF ? p + 2 : p + 1;
  }
  return n;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    if (c !== 32 && c !== 9 && c !== LF && c !== CR) return false;
  }
  return true;
}

/** Splits `text` from `pos` (at physical line `line`) into records; see the module comment for the rules. */
function tokenize(text: string, pos: number, line: number, delimiter: string, sink: Sink): void {
  const d = delimiter.charCodeAt(0);
  const n = text.length;
  while (pos < n) {
    const recPos = pos;
    const recLine = line;
    const fields: string[] = [];
    let error: string | null = null;
    let spanned = false;
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        let p = pos + 1;
        let seg = p;
        let value = '';
        for (;;) {
          if (p >= n) {
            error = 'quote not closed';
            break;
          }
          if (p - recPos > MAX_LINE) {
            error = spanned ? 'record longer than 64 KiB (is a quote not closed?)' : 'line longer than 64 KiB';
            break;
          }
          const c = text.charCodeAt(p);
          if (c === QUOTE) {
            if (text.charCodeAt(p + 1) === QUOTE) {
              value += text.slice(seg, p + 1);
              p += 2;
              seg = p;
              continue;
            }
            value += text.slice(seg, p);
            p++;
            break;
          }
          if (c === LF || c === CR) {
            if (c === CR && text.charCodeAt(p + 1) === LF) p++;
            line++;
            spanned = true;
          }
          p++;
        }
        if (error !== null) break;
        fields.push(value);
        pos = p;
        if (pos >= n) break;
        const c = text.charCodeAt(pos);
        if (c === d) {
          pos++;
          continue;
        }
        if (c === LF || c === CR) {
          pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
          line++;
          break;
        }
        // `"abc"def`: on one line a stray character; after a quoted line break, far more likely a
        // quote that was never closed and ran into a later quote.
        error = spanned ? 'quote not closed' : 'text after closing quote';
        break;
      }
      let p = pos;
      while (p < n) {
        const c = text.charCodeAt(p);
        if (c === d || c === LF || c === CR) break;
        p++;
      }
      if (p - recPos > MAX_LINE) {
        error = spanned ? 'record longer than 64 KiB (is a quote not closed?)' : 'line longer than 64 KiB';
        break;
      }
      fields.push(text.slice(pos, p));
      pos = p;
      if (p >= n) break;
      const c = text.charCodeAt(p);
      if (c === d) {
        pos++;
        continue;
      }
      pos += c === CR && text.charCodeAt(p + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (error !== null) {
      if (sink.error(recLine, error) === false) return;
      pos = nextLineStart(text, recPos);
      line = recLine + 1;
      continue;
    }
    if (fields.length === 1 && isBlank(text, recPos, pos)) continue;
    if (sink.record(fields, recLine) === false) return;
  }
}

/** The delimiter that occurs most often outside quotes in the first line (ties: `;` `,` tab `|`); `,` if none. */
export function detectDelimiter(firstLine: string): CsvDelimiter {
  const candidates: CsvDelimiter[] = [';', ',', '\t', '|'];
  const counts = [0, 0, 0, 0];
  let quoted = false;
  for (let i = 0; i < firstLine.length; i++) {
    const ch = firstLine[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted) {
      const k = candidates.indexOf(ch as CsvDelimiter);
      if (k >= 0) counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  let best = 1; // ','
  for (let k = 0; k < 4; k++) if ((counts[k] ?? 0) > (counts[best] ?? 0)) best = k;
  return candidates[best] ?? ',';
}

// -- parsing ------------------------------------------------------------------------------------

interface Prepared {
  text: string;
  encoding: TextEncodingName;
  delimiter: CsvDelimiter;
  /** Where the header starts (after a `sep=` line and leading blank lines) and its line number. */
  pos: number;
  line: number;
}

function prepare(input: Uint8Array | string, options: CsvOptions): Prepared {
  let text: string;
  let encoding: TextEncodingName;
  if (typeof input === 'string') {
    checkSize(Buffer.byteLength(input), options.maxBytes ?? DEFAULT_MAX_BYTES);
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    encoding = 'utf-8';
  } else {
    checkSize(input.length, options.maxBytes ?? DEFAULT_MAX_BYTES);
    // A BOM wins over a configured encoding: it cannot be wrong, the configuration can.
    encoding = sniffBom(input)?.encoding ?? options.encoding ?? detectEncoding(input);
    text = decodeText(input, encoding);
  }
  let pos = 0;
  let line = 1;
  let delimiter = options.delimiter;
  const sep = /^sep=([;,\t|])[ \t]*(\r\n|\r|\n|$)/i.exec(text);
  if (sep) {
    delimiter ??= sep[1] as CsvDelimiter;
    pos = sep[0].length;
    line = 2;
  }
  while (pos < text.length) {
    const next = nextLineStart(text, pos);
    if (!isBlank(text, pos, next)) break;
    pos = next;
    line++;
  }
  if (pos >= text.length) throw new Error('the CSV file is empty (no header line)');
  delimiter ??= detectDelimiter(text.slice(pos, nextLineStart(text, pos)));
  return { text, encoding, delimiter, pos, line };
}

function readHeader(p: Prepared): { headers: string[]; pos: number; line: number } {
  const out: { headers?: string[]; failure?: string } = {};
  tokenize(p.text.slice(p.pos, nextLineStart(p.text, p.pos)), 0, p.line, p.delimiter, {
    record: (fields) => {
      out.headers = fields.map((f) => f.trim());
      return false;
    },
    error: (line, reason) => {
      out.failure = `line ${line}: ${reason} in the CSV header`;
      return false;
    },
  });
  if (out.failure !== undefined) throw new Error(out.failure);
  if (out.headers === undefined) throw new Error('the CSV file is empty (no header line)');
  return { headers: out.headers, pos: nextLineStart(p.text, p.pos), line: p.line + 1 };
}

/** Reads only the header: encoding, delimiter, columns and their mapping (throws like `parseCsv`). */
export function readCsvHeader(input: Uint8Array | string, options: CsvOptions = {}): CsvHeaderInfo {
  const p = prepare(input, options);
  const { headers } = readHeader(p);
  const plan = planColumns(headers, options);
  const columns: CsvHeaderInfo['columns'] = {};
  for (const [f, list] of plan.fields) columns[f] = list.map((i) => headers[i] ?? '');
  if (plan.pairs.length > 0) {
    columns.phones = plan.pairs.flatMap((x) =>
      [x.label, x.value].filter((i) => i !== null).map((i) => headers[i] ?? ''),
    );
  }
  return { encoding: p.encoding, delimiter: p.delimiter, headers, columns };
}

/** Excel's `="0301234"` (keeps a leading zero) and a leading apostrophe. */
function unExcel(v: string): string {
  const t = v.trim();
  if (t.startsWith('="') && t.endsWith('"')) return t.slice(2, -1);
  if (t.startsWith("'")) return t.slice(1);
  return t;
}

/** Google writes several values into one cell, separated by " ::: ". */
function split(v: string): string[] {
  return v.includes(':::') ? v.split(':::') : [v];
}

/** Parses a CSV phone book; see the module comment. Throws on an unusable file, reports bad rows. */
export function parseCsv(input: Uint8Array | string, options: CsvOptions = {}): ParseResult {
  const p = prepare(input, options);
  const header = readHeader(p);
  const width = header.headers.length;
  const plan = planColumns(header.headers, options);
  const col = (f: CsvField) => plan.fields.get(f) ?? [];
  const idCols = col('id');
  const nameCols = col('name');
  const givenCols = col('givenName');
  const middleCols = col('middleName');
  const surnameCols = col('surname');
  const companyCols = col('company');
  const departmentCols = col('department');
  const titleCols = col('title');
  const emailCols = col('email');
  const urlCols = col('url');
  // Every number column and Google pair, in header order.
  const numberCols: { type: NumberType | null; label: number | null; value: number }[] = [];
  for (const t of NUMBER_FIELDS) for (const i of col(t)) numberCols.push({ type: t, label: null, value: i });
  for (const pair of plan.pairs) numberCols.push({ type: null, ...pair });
  numberCols.sort((a, b) => a.value - b.value);

  const contacts: SourceContact[] = [];
  const errors: ParseError[] = [];
  const seen = new Map<string, number>();
  let rows = 0;

  const first = (fields: string[], cols: number[]): string | null => {
    for (const i of cols) {
      const v = fields[i];
      if (!v) continue;
      if (!v.includes(':::')) {
        const c = clean(v);
        if (c !== null) return c;
        continue;
      }
      for (const part of v.split(':::')) {
        const c = clean(part);
        if (c !== null) return c;
      }
    }
    return null;
  };

  tokenize(p.text, header.pos, header.line, p.delimiter, {
    error(line, reason) {
      rows++;
      errors.push({ line, reason });
      return true;
    },
    record(fields, line) {
      rows++;
      if (fields.length !== width) {
        errors.push({ line, reason: `${fields.length} fields, the header has ${width}` });
        return true;
      }
      const givenName = first(fields, givenCols);
      const middleName = first(fields, middleCols);
      const surname = first(fields, surnameCols);
      const numbers: SourceContact['numbers'] = [];
      for (const nc of numberCols) {
        const v = fields[nc.value];
        if (!v) continue;
        const type = nc.type ?? labelType(nc.label === null ? null : (fields[nc.label] ?? null));
        const origin = { line, field: header.headers[nc.value] ?? '' };
        for (const part of split(v)) addNumber(numbers, type, unExcel(part), origin);
      }
      const contact: Omit<SourceContact, 'externalId'> = {
        name: first(fields, nameCols) ?? buildName([givenName, middleName, surname]),
        givenName,
        surname,
        company: first(fields, companyCols),
        department: first(fields, departmentCols),
        title: first(fields, titleCols),
        email: first(fields, emailCols),
        numbers,
        url: first(fields, urlCols),
      };
      if (contact.name === null && contact.company === null && !numbers.some((n) => looksLikeNumber(n.raw))) {
        errors.push({ line, reason: 'no name, company or number' });
        return true;
      }
      const id = idCols.length > 0 ? first(fields, idCols) : null;
      const externalId = id !== null ? unExcel(id) : contentId(contact);
      const dup = seen.get(externalId);
      if (dup !== undefined) {
        errors.push({
          line,
          reason: id !== null ? `duplicate id (line ${dup})` : `duplicate of line ${dup}`,
        });
        return true;
      }
      seen.set(externalId, line);
      contacts.push({ externalId, ...contact });
      return true;
    },
  });
  return { contacts, errors, rows };
}

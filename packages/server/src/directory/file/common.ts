import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { NumberOrigin, NumberType, SourceContact } from '../source.js';

/** A row (CSV) or card (vCard) that was skipped: the 1-based physical line where it starts, and why. */
export interface ParseError {
  line: number;
  reason: string;
}

/** What parsing a phone-book file gives: the contacts, the skipped rows/cards, and how many rows/cards there were. */
export interface ParseResult {
  contacts: SourceContact[];
  errors: ParseError[];
  /** Data rows (CSV, without header and blank lines) or cards (vCard, BEGIN:VCARD lines) seen: contacts + errors. */
  rows: number;
}

/** Default size limit of an imported file. */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/** Thrown for a file over the configured size limit (nothing of it is imported). */
export class FileTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`the file is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)} (maxBytes ${maxBytes})`);
    this.name = 'FileTooLargeError';
  }
}

export function checkSize(size: number, maxBytes = DEFAULT_MAX_BYTES): void {
  if (size > maxBytes) throw new FileTooLargeError(size, maxBytes);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${n} bytes`;
}

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'iso-8859-1';

/** The byte-order mark at the start of `buf`, if any. */
export function sniffBom(buf: Uint8Array): { encoding: 'utf-8' | 'utf-16le' | 'utf-16be'; length: number } | null {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/**
 * Detects the encoding of a text file: a BOM decides; else valid UTF-8 is UTF-8 (pure ASCII too);
 * else windows-1252, what Excel and Outlook write on a Western Windows (a superset of ISO-8859-1's
 * printable characters).
 */
export function detectEncoding(buf: Uint8Array): TextEncodingName {
  const bom = sniffBom(buf);
  if (bom) return bom.encoding;
  return isUtf8(buf) ? 'utf-8' : 'windows-1252';
}

/** windows-1252's 0x80–0x9F (where it differs from ISO-8859-1); the five unassigned bytes stay C1 controls. */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * Decodes windows-1252. Not through TextDecoder: Node 20's TextDecoder('windows-1252') decodes
 * like latin1 (0x96 gives U+0096, not "–"; 0x80 gives U+0080, not "€").
 */
export function decodeWindows1252(buf: Uint8Array): string {
  const s = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
  return /[\x80-\x9f]/.test(s) ? s.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? c) : s;
}

/**
 * Decodes `buf` (a leading BOM is dropped) as text. ISO-8859-1 is read as windows-1252, as browsers
 * do (WHATWG): the two differ only in 0x80–0x9F, control characters in ISO-8859-1 that real text
 * does not contain, while files labelled Latin-1 often hold windows-1252's "–", "€" or "„“".
 */
export function decodeText(buf: Uint8Array, encoding: TextEncodingName): string {
  const bom = sniffBom(buf);
  const body = bom ? buf.subarray(bom.length) : buf;
  if (encoding === 'iso-8859-1' || encoding === 'windows-1252') return decodeWindows1252(body);
  return new TextDecoder(encoding).decode(body);
}

/** Trims, folds runs of white space (line breaks included) into one space; '' becomes null. */
export function clean(value: string | null | undefined): string | null {
  if (value == null || value === '') return null;
  // Most cells need nothing: no white space at the ends, no runs of it, no line breaks or tabs.
  if (!/^\s|\s$|\s\s|[^\S ]/.test(value)) return value;
  const v = value.replace(/\s+/g, ' ').trim();
  return v === '' ? null : v;
}

/** A number has at least one digit ("abc-not-a-number" is text that cannot be understood as one). */
export function looksLikeNumber(raw: string): boolean {
  return /\d/.test(raw);
}

/** What people write in a number cell to say there is none (compared without case, dots and spaces). */
const NO_NUMBER = new Set(['n/a', 'na', 'none', 'null', 'nil', 'keine', 'kein', 'ka', 'unknown', 'unbekannt']);

/** A cell that says there is no number: only dashes, slashes, dots and the like, or `n/a`, `k. A.`, `none` … */
export function saysNoNumber(raw: string): boolean {
  return !/[\p{L}\p{N}]/u.test(raw) || NO_NUMBER.has(raw.toLowerCase().replace(/[.\s]/g, ''));
}

/** The display name a source without one shows: given (middle) surname. */
export function buildName(parts: (string | null)[]): string | null {
  return clean(parts.filter((p) => p).join(' '));
}

/**
 * Adds a number unless the cell says there is none or the contact already has the same one
 * (compared by its digits and '+', or as text when it has no digits). Text that is no number is
 * kept as it is written: the sync reports it as a number not understood. `origin` says where in
 * the file it was written.
 */
export function addNumber(
  numbers: SourceContact['numbers'],
  type: NumberType,
  raw: string,
  origin?: NumberOrigin,
): void {
  const r = clean(raw);
  if (r === null || saysNoNumber(r)) return;
  const key = numberKey(r);
  if (numbers.some((n) => numberKey(n.raw) === key)) return;
  numbers.push(origin ? { type, raw: r, origin } : { type, raw: r });
}

const numberKey = (raw: string) => (looksLikeNumber(raw) ? raw.replace(/[^\d+]/g, '') : raw);

/**
 * The externalId of a contact whose file gives it no id (no id column, no UID): a hash of what the
 * contact says (names, company, department, title, e-mail, numbers), not of the raw row or card.
 * So the same person exported again (another column order, another encoding, other unmapped columns,
 * a new REV timestamp) keeps the id and a re-import changes nothing; editing one of those fields
 * makes it a new contact (the old one goes away with the next full sync). 96 bits of SHA-256.
 * Do not change the recipe: every stored contact of such files would churn once.
 */
export function contentId(c: Omit<SourceContact, 'externalId' | 'url'>): string {
  const data = JSON.stringify([
    c.name,
    c.givenName,
    c.surname,
    c.company,
    c.department,
    c.title,
    c.email,
    // Text that is no number was not kept before it was reported: leaving it out keeps the ids.
    c.numbers.filter((n) => looksLikeNumber(n.raw)).map((n) => [n.type, n.raw]),
  ]);
  return `h:${createHash('sha256').update(data).digest('hex').slice(0, 24)}`;
}

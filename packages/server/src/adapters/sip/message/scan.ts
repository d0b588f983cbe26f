// Lexical pieces shared by the header parsers (RFC 3261 §25.1).
import { fail } from './errors.js';

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** Collapses linear white space (folding already replaced by SP) and trims. */
export function collapseLws(s: string): string {
  return s.replace(/[ \t]+/g, ' ').trim();
}

/**
 * Splits `s` at `sep` outside quoted strings (with quoted-pairs) and angle brackets.
 * Throws on an unbalanced quote or bracket.
 */
export function splitOutside(s: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<' && !angle) angle = true;
    else if (c === '>' && angle) angle = false;
    else if (c === sep && !angle) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) fail('unterminated quoted string');
  if (angle) fail('unterminated <');
  parts.push(s.slice(start));
  return parts;
}

/** Reads a quoted-string starting at s[at] === '"'; returns its decoded text and the index after it. */
export function readQuoted(s: string, at: number): { text: string; end: number } {
  let text = '';
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      if (i + 1 >= s.length || s[i + 1] === '\r' || s[i + 1] === '\n') break;
      text += s[++i];
    } else if (c === '"') return { text, end: i + 1 };
    else text += c;
  }
  return fail('unterminated quoted string');
}

/** Renders text as a quoted-string. */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** The value of a parameter: quoted-strings are decoded, others returned as written. */
export function unquote(value: string): string {
  return value.startsWith('"') ? readQuoted(value, 0).text : value;
}

/** Parameters in written order; names lower-cased; `null` for a name without "=value". */
export type SipParams = Map<string, string | null>;

/**
 * Parses `;name[=value]` pairs (generic-param, RFC 3261 §25.1) with LWS around ";" and "=".
 * `text` starts at the first ";" (or is empty). Values keep their quotes.
 */
export function parseParams(text: string): SipParams {
  const params: SipParams = new Map();
  const trimmed = text.trim();
  if (trimmed === '') return params;
  if (!trimmed.startsWith(';')) fail(`unexpected "${trimmed.slice(0, 20)}" before parameters`);
  for (const part of splitOutside(trimmed.slice(1), ';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!isToken(name)) fail(`bad parameter name "${name}"`);
    if (eq < 0) {
      params.set(name, null);
      continue;
    }
    const value = part.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      const { end } = readQuoted(value, 0);
      if (end !== value.length) fail(`text after quoted value of ${name}`);
    } else if (!/^[A-Za-z0-9\-.!%*_+`'~:[\]/@?&=$]+$/.test(value)) {
      fail(`bad value of parameter ${name}`);
    }
    params.set(name, value);
  }
  return params;
}

export function renderParams(params: SipParams): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** Decodes %HH escapes (RFC 3261 §19.1.2) as UTF-8; a "%" not followed by two hex digits is an error. */
export function unescapeUri(s: string): string {
  if (!s.includes('%')) return s;
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) fail(`bad escape in "${s.slice(0, 40)}"`);
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i] as string, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `allowed` as a test of a whole string: most strings need no escape at all. */
const allAllowed = new WeakMap<RegExp, RegExp>();

/** Escapes every character outside `allowed` (a character class body) as %HH of its UTF-8 bytes. */
export function escapeUri(s: string, allowed: RegExp): string {
  let whole = allAllowed.get(allowed);
  if (!whole) {
    whole = new RegExp(`^${allowed.source}*$`);
    allAllowed.set(allowed, whole);
  }
  if (whole.test(s)) return s;
  let out = '';
  for (const c of s) {
    if (allowed.test(c)) out += c;
    else for (const b of Buffer.from(c, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Parses a decimal up to `max`; leading zeros are allowed (RFC 4475 §3.1.1.1). A larger value
 * is an error, or taken as `max` with `overflow: 'cap'`.
 */
export function parseDecimal(text: string, what: string, max: number, overflow: 'fail' | 'cap' = 'fail'): number {
  if (!/^[0-9]+$/.test(text)) fail(`${what} is not a number`);
  const digits = text.replace(/^0+(?=.)/, '');
  if (digits.length <= 16 && Number(digits) <= max) return Number(digits);
  if (overflow === 'cap') return max;
  return fail(`${what} is too large`);
}

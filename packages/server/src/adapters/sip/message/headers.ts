// Header fields: names, compact forms (RFC 3261 §7.3.3 and extensions), folding, lists.
import { fail } from './errors.js';
import type { SipLimits } from './limits.js';
import { isToken, splitOutside } from './scan.js';

export interface SipHeader {
  /** Canonical name (compact forms expanded), e.g. "Call-ID". */
  name: string;
  /** Unfolded value, trimmed. */
  value: string;
}

/** Compact forms: RFC 3261 §7.3.3 (c e f i k l m s t v), RFC 6665 (o u), RFC 3515 (r), RFC 3892 (b), RFC 4028 (x), RFC 4474 (n y), RFC 3841 (a d j). */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Names whose usual spelling is not plain Title-Case. */
const SPECIAL = [
  'Call-ID',
  'CSeq',
  'WWW-Authenticate',
  'MIME-Version',
  'RAck',
  'RSeq',
  'SIP-ETag',
  'SIP-If-Match',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
];
const CANONICAL = new Map<string, string>(SPECIAL.map((n) => [n.toLowerCase(), n]));

/** Names seen as sent → canonical: every message repeats the same few dozen (bounded against floods of made-up names). */
const seen = new Map<string, string>();
const SEEN_MAX = 1000;

/** The canonical spelling of a header name; compact forms are expanded. */
export function canonicalName(name: string): string {
  const known = seen.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  const canonical =
    COMPACT[lower] ??
    CANONICAL.get(lower) ??
    lower.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
  if (seen.size < SEEN_MAX) seen.set(name, canonical);
  return canonical;
}

/** Headers whose value is a comma-separated list (RFC 3261 §7.3.1) that the adapter reads element by element. */
const LIST_HEADERS = new Set([
  'Via',
  'Contact',
  'Route',
  'Record-Route',
  'Path',
  'Service-Route',
  'Allow',
  'Supported',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'Allow-Events',
  'Accept',
]);

/** Headers that may appear at most once. */
export const SINGLE_HEADERS = [
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Max-Forwards',
  'Content-Length',
  'Content-Type',
  'Expires',
] as const;

/**
 * Splits the header section (lines after the start line, CRLF or bare LF ends) into fields,
 * unfolding continuation lines and splitting list headers into one field per element.
 */
export function parseHeaderLines(lines: string[], limits: SipLimits): SipHeader[] {
  const headers: SipHeader[] = [];
  let current: { name: string; value: string } | undefined;
  const finish = () => {
    if (!current) return;
    const name = canonicalName(current.name);
    const value = current.value.trim();
    if (value.length * 3 > limits.maxHeaderValueBytes && Buffer.byteLength(value) > limits.maxHeaderValueBytes)
      fail(`${name} value too long`);
    const values = LIST_HEADERS.has(name) && value !== '' ? splitOutside(value, ',').map((v) => v.trim()) : [value];
    if (values.length > 1 && values.some((v) => v === '')) fail(`empty element in ${name}`);
    for (const v of values) {
      headers.push({ name, value: v });
      if (headers.length > limits.maxHeaders) fail(`more than ${limits.maxHeaders} header fields`);
    }
  };
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!current) fail('continuation line before the first header');
      current.value += ` ${line.trim()}`;
      if (current.value.length > limits.maxHeaderValueBytes) fail(`${current.name} value too long`);
      continue;
    }
    finish();
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trimEnd();
    if (colon < 1 || !isToken(name)) fail(`bad header line "${line.slice(0, 40)}"`);
    current = { name, value: line.slice(colon + 1) };
  }
  finish();
  return headers;
}

/** Every value of a header (canonical or compact name), in message order. */
export function headerValues(headers: readonly SipHeader[], name: string): string[] {
  const canonical = canonicalName(name);
  const values: string[] = [];
  for (const h of headers) if (h.name === canonical) values.push(h.value);
  return values;
}

/** The single value of a header, undefined when absent; an error when repeated. */
export function singleHeader(headers: readonly SipHeader[], name: string): string | undefined {
  // One pass, no arrays: every message is read for a dozen single headers.
  const canonical = canonicalName(name);
  let value: string | undefined;
  let count = 0;
  for (const h of headers) {
    if (h.name !== canonical) continue;
    count++;
    value ??= h.value;
  }
  if (count > 1) fail(`${canonical} appears ${count} times`);
  return value;
}

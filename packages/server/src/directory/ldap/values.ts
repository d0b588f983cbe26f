// The values of LDAP entries: AD's binary ids as text, generalized time, the sync cursor, and an
// entry's attributes by name.
import type { Entry } from 'ldapts';

/**
 * Longest text kept (a longer value is cut): a name or a "number" this long is garbage, but the
 * number is still delivered (cut) so that normalization reports it instead of it vanishing.
 */
export const MAX_TEXT = 512;

/** objectGUID (16 bytes, the first three groups little-endian) as AD shows it. */
export function guidToString(b: Buffer): string {
  if (b.length !== 16) return b.toString('hex');
  const h = (from: number, to: number, reverse: boolean) => {
    const part = b.subarray(from, to);
    return Buffer.from(reverse ? [...part].reverse() : part).toString('hex');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

/** objectSid as S-1-5-21-…. */
export function sidToString(b: Buffer): string {
  if (b.length < 8) return b.toString('hex');
  const count = b[1] ?? 0;
  if (b.length < 8 + 4 * count) return b.toString('hex');
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + (b[i] ?? 0);
  const parts = [`S-${b[0]}-${authority}`];
  for (let i = 0; i < count; i++) parts.push(String(b.readUInt32LE(8 + 4 * i)));
  return parts.join('-');
}

export function binaryId(attr: string, value: Buffer): string {
  const lower = attr.toLowerCase();
  if (lower === 'objectsid') return sidToString(value);
  if (value.length === 16) return guidToString(value);
  return value.toString('hex');
}

/** Parses generalized time (RFC 4517: YYYYMMDDHH[MM[SS]][.f][Z|±HHMM]) to epoch ms; NaN if not one. */
export function parseGeneralizedTime(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)?$/.exec(s.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi = '00', se = '00', frac = '', zone = 'Z'] = m;
  const ms = Number(`0.${frac || '0'}`) * 1000;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se), ms);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offset = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || '0');
    t -= sign * offset * 60_000;
  }
  return t;
}

/** A sync cursor: the newest modifyTimestamp seen, or AD's USN with the DC it belongs to. */
export type LdapCursor = { kind: 'ts'; ts: string } | { kind: 'usn'; usn: bigint; dc: string };

export function formatCursor(c: LdapCursor): string {
  return c.kind === 'ts' ? `ts:${c.ts}` : `usn:${c.usn}@${c.dc}`;
}

export function parseCursor(s: string | null): LdapCursor | null {
  if (!s) return null;
  const ts = /^ts:(\d{10,14}(?:[.,]\d+)?(?:Z|[+-]\d{2,4})?)$/.exec(s);
  if (ts?.[1] && !Number.isNaN(parseGeneralizedTime(ts[1]))) return { kind: 'ts', ts: ts[1] };
  const usn = /^usn:(\d{1,20})@(.*)$/s.exec(s);
  if (usn?.[1] !== undefined && usn[2] !== undefined) return { kind: 'usn', usn: BigInt(usn[1]), dc: usn[2] };
  return null;
}

export type Values = (string | Buffer)[];

/** The entry's attributes by lower-case name without options (`telephoneNumber;x` joins `telephonenumber`). */
export function valueMap(entry: Entry): Map<string, Values> {
  const map = new Map<string, Values>();
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'dn') continue;
    const name = (key.split(';')[0] ?? key).toLowerCase();
    const list: Values = Array.isArray(value) ? value : [value];
    const existing = map.get(name);
    if (existing) existing.push(...list);
    else map.set(name, [...list]);
  }
  return map;
}

export function firstText(values: Map<string, Values>, attrs: string[]): string | null {
  for (const attr of attrs) {
    for (const v of values.get(attr.toLowerCase()) ?? []) {
      if (typeof v !== 'string') continue;
      const s = v.trim();
      if (s) return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s;
    }
  }
  return null;
}

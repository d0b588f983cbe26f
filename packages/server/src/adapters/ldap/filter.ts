// LDAP search filters (RFC 4511 §4.5.1): read from BER, planned into the directory questions that
// find their candidates (a reverse lookup per number, a typeahead per name), and evaluated exactly
// on each candidate's entry. String matching is caseIgnore with spaces folded; numbers match by
// their normalized form, so `(telephoneNumber=0711 1234-0)` finds `+4971112340`.
import { BerError, childrenOf, type Element, readString, Tag } from './ber.js';

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { eq: string; value: string }
  | { approx: string; value: string }
  | { ge: string; value: string }
  | { le: string; value: string }
  | { present: string }
  | { sub: string; initial: string | null; any: string[]; final: string | null }
  /** An extensible match: never true here (RFC 4511 lets a server evaluate unknown rules as Undefined). */
  | { extensible: true };

/** Attribute names and their aliases, to the lower-case names entries carry. */
const aliases = new Map(
  Object.entries({
    commonname: 'cn',
    surname: 'sn',
    gn: 'givenname',
    organizationname: 'o',
    organizationalunitname: 'ou',
    rfc822mailbox: 'mail',
    mobiletelephonenumber: 'mobile',
    hometelephonenumber: 'homephone',
    fax: 'facsimiletelephonenumber',
  }),
);

/** Names seen lately and their keys: phones ask with the same few names on every search. */
const keys = new Map<string, string>();
const MAX_KEYS = 1000;

/** The lower-case canonical name of an attribute description (options like `;binary` dropped). */
export function attributeKey(name: string): string {
  let key = keys.get(name);
  if (key !== undefined) return key;
  const semicolon = name.indexOf(';');
  const base = (semicolon < 0 ? name : name.slice(0, semicolon)).toLowerCase();
  key = aliases.get(base) ?? base;
  if (keys.size >= MAX_KEYS) keys.clear();
  keys.set(name, key);
  return key;
}

/** The attributes that hold phone numbers (lower case): matched by their normalized numbers. */
export const phoneAttributes = new Set(['telephonenumber', 'mobile', 'homephone', 'facsimiletelephonenumber', 'pager']);
/** The attributes the typeahead finds words in. */
const textAttributes = new Set(['cn', 'sn', 'givenname', 'displayname', 'o', 'ou', 'mail']);

export function readFilter(e: Element): Filter {
  switch (e.tag) {
    case 0xa0:
      return { and: childrenOf(e, 0xa0, 'and').map(readFilter) };
    case 0xa1:
      return { or: childrenOf(e, 0xa1, 'or').map(readFilter) };
    case 0xa2: {
      const [inner] = childrenOf(e, 0xa2, 'not');
      if (!inner) throw new BerError('not: no filter');
      return { not: readFilter(inner) };
    }
    case 0xa3: {
      const [eq, value] = ava(e);
      return { eq, value };
    }
    case 0xa5: {
      const [ge, value] = ava(e);
      return { ge, value };
    }
    case 0xa6: {
      const [le, value] = ava(e);
      return { le, value };
    }
    case 0xa8: {
      const [approx, value] = ava(e);
      return { approx, value };
    }
    case 0x87:
      return { present: attributeKey(e.value.toString('utf8')) };
    case 0xa4:
      return readSubstrings(e);
    case 0xa9:
      return { extensible: true };
    default:
      throw new BerError(`unknown filter 0x${e.tag.toString(16)}`);
  }
}

function ava(e: Element): [string, string] {
  const [type, value] = childrenOf(e, e.tag, 'attribute value assertion');
  return [attributeKey(readString(type, Tag.octets, 'attribute')), readString(value, Tag.octets, 'value')];
}

function readSubstrings(e: Element): Filter {
  const [type, pieces] = childrenOf(e, 0xa4, 'substrings');
  const out: { sub: string; initial: string | null; any: string[]; final: string | null } = {
    sub: attributeKey(readString(type, Tag.octets, 'attribute')),
    initial: null,
    any: [],
    final: null,
  };
  const list = childrenOf(pieces, Tag.sequence, 'substrings');
  if (list.length === 0) throw new BerError('substrings: none');
  list.forEach((p, i) => {
    const text = p.value.toString('utf8');
    if (p.tag === 0x80 && i === 0) out.initial = text;
    else if (p.tag === 0x81) out.any.push(text);
    else if (p.tag === 0x82 && i === list.length - 1) out.final = text;
    else throw new BerError('substrings: initial first, final last');
  });
  return out;
}

/** An entry as filters see it: lower-case attribute names to values, and its numbers normalized. */
export interface EntryView {
  attributes: Map<string, string[]>;
  /** Per phone attribute: the normalized numbers (E.164 or extension). */
  numbers: Map<string, string[]>;
  /**
   * The numbers (as asked) whose lookup found this entry by its company's switchboard or block,
   * and the number fragments (fragmentKey) the typeahead found it by.
   */
  foundBy: Set<string>;
}

/** What the numbers in a filter normalize to (the lookups' answers); null for one that is not a number. */
export type NumberForms = Map<string, string | null>;

const fold = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Whether `entry` matches `f` (Undefined counts as false; `not` of Undefined too, as RFC 4511 says). */
export function matches(f: Filter, entry: EntryView, numbers: NumberForms): boolean {
  return evaluate(f, entry, numbers) === true;
}

function evaluate(f: Filter, entry: EntryView, numbers: NumberForms): boolean | undefined {
  if ('and' in f) {
    let result: boolean | undefined = true;
    for (const c of f.and) {
      const r = evaluate(c, entry, numbers);
      if (r === false) return false;
      if (r === undefined) result = undefined;
    }
    return result;
  }
  if ('or' in f) {
    let result: boolean | undefined = false;
    for (const c of f.or) {
      const r = evaluate(c, entry, numbers);
      if (r === true) return true;
      if (r === undefined) result = undefined;
    }
    return result;
  }
  if ('not' in f) {
    const r = evaluate(f.not, entry, numbers);
    return r === undefined ? undefined : !r;
  }
  if ('present' in f) return entry.attributes.has(f.present);
  if ('extensible' in f) return undefined;
  const attr = 'eq' in f ? f.eq : 'approx' in f ? f.approx : 'ge' in f ? f.ge : 'le' in f ? f.le : f.sub;
  const values = entry.attributes.get(attr);
  if (!values) return false;
  if ('sub' in f) {
    if (!phoneAttributes.has(attr)) return values.some((v) => substringMatch(fold(v), f));
    // Digits only; a fragment the typeahead found the entry by also matches its national form.
    if (entry.foundBy.has(fragmentKey(longestDigits(f)))) return true;
    const digits = {
      initial: onlyDigits(f.initial),
      any: f.any.map(onlyDigits) as string[],
      final: onlyDigits(f.final),
    };
    return values.some((v) => substringMatch(v.replace(/\D/g, ''), digits));
  }
  const wanted = fold(f.value);
  if ('ge' in f) return values.some((v) => fold(v) >= wanted);
  if ('le' in f) return values.some((v) => fold(v) <= wanted);
  if (phoneAttributes.has(attr)) {
    const e164 = numbers.get(f.value);
    if (e164 && entry.numbers.get(attr)?.includes(e164)) return true;
    return attr === 'telephonenumber' && entry.foundBy.has(f.value);
  }
  return values.some((v) => fold(v) === wanted);
}

function substringMatch(value: string, f: { initial: string | null; any: string[]; final: string | null }): boolean {
  let at = 0;
  if (f.initial !== null) {
    if (!value.startsWith(fold(f.initial))) return false;
    at = fold(f.initial).length;
  }
  for (const piece of f.any) {
    const i = value.indexOf(fold(piece), at);
    if (i < 0) return false;
    at = i + fold(piece).length;
  }
  return f.final === null || (value.length - fold(f.final).length >= at && value.endsWith(fold(f.final)));
}

const onlyDigits = <T extends string | null>(s: T): T => (s === null ? s : (s.replace(/\D/g, '') as T));
const longestDigits = (f: { initial: string | null; any: string[]; final: string | null }) =>
  longest([f.initial, ...f.any, f.final].filter((p): p is string => p !== null).map((p) => p.replace(/\D/g, '')));

/** How an entry records that the typeahead found it by a number fragment (`EntryView.foundBy`). */
export const fragmentKey = (digits: string) => `#${digits}`;

/** A question to the directory that finds candidates: a reverse lookup, or a typeahead by word prefix or (`infix`) by a piece inside words. */
export type Probe = { number: string } | { text: string; infix: boolean };

/**
 * The directory questions whose answers hold every entry `f` can match, or null when `f` does
 * not narrow the directory (`(objectClass=*)`, a `not`, a presence test).
 * @example plan({ or: [{ eq: 'telephonenumber', value: '0711 1234' }, { sub: 'cn', initial: 'mü', any: [], final: null }] })
 *   // [{ number: '0711 1234' }, { text: 'mü', infix: false }]
 */
export function plan(f: Filter): Probe[] | null {
  if ('or' in f) {
    const all: Probe[] = [];
    for (const c of f.or) {
      const p = plan(c);
      if (!p) return null;
      all.push(...p);
    }
    return all;
  }
  if ('and' in f) {
    const plans = f.and.map(plan).filter((p): p is Probe[] => p !== null);
    // The fewest questions; a number lookup before a name search of as many.
    const cost = (p: Probe[]) => p.length * 2 - (p.every((x) => 'number' in x) ? 1 : 0);
    return plans.length === 0 ? null : plans.reduce((a, b) => (cost(b) < cost(a) ? b : a));
  }
  if ('eq' in f || 'approx' in f) {
    const attr = 'eq' in f ? f.eq : f.approx;
    if (phoneAttributes.has(attr)) return 'eq' in f ? [{ number: f.value }] : digitsProbe(f.value);
    return textAttributes.has(attr) ? textProbe(f.value, false) : null;
  }
  if ('sub' in f) {
    if (phoneAttributes.has(f.sub)) return digitsProbe(longestDigits(f));
    if (!textAttributes.has(f.sub)) return null;
    // `(cn=Mü*)` starts a word; `(cn=*meier*)`, `(cn=*meier)` may start inside one.
    if (f.initial?.trim()) return textProbe(f.initial, false);
    return textProbe(longest([...f.any, ...(f.final === null ? [] : [f.final])]), true);
  }
  return null;
}

const longest = (texts: string[]) => texts.reduce((a, b) => (b.length > a.length ? b : a), '');
const textProbe = (text: string, infix: boolean): Probe[] | null =>
  text.trim() ? [{ text: text.trim(), infix }] : null;
const digitsProbe = (text: string): Probe[] | null => {
  const digits = text.replace(/\D/g, '');
  return digits ? [{ text: digits, infix: false }] : null;
};

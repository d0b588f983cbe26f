// The MetaDirectory as LDAP entries: each candidate the directory hands over becomes an
// inetOrgPerson (RFC 2798) under the tenant's base DN (`dc=example,dc=test` for example.test),
// and the base DN itself an organization. Attribute lists, `*`, `1.1` and typesOnly (RFC 4511
// §4.5.1.8) pick what is sent.
import type { Candidate } from '../../directory/lookup.js';
import type { NumberType } from '../../directory/source.js';
import type { EntryView } from './filter.js';
import { attributeKey } from './filter.js';
import type { Attributes } from './messages.js';

/** An entry to send: its DN, its attributes as named on the wire, and how filters see it. */
export interface Entry {
  dn: string;
  attributes: Attributes;
  view: EntryView;
}

/** The attribute each kind of number is published under. */
const numberAttribute: Record<NumberType, string> = {
  work: 'telephoneNumber',
  other: 'telephoneNumber',
  mobile: 'mobile',
  home: 'homePhone',
  fax: 'facsimileTelephoneNumber',
  pager: 'pager',
};

const personClasses = ['top', 'person', 'organizationalPerson', 'inetOrgPerson'];

/** A DN compared as LDAP compares it here: lower case, no spaces around `=` and `,`. */
export const normalizeDn = (dn: string) =>
  dn
    .trim()
    .toLowerCase()
    .replace(/\s*([=,])\s*/g, '$1');

/** A value escaped for a DN (RFC 4514 §2.4). */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

/**
 * A directory candidate as an inetOrgPerson under `base`. `sn` and `givenName` are the last word
 * of the name and the words before it (a company's switchboard entry has its company as both
 * `cn` and `sn`, since person requires `sn`).
 */
export function candidateEntry(c: Candidate, base: string, foundBy: Set<string>): Entry {
  const cn = c.name ?? c.company ?? c.display;
  const words = (c.name ?? '').trim().split(/\s+/).filter(Boolean);
  const attrs = new Map<string, string[]>();
  const put = (name: string, value: string | null | undefined) => {
    if (!value) return;
    const list = attrs.get(name);
    if (!list) attrs.set(name, [value]);
    else if (!list.includes(value)) list.push(value);
  };
  for (const o of personClasses) put('objectClass', o);
  put('cn', cn);
  put('displayName', c.display);
  put('sn', words.length > 0 ? words[words.length - 1] : cn);
  if (words.length > 1) put('givenName', words.slice(0, -1).join(' '));
  put('o', c.company);
  put('ou', c.department);
  put('title', c.title);
  put('mail', c.email);
  put('labeledURI', c.url);
  const numbers = new Map<string, string[]>();
  for (const n of c.numbers) {
    const attr = numberAttribute[n.type];
    put(attr, n.e164 ?? n.raw);
    if (n.e164) numbers.set(attr.toLowerCase(), [...(numbers.get(attr.toLowerCase()) ?? []), n.e164]);
  }
  return entry(`cn=${escapeDnValue(cn)},${base}`, attrs, numbers, foundBy);
}

/** The tenant's base entry: an organization named like the tenant. */
export function baseEntry(base: string, name: string): Entry {
  const dc = base.split(',')[0]?.replace(/^dc=/i, '') ?? '';
  const attrs = new Map<string, string[]>([
    ['objectClass', ['top', 'dcObject', 'organization']],
    ['dc', [dc]],
    ['o', [name]],
  ]);
  return entry(base, attrs, new Map(), new Set());
}

/** The root DSE (RFC 4512 §5.1): what this server supports; the naming context once bound. */
export function rootDse(namingContexts: string[], controls: string[], extensions: string[]): Entry {
  const attrs = new Map<string, string[]>([
    ['objectClass', ['top']],
    ['supportedLDAPVersion', ['3']],
    ['supportedControl', controls],
    ['supportedExtension', extensions],
    ['vendorName', ['Parley']],
  ]);
  if (namingContexts.length > 0) attrs.set('namingContexts', namingContexts);
  return entry('', attrs, new Map(), new Set());
}

function entry(dn: string, attrs: Map<string, string[]>, numbers: Map<string, string[]>, foundBy: Set<string>): Entry {
  const attributes: Attributes = [...attrs];
  const view = new Map(attributes.map(([name, values]) => [attributeKey(name), values]));
  return { dn, attributes, view: { attributes: view, numbers, foundBy } };
}

/**
 * The attributes of `entry` a search asked for: all for an empty list or `*`, none for `1.1`,
 * else the ones named (by any of their names, in any case); values left out with typesOnly.
 */
export function selectAttributes(entry: Entry, requested: string[], typesOnly: boolean): Attributes {
  const all = requested.length === 0 || requested.includes('*');
  const wanted = new Set(requested.map(attributeKey));
  const picked = entry.attributes.filter(([name]) => all || wanted.has(attributeKey(name)));
  return typesOnly ? picked.map(([name]) => [name, []]) : picked;
}

// The MetaDirectory as LDAP entries: each candidate the directory hands over becomes an
// inetOrgPerson (RFC 2798) under the tenant's base DN (`dc=example,dc=test` for example.test),
// and the base DN itself an organization. Attribute lists, `*`, `1.1` and typesOnly (RFC 4511
// §4.5.1.8) pick what is sent.
import type { Candidate } from '../../directory/lookup.js';
import type { NumberType } from '../../directory/source.js';
import type { EntryView } from './filter.js';
import { attributeKey } from './filter.js';
import type { Attribute, Selection } from './messages.js';

/** An entry to send: its DN, its attributes as named on the wire, and how filters see it. */
export interface Entry {
  dn: string;
  attributes: Attribute[];
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
 * Collects an entry's attributes in the order they are sent, each value once, with the view
 * filters evaluate (keys and normalized numbers) built alongside.
 */
class EntryBuilder {
  readonly attributes: Attribute[] = [];
  readonly byKey = new Map<string, string[]>();
  readonly numbers = new Map<string, string[]>();

  put(name: string, value: string | null | undefined): void {
    if (!value) return;
    const key = attributeKey(name);
    const values = this.byKey.get(key);
    if (!values) {
      const list = [value];
      this.byKey.set(key, list);
      this.attributes.push({ name, key, values: list });
    } else if (!values.includes(value)) values.push(value);
  }

  number(name: string, e164: string): void {
    const key = attributeKey(name);
    const list = this.numbers.get(key);
    if (!list) this.numbers.set(key, [e164]);
    else list.push(e164);
  }

  entry(dn: string, foundBy: Set<string>): Entry {
    return { dn, attributes: this.attributes, view: { attributes: this.byKey, numbers: this.numbers, foundBy } };
  }
}

/**
 * A directory candidate as an inetOrgPerson under `base`. `sn` and `givenName` are the source's
 * surname and given name; where the source has none, the last word of the name and the words
 * before it (a company's switchboard entry has its company as both `cn` and `sn`, since person
 * requires `sn`).
 */
export function candidateEntry(c: Candidate, base: string, foundBy: Set<string>): Entry {
  const cn = c.name ?? c.company ?? c.display;
  const b = new EntryBuilder();
  for (const o of personClasses) b.put('objectClass', o);
  b.put('cn', cn);
  b.put('displayName', c.display);
  const [given, surname] = nameParts(c);
  b.put('sn', surname ?? cn);
  b.put('givenName', given);
  b.put('o', c.company);
  b.put('ou', c.department);
  b.put('title', c.title);
  b.put('mail', c.email);
  b.put('labeledURI', c.url);
  for (const n of c.numbers) {
    const attr = numberAttribute[n.type];
    b.put(attr, n.e164 ?? n.raw);
    if (n.e164) b.number(attr, n.e164);
  }
  return b.entry(`cn=${escapeDnValue(cn)},${base}`, foundBy);
}

/** Given name and surname: the source's own, else split from the name (the last word is the surname). */
function nameParts(c: Candidate): [string | null, string | null] {
  if (c.givenName || c.surname) return [c.givenName, c.surname];
  const name = c.name?.trim();
  if (!name) return [null, null];
  const cut = name.search(/\s\S+$/);
  return cut < 0 ? [null, name] : [name.slice(0, cut).replace(/\s+/g, ' '), name.slice(cut + 1)];
}

/** The tenant's base entry: an organization named like the tenant. */
export function baseEntry(base: string, name: string): Entry {
  const b = new EntryBuilder();
  for (const o of ['top', 'dcObject', 'organization']) b.put('objectClass', o);
  b.put('dc', base.split(',')[0]?.replace(/^dc=/i, '') ?? '');
  b.put('o', name);
  return b.entry(base, new Set());
}

/** The root DSE (RFC 4512 §5.1): what this server supports; the naming context once bound. */
export function rootDse(namingContexts: string[], controls: string[], extensions: string[]): Entry {
  const b = new EntryBuilder();
  b.put('objectClass', 'top');
  b.put('supportedLDAPVersion', '3');
  for (const c of controls) b.put('supportedControl', c);
  for (const e of extensions) b.put('supportedExtension', e);
  b.put('vendorName', 'Parley');
  for (const n of namingContexts) b.put('namingContexts', n);
  return b.entry('', new Set());
}

/**
 * What a search asked for: all attributes for an empty list or `*`, none for `1.1`, else the ones
 * named (by any of their names, in any case); values left out with typesOnly.
 */
export function selectionOf(requested: string[], typesOnly: boolean): Selection {
  return {
    all: requested.length === 0 || requested.includes('*'),
    keys: new Set(requested.map(attributeKey)),
    typesOnly,
  };
}

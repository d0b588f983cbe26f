// A search over one tenant's MetaDirectory: the filter's plan asks the directory (reverse lookups
// by number, the typeahead by name), the answers become entries, and the filter decides exactly
// which of them are sent. The directory is reached only through a Phonebook (the core's lookup and
// typeahead for one viewer), never its index or store.
import type { Candidate, LookupResult } from '../../directory/lookup.js';
import { baseEntry, candidateEntry, type Entry, normalizeDn } from './entries.js';
import { type Filter, fragmentKey, matches, type NumberForms, plan } from './filter.js';
import { Result, type ResultCode, type Scope } from './messages.js';

/** What a search may ask of a tenant's directory, on behalf of whoever bound. */
export interface Phonebook {
  /** Reverse lookup; null for a value that is not a number. */
  lookup(number: string): Promise<LookupResult | null>;
  /** The typeahead: contacts whose words start with the words of `text`. */
  search(text: string, limit: number): Promise<Candidate[]>;
}

/** The tenant a connection is bound to: its base DN and name. */
export interface SearchScope {
  /** The base DN (`dc=example,dc=test`), and every DN the tenant answers to, normalized. */
  base: string;
  bases: Set<string>;
  name: string;
}

export type Found =
  | { ok: true; entries: Entry[]; truncated: boolean }
  | { ok: false; code: ResultCode; message: string };

/**
 * The entries of a search under `scope`'s base, at most `limit` of them (`truncated` when there
 * were more). A base DN the tenant does not have is noSuchObject; a filter that does not narrow
 * the directory (no number and no name in it) is unwillingToPerform: a phone book is not listed
 * whole.
 */
export async function find(
  book: Phonebook,
  scope: SearchScope,
  request: { base: string; scope: Scope; filter: Filter },
  limit: number,
): Promise<Found> {
  const dn = normalizeDn(request.base);
  if (!scope.bases.has(dn)) {
    const under = [...scope.bases].some((b) => dn.endsWith(`,${b}`));
    return {
      ok: false,
      code: Result.noSuchObject,
      message: under ? 'entries are found by searching the base DN' : `the base DN is ${scope.base}`,
    };
  }
  const base = baseEntry(scope.base, scope.name);
  const noNumbers: NumberForms = new Map();
  const baseMatches = request.scope !== 'one' && matches(request.filter, base.view, noNumbers);
  if (request.scope === 'base') return { ok: true, entries: baseMatches ? [base] : [], truncated: false };
  const probes = plan(request.filter);
  if (!probes) {
    if (baseMatches) return { ok: true, entries: [base], truncated: false };
    return {
      ok: false,
      code: Result.unwillingToPerform,
      message: 'the filter must ask for a number or a name (e.g. (telephoneNumber=…) or (cn=Mü*))',
    };
  }
  const numbers: NumberForms = new Map();
  const found: { candidate: Candidate; foundBy: string | null }[] = [];
  for (const probe of probes) {
    if ('number' in probe) {
      if (numbers.has(probe.number)) continue;
      const result = await book.lookup(probe.number);
      numbers.set(probe.number, result?.number ?? null);
      for (const c of result?.candidates ?? [])
        found.push({ candidate: c, foundBy: c.match === 'exact' ? null : probe.number });
    } else {
      const foundBy = /^\d+$/.test(probe.text) ? fragmentKey(probe.text) : null;
      for (const c of await book.search(probe.text, limit + 1)) found.push({ candidate: c, foundBy });
    }
  }
  const entries = baseMatches ? [base] : [];
  const seen = new Map<string, Entry>();
  for (const { candidate, foundBy } of found) {
    const key = identity(candidate);
    const known = seen.get(key);
    if (known) {
      if (foundBy) known.view.foundBy.add(foundBy);
      continue;
    }
    const entry = candidateEntry(candidate, scope.base, new Set(foundBy ? [foundBy] : []));
    seen.set(key, entry);
  }
  for (const entry of seen.values()) {
    if (matches(request.filter, entry.view, numbers)) entries.push(entry);
  }
  return { ok: true, entries: entries.slice(0, limit), truncated: entries.length > limit };
}

/** The same contact found by two questions (a number and a name) is one entry. */
const identity = (c: Candidate) =>
  [c.name, c.company, c.email, c.source, ...c.numbers.map((n) => n.e164 ?? n.raw)].join('\u0000');

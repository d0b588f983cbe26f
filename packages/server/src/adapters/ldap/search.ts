// A search over one tenant's MetaDirectory: the filter's plan asks the directory (reverse lookups
// by number, the typeahead by name), the answers become entries, and the filter decides exactly
// which of them are sent. A filter with no number or name in it (`(objectClass=person)`) lists the
// directory in its own order, a batch at a time. The directory is reached only through a
// Phonebook (the core's lookup, typeahead and listing for one viewer), never its index or store.
import { setImmediate as turn } from 'node:timers/promises';
import type { Candidate, LookupResult } from '../../directory/lookup.js';
import { baseEntry, candidateEntry, type Entry, normalizeDn } from './entries.js';
import { type Filter, fragmentKey, matches, type NumberForms, plan } from './filter.js';
import { Result, type ResultCode, type Scope } from './messages.js';

/** What a search may ask of a tenant's directory, on behalf of whoever bound. */
export interface Phonebook {
  /** Reverse lookup; null for a value that is not a number. */
  lookup(number: string): Promise<LookupResult | null>;
  /** The typeahead: contacts whose words start with (`infix`: contain) the words of `text`. */
  search(text: string, limit: number, infix: boolean): Promise<Candidate[]>;
  /** The whole directory in a stable order, `count` contacts from position `from`, and where to go on (null: the end). */
  list(from: number, count: number): Promise<{ candidates: Candidate[]; next: number | null }>;
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
  /** A filter that does not narrow the directory: its entries are listed (`listing`), after the base entry if it matches. */
  | { ok: true; listing: true; base: Entry | null }
  | { ok: false; code: ResultCode; message: string };

/** Each tenant's base entry, made once per binding. */
const baseEntries = new WeakMap<SearchScope, Entry>();

/**
 * The entries of a search under `scope`'s base, at most `limit` of them (`truncated` when there
 * were more). A base DN the tenant does not have is noSuchObject; a filter that does not narrow
 * the directory (no number and no name in it) is answered by a listing.
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
  let base = baseEntries.get(scope);
  if (!base) {
    base = baseEntry(scope.base, scope.name);
    baseEntries.set(scope, base);
  }
  const noNumbers: NumberForms = new Map();
  const baseMatches = request.scope !== 'one' && matches(request.filter, base.view, noNumbers);
  if (request.scope === 'base') return { ok: true, entries: baseMatches ? [base] : [], truncated: false };
  const probes = plan(request.filter);
  if (!probes) return { ok: true, listing: true, base: baseMatches ? base : null };
  const numbers: NumberForms = new Map();
  const found: { candidate: Candidate; foundBy: string | null }[] = [];
  const asked = new Set<string>();
  for (const probe of probes) {
    if ('number' in probe) {
      if (numbers.has(probe.number)) continue;
      const result = await book.lookup(probe.number);
      numbers.set(probe.number, result?.number ?? null);
      for (const c of result?.candidates ?? [])
        found.push({ candidate: c, foundBy: c.match === 'exact' ? null : probe.number });
    } else {
      // `(|(cn=*x*)(mail=*x*))` asks the directory once.
      const key = `${probe.infix ? '*' : ''}${probe.text}`;
      if (asked.has(key)) continue;
      asked.add(key);
      const foundBy = /^\d+$/.test(probe.text) ? fragmentKey(probe.text) : null;
      for (const c of await book.search(probe.text, limit + 1, probe.infix)) found.push({ candidate: c, foundBy });
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

/**
 * A listing's next entries: the contacts from position `from` on that `filter` matches, until
 * `count` are found, the directory ends (`next` null) or `deadline` (a `now()` time) passes
 * (`timedOut`). It reads no more contacts than entries are still wanted, so `next` is exactly
 * where the following page starts, and lets other work run between its reads.
 */
export async function listing(
  book: Phonebook,
  scope: SearchScope,
  filter: Filter,
  at: { from: number; count: number; deadline: number; now: () => number },
): Promise<{ entries: Entry[]; next: number | null; timedOut: boolean }> {
  const entries: Entry[] = [];
  const none: NumberForms = new Map();
  let next: number | null = at.from;
  while (next !== null && entries.length < at.count) {
    if (at.now() > at.deadline) return { entries, next, timedOut: true };
    const page = await book.list(next, Math.min(at.count - entries.length, LIST_BATCH));
    for (const c of page.candidates) {
      const entry = candidateEntry(c, scope.base, new Set());
      if (matches(filter, entry.view, none)) entries.push(entry);
    }
    next = page.next;
    if (next !== null && entries.length < at.count) await turn();
  }
  return { entries, next, timedOut: false };
}

/** Contacts a listing reads at once before it lets other connections' work run. */
const LIST_BATCH = 1000;

/** The same contact found by two questions (a number and a name) is one entry. */
const identity = (c: Candidate) =>
  [c.name, c.company, c.email, c.source, ...c.numbers.map((n) => n.e164 ?? n.raw)].join('\u0000');

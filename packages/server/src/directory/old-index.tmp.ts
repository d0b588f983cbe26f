import { callingCodeOf, prefixesOf, switchboardCandidates } from '../lib/phone-number.js';
import type { MatchKind, StoredContact } from './model.js';

/** A contact in the index, with the source it came from. */
export interface IndexedContact {
  sourceId: string;
  contact: StoredContact;
  /**
   * The contacts of the index with this contact's e-mail address (itself included): the same
   * person in other sources. Kept by the index (the list is the index's own); null without one.
   */
  sameEmail: readonly IndexedContact[] | null;
}

/** One raw match before ranking: the contact and how its number relates to the one looked up. */
export interface Hit {
  entry: IndexedContact;
  match: MatchKind;
  /** The stored number that matched. */
  number: string;
  /** For company matches: how many digits of the number were replaced by the switchboard's 0 (0: a block). */
  stripped: number;
}

const key = (sourceId: string, externalId: string) => `${sourceId}\u0000${externalId}`;

/** Lower-cased words of a text, for the typeahead (letters and digits, diacritics kept). */
export function words(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * The directory of one tenant in memory: normalized number → contacts, block numbers (`…-0`)
 * → contacts, and a token index for the typeahead. Patched a source at a time; the contacts are
 * the stored ones, so a restart rebuilds it from the store without asking any source.
 */
export class TenantIndex {
  private readonly contacts = new Map<string, IndexedContact>();
  private readonly byNumber = new Map<string, IndexedContact[]>();
  /** Block numbers without their trailing 0: `+49711 1234-0` is stored as `+497111234`. */
  private readonly blocks = new Map<string, IndexedContact[]>();
  private readonly byToken = new Map<string, Posting>();
  private readonly byEmail = new Map<string, IndexedContact[]>();
  private sortedTokens: string[] | null = null;

  get size(): number {
    return this.contacts.size;
  }

  /** Adds or replaces a contact of a source. */
  put(sourceId: string, contact: StoredContact): void {
    const k = key(sourceId, contact.externalId);
    const old = this.contacts.get(k);
    if (old) this.unlink(old);
    const entry: IndexedContact = { sourceId, contact, sameEmail: null };
    this.contacts.set(k, entry);
    for (const n of contact.numbers) {
      if (n.e164 === null) continue;
      push(this.byNumber, n.e164, entry);
      if (n.block) push(this.blocks, n.e164.slice(0, -1), entry);
    }
    if (contact.email) entry.sameEmail = push(this.byEmail, contact.email.toLowerCase(), entry);
    for (const t of tokensOf(contact)) {
      const posting = this.byToken.get(t);
      if (posting === undefined) this.sortedTokens = null;
      this.byToken.set(t, withEntry(posting, entry));
    }
  }

  remove(sourceId: string, externalId: string): void {
    const k = key(sourceId, externalId);
    const entry = this.contacts.get(k);
    if (!entry) return;
    this.contacts.delete(k);
    this.unlink(entry);
  }

  /** Removes the contacts of a source but those in `keep` (all of them for a source deleted). */
  retainSource(sourceId: string, keep: ReadonlySet<string> = new Set()): void {
    for (const entry of [...this.contacts.values()]) {
      if (entry.sourceId === sourceId && !keep.has(entry.contact.externalId)) {
        this.remove(sourceId, entry.contact.externalId);
      }
    }
  }

  /** Whether some contact has this normalized number. */
  has(e164: string): boolean {
    return this.byNumber.has(e164);
  }

  /** Contacts with this e-mail address (for contacts from outside the index: a live source's). */
  withEmail(email: string): readonly IndexedContact[] {
    return this.byEmail.get(email.toLowerCase()) ?? [];
  }

  private unlink(entry: IndexedContact) {
    if (entry.contact.email) pull(this.byEmail, entry.contact.email.toLowerCase(), entry);
    for (const n of entry.contact.numbers) {
      if (n.e164 === null) continue;
      pull(this.byNumber, n.e164, entry);
      if (n.block) pull(this.blocks, n.e164.slice(0, -1), entry);
    }
    for (const t of tokensOf(entry.contact)) {
      const posting = withoutEntry(this.byToken.get(t), entry);
      if (posting !== undefined) this.byToken.set(t, posting);
      else if (this.byToken.delete(t)) this.sortedTokens = null;
    }
  }

  /**
   * The contacts a number leads to: exact hits; else the company behind it (the switchboard
   * with the last 1–3 digits replaced by 0, or a block registered as `…-0`); and stored numbers
   * that are a prefix of it (a PBX base number dialled with an extension).
   */
  lookup(e164: string): Hit[] {
    const exact = this.byNumber.get(e164);
    if (exact?.length) return exact.map((entry) => ({ entry, match: 'exact', number: e164, stripped: 0 }));
    const hits: Hit[] = [];
    for (const [i, candidate] of switchboardCandidates(e164).entries()) {
      for (const entry of this.byNumber.get(candidate) ?? []) {
        hits.push({ entry, match: 'company', number: candidate, stripped: i + 1 });
      }
    }
    for (const prefix of prefixesOf(e164)) {
      if (prefix === e164) continue;
      for (const entry of this.blocks.get(prefix) ?? []) {
        hits.push({ entry, match: 'company', number: `${prefix}0`, stripped: 0 });
      }
      for (const entry of this.byNumber.get(prefix) ?? []) {
        hits.push({ entry, match: 'prefix', number: prefix, stripped: e164.length - prefix.length });
      }
    }
    return hits;
  }

  /**
   * Contacts whose words start with every word of `query` (names, company, department, e-mail),
   * or whose numbers start with the digits of a query that is a number; at most `limit` × 4 of
   * them before ranking.
   */
  search(query: string, limit: number): IndexedContact[] {
    // A number typed with spaces or punctuation ('0711 12', '+49 (711)') is one digit fragment.
    const terms = /^[\d\s+()/.-]+$/.test(query) ? [query.replace(/\D/g, '')].filter(Boolean) : words(query);
    if (terms.length === 0) return [];
    const tokens = this.tokens();
    let result: Set<IndexedContact> | null = null;
    // Most selective term first: the longest.
    for (const term of [...terms].sort((a, b) => b.length - a.length)) {
      const matched = new Set<IndexedContact>();
      for (let i = lowerBound(tokens, term); i < tokens.length && tokens[i]?.startsWith(term); i++) {
        for (const entry of entriesOf(this.byToken.get(tokens[i] as string))) {
          if (result === null || result.has(entry)) matched.add(entry);
        }
        if (result === null && matched.size > limit * 200) break;
      }
      result = matched;
      if (result.size === 0) break;
    }
    return [...(result ?? [])].slice(0, limit * 4);
  }

  private tokens(): string[] {
    this.sortedTokens ??= [...this.byToken.keys()].sort();
    return this.sortedTokens;
  }
}

/** The words a contact is found by; numbers by their digits (international, national, as written). */
function tokensOf(c: StoredContact): Set<string> {
  const out = new Set<string>([
    ...words(c.name),
    ...words(c.givenName),
    ...words(c.surname),
    ...words(c.company),
    ...words(c.department),
    ...words(c.email),
  ]);
  if (c.email) out.add(c.email.toLowerCase());
  for (const n of c.numbers) {
    if (n.e164) {
      out.add(n.e164.slice(1));
      // National forms, as people type them: with and without the trunk prefix 0.
      const cc = callingCodeOf(n.e164);
      if (cc) {
        out.add(n.e164.slice(1 + cc.length));
        out.add(`0${n.e164.slice(1 + cc.length)}`);
      }
    }
    const digits = n.raw.replace(/\D/g, '');
    if (digits.length >= 3) out.add(digits);
  }
  return out;
}

/**
 * The contacts of one token. Most tokens (number fragments, surnames) belong to one or a few
 * contacts, so a posting is the contact itself, then a small array, and a Set only once it is
 * long (a common word such as a company's or a city's name): a Set per token cost 1.8 GB of the
 * 2.8 GB heap for 1,000,000 contacts, about 6 tokens per contact.
 */
type Posting = IndexedContact | IndexedContact[] | Set<IndexedContact>;
/** A posting longer than this is a Set (removing from an array is a linear search). */
const SMALL_POSTING = 16;

function withEntry(posting: Posting | undefined, entry: IndexedContact): Posting {
  if (posting === undefined || posting === entry) return entry;
  if (posting instanceof Set) return posting.add(entry);
  if (!Array.isArray(posting)) return [posting, entry];
  if (posting.includes(entry)) return posting;
  if (posting.length < SMALL_POSTING) {
    posting.push(entry);
    return posting;
  }
  return new Set([...posting, entry]);
}

/** The posting without `entry`; undefined when it is empty. */
function withoutEntry(posting: Posting | undefined, entry: IndexedContact): Posting | undefined {
  if (posting === undefined || posting === entry) return undefined;
  if (posting instanceof Set) {
    posting.delete(entry);
    return posting.size > 0 ? posting : undefined;
  }
  if (!Array.isArray(posting)) return posting;
  const rest = posting.filter((e) => e !== entry);
  return rest.length > 1 ? rest : rest[0];
}

function entriesOf(posting: Posting | undefined): Iterable<IndexedContact> {
  if (posting === undefined) return [];
  return posting instanceof Set || Array.isArray(posting) ? posting : [posting];
}

/** Adds `v` to the list of `k`; that list (changed in place from then on, while it is not empty). */
function push<K, V>(map: Map<K, V[]>, k: K, v: V): V[] {
  const list = map.get(k);
  if (list) {
    list.push(v);
    return list;
  }
  const fresh = [v];
  map.set(k, fresh);
  return fresh;
}

function pull<K, V>(map: Map<K, V[]>, k: K, v: V) {
  const list = map.get(k);
  if (!list) return;
  const i = list.indexOf(v);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(k);
}

function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

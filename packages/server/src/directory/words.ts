// The typeahead's words: a contact's words (names, company, department, e-mail; the digits of
// numbers the number table cannot find), and the contacts of each word as a small posting of ids.
import { callingCodeOf } from '../lib/phone-number.js';
import type { StoredContact } from './model.js';
import { numberKey } from './packed.js';

/** Lower-cased words of a text, for the typeahead (letters and digits, diacritics kept). */
export function words(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * The words a contact is found by. Its numbers are found through the number table
 * (prefixes.ts) in their international and national forms; only a number written otherwise
 * (a local number without its area code, an extension, one not understood) adds its digits here.
 */
export function tokensOf(c: StoredContact): Set<string> {
  const out = new Set<string>([
    ...words(c.name),
    ...words(c.givenName),
    ...words(c.surname),
    ...words(c.company),
    ...words(c.department),
    ...words(c.email),
  ]);
  for (const n of c.numbers) {
    const digits = n.raw.replace(/\D/g, '');
    if (digits.length < 3) continue;
    if (n.e164 !== null && numberKey(n.e164) !== null) {
      const international = n.e164.slice(1);
      const national = international.slice(callingCodeOf(n.e164)?.length ?? 0);
      if ([international, national, `0${national}`, `00${international}`].includes(digits)) continue;
    }
    out.add(digits);
  }
  return out;
}

/**
 * The contacts of one word. Most words (surnames) belong to one or a few contacts, so a posting
 * is the contact's id, then a small array, and a Set only once it is long (a company's or a
 * city's name).
 */
export type Posting = number | number[] | Set<number>;
/** A posting longer than this is a Set (removing from an array is a linear search). */
export const SMALL_POSTING = 16;

export function withId(posting: Posting | undefined, id: number): Posting {
  if (posting === undefined || posting === id) return id;
  if (posting instanceof Set) return posting.add(id);
  if (!Array.isArray(posting)) return [posting, id];
  if (posting.includes(id)) return posting;
  if (posting.length < SMALL_POSTING) {
    posting.push(id);
    return posting;
  }
  return new Set([...posting, id]);
}

/** The posting without `id`; undefined when it is empty. */
export function withoutId(posting: Posting | undefined, id: number): Posting | undefined {
  if (posting === undefined || posting === id) return undefined;
  if (posting instanceof Set) {
    posting.delete(id);
    return posting.size > 0 ? posting : undefined;
  }
  if (!Array.isArray(posting)) return posting;
  const rest = posting.filter((e) => e !== id);
  return rest.length > 1 ? rest : rest[0];
}

export function idsOf(posting: Posting | undefined): Iterable<number> {
  if (posting === undefined) return [];
  return typeof posting === 'number' ? [posting] : posting;
}

export function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

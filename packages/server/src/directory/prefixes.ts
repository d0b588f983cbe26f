// The typeahead's search of numbers by their first digits, over the numbers of a tenant's index
// (index.ts): each number as a float in a sorted Float64Array per digit count (E.164 has at most
// 15 digits, exact in a double), so a prefix is one binary search per length and no number needs
// a string of its own. Rebuilt on the first search after numbers were added.
import { callingCodeOf } from '../lib/phone-number.js';

/** Digits a double holds exactly, and the most an E.164 number has. */
const MAX_DIGITS = 15;

/** Visits the E.164 numbers of a prefix search; returning false stops the search. */
export type NumberVisitor = (e164: string) => boolean;

export class NumberPrefixes {
  /** Per digit count, the numbers with that many digits, sorted; null: to be built. */
  private sorted: Float64Array[] | null = null;
  /** Numbers longer than MAX_DIGITS (extensions appended to long bases), as strings. */
  private long: string[] = [];
  private readonly codes = new Set<string>();

  /**
   * @param keys every number of the index: gives `fn` the numeric key `[hi, lo]` (`numberKey`) of each.
   */
  constructor(private readonly keys: (fn: (hi: number, lo: number) => void) => void) {}

  get bytes(): number {
    return (this.sorted ?? []).reduce((sum, a) => sum + a.byteLength, 0);
  }

  /** The calling codes of the numbers (a snapshot keeps them). */
  callingCodes(): string[] {
    return [...this.codes];
  }

  /** A number new to the index: the next search rebuilds the sorted arrays. */
  added(e164: string): void {
    this.sorted = null;
    const cc = callingCodeOf(e164);
    if (cc !== undefined) this.codes.add(cc);
  }

  /**
   * The numbers whose digits start with `digits` read as an international number (`4971112`),
   * as a national one of any calling code in the index with or without the trunk prefix 0
   * (`071112`, `71112`), or after the exit prefix 00 (`004971112`).
   */
  search(digits: string, visit: NumberVisitor): void {
    const prefixes = new Set<string>();
    if (!digits.startsWith('0')) prefixes.add(digits);
    if (digits.startsWith('00')) prefixes.add(digits.slice(2));
    const national = digits.startsWith('0') ? [digits, digits.slice(1)] : [digits];
    for (const cc of this.codes) for (const n of national) prefixes.add(`${cc}${n}`);
    const sorted = this.build();
    for (const p of prefixes) {
      if (p === '' || p.startsWith('0')) continue;
      const value = Number(p);
      for (let length = p.length; length <= MAX_DIGITS; length++) {
        const values = sorted[length];
        if (!values) continue;
        const scale = 10 ** (length - p.length);
        const end = (value + 1) * scale;
        for (let i = lowerBound(values, value * scale); i < values.length && (values[i] as number) < end; i++) {
          if (!visit(`+${values[i]}`)) return;
        }
      }
      for (const e164 of this.long) if (e164.startsWith(`+${p}`) && !visit(e164)) return;
    }
  }

  private build(): Float64Array[] {
    if (this.sorted) return this.sorted;
    const counts = new Array<number>(MAX_DIGITS + 1).fill(0);
    const long: string[] = [];
    this.keys((hi, lo) => {
      const n = digitCount(hi, lo);
      if (n <= MAX_DIGITS) counts[n] = (counts[n] as number) + 1;
      else long.push(`+${hi}${String(lo).padStart(9, '0')}`);
    });
    const sorted = counts.map((c) => new Float64Array(c));
    const filled = new Array<number>(MAX_DIGITS + 1).fill(0);
    this.keys((hi, lo) => {
      const n = digitCount(hi, lo);
      if (n > MAX_DIGITS) return;
      (sorted[n] as Float64Array)[filled[n] as number] = hi * 1e9 + lo;
      filled[n] = (filled[n] as number) + 1;
    });
    for (const a of sorted) a.sort();
    this.long = long;
    this.sorted = sorted;
    return sorted;
  }
}

/** Digits of the number with key `[hi, lo]` (hi: the digits before the last nine). */
function digitCount(hi: number, lo: number): number {
  return hi === 0 ? String(lo).length : String(hi).length + 9;
}

function lowerBound(values: Float64Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The typeahead's words of a tenant's index (index.ts) and the contacts of each. Most of them sit
// off the JavaScript heap in a sorted base of typed arrays, as a snapshot stores it (so a restart
// uses it as read); what changed since the base was made is in a Map beside it, and the base's
// postings of a contact changed or removed since are skipped. `merged` merges both into a new base
// a slice at a time (a base of millions of words takes seconds), `adopt` puts it in place.
import { grow, type Pause } from './packed.js';
import { idsOf, lowerBound, type Posting, withId, withoutId } from './words.js';

/**
 * Words sorted (by UTF-16 code units, as JavaScript compares strings), and the contact ids of each:
 * word `i` is the UTF-8 bytes `text[at[i]..at[i+1]]`, its ids `ids[start[i]..start[i+1]]`.
 */
export interface WordsImage {
  text: Buffer;
  at: Uint32Array;
  start: Uint32Array;
  ids: Int32Array;
}

const emptyImage = (): WordsImage => ({
  text: Buffer.alloc(0),
  at: new Uint32Array(1),
  start: new Uint32Array(1),
  ids: new Int32Array(0),
});

export class WordIndex {
  private base: WordsImage = emptyImage();
  /** Per contact id: 1 if the base's postings of that id no longer hold (the contact was removed since). */
  private stale = new Uint8Array(0);
  /** The words of contacts added since the base was made. */
  private readonly added = new Map<string, Posting>();
  private sortedAdded: string[] | null = null;

  /** Bytes held by the base (the Map of words added since is on the heap and not counted). */
  get bytes(): number {
    const { text, at, start, ids } = this.base;
    return text.length + at.byteLength + start.byteLength + ids.byteLength + this.stale.length;
  }

  /** A base read from a snapshot (its arrays are taken over); `slots`: the ids the index has. */
  static fromImage(image: WordsImage, slots: number): WordIndex {
    const index = new WordIndex();
    index.base = image;
    index.stale = new Uint8Array(slots);
    return index;
  }

  add(id: number, tokens: Iterable<string>): void {
    for (const t of tokens) {
      const posting = this.added.get(t);
      if (posting === undefined) this.sortedAdded = null;
      this.added.set(t, withId(posting, id));
    }
  }

  remove(id: number, tokens: Iterable<string>): void {
    if (id < this.stale.length) this.stale[id] = 1;
    for (const t of tokens) {
      const posting = withoutId(this.added.get(t), id);
      if (posting !== undefined) this.added.set(t, posting);
      else if (this.added.delete(t)) this.sortedAdded = null;
    }
  }

  /** Visits the ids of the words that start with `prefix`; `visit` returning false stops. */
  visit(prefix: string, visit: (id: number) => boolean): void {
    const { at, start, ids } = this.base;
    const n = at.length - 1;
    for (let i = this.lowerBound(prefix); i < n && this.word(i).startsWith(prefix); i++) {
      for (let k = start[i] as number; k < (start[i + 1] as number); k++) {
        const id = ids[k] as number;
        if (this.stale[id] !== 1 && !visit(id)) return;
      }
    }
    this.sortedAdded ??= [...this.added.keys()].sort();
    const sorted = this.sortedAdded;
    for (let i = lowerBound(sorted, prefix); i < sorted.length && sorted[i]?.startsWith(prefix); i++) {
      for (const id of idsOf(this.added.get(sorted[i] as string))) if (!visit(id)) return;
    }
  }

  /**
   * Visits the ids of the words that contain `part` anywhere (the LDAP phone book's
   * `(cn=*meier*)`): a search of the base's UTF-8 text, then of the words added since.
   */
  visitContaining(part: string, visit: (id: number) => boolean): void {
    const { text, at, start, ids } = this.base;
    const needle = Buffer.from(part, 'utf8');
    if (needle.length === 0) return;
    for (let from = text.indexOf(needle); from !== -1; ) {
      const i = wordAt(at, from);
      const end = at[i + 1] as number;
      // The words are stored end to end: a match across two of them is none.
      if (from + needle.length > end) {
        from = text.indexOf(needle, from + 1);
        continue;
      }
      for (let k = start[i] as number; k < (start[i + 1] as number); k++) {
        const id = ids[k] as number;
        if (this.stale[id] !== 1 && !visit(id)) return;
      }
      from = text.indexOf(needle, end);
    }
    for (const [word, posting] of this.added) {
      if (word.includes(part)) for (const id of idsOf(posting)) if (!visit(id)) return;
    }
  }

  /** The base (as a snapshot stores it). */
  get image(): WordsImage {
    return this.base;
  }

  /**
   * The base's postings still valid and the words added since, merged in order into a new base,
   * a slice at a time (`pause`); null if there is nothing to merge. Nothing changes here until
   * `adopt` takes it, so the words answer meanwhile as before.
   */
  async merged(pause: Pause): Promise<WordsImage | null> {
    if (this.added.size === 0 && !this.stale.includes(1)) return null;
    const added = this.sortedAdded ?? (await sortedKeys(this.added, pause));
    const { start, ids } = this.base;
    const out = new Builder(this.base);
    const n = this.base.at.length - 1;
    let i = 0;
    let j = 0;
    while (i < n || j < added.length) {
      if (((i + j) & 1023) === 0) await pause();
      const b = i < n ? this.word(i) : null;
      const a = j < added.length ? (added[j] as string) : null;
      const word = (b === null ? a : a === null || b <= a ? b : a) as string;
      if (b === word) {
        for (let k = start[i] as number; k < (start[i + 1] as number); k++) {
          const id = ids[k] as number;
          if (this.stale[id] !== 1) out.id(id);
        }
        i++;
      }
      if (a === word) {
        for (const id of idsOf(this.added.get(a))) out.id(id);
        j++;
      }
      out.endWord(word);
    }
    return out.image();
  }

  /** A merged base replaces the base and the words added since; `slots`: the ids the index has. */
  adopt(base: WordsImage, slots: number): void {
    this.base = base;
    this.stale = new Uint8Array(slots);
    this.added.clear();
    this.sortedAdded = null;
  }

  private word(i: number): string {
    const { text, at } = this.base;
    return text.toString('utf8', at[i] as number, at[i + 1] as number);
  }

  /** The first base word not below `value`. */
  private lowerBound(value: string): number {
    let lo = 0;
    let hi = this.base.at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.word(mid) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The Map's keys sorted: runs sorted a slice at a time, then merged pairwise. */
async function sortedKeys(map: Map<string, unknown>, pause: Pause): Promise<string[]> {
  const RUN = 1 << 14;
  const keys = [...map.keys()];
  let runs: string[][] = [];
  for (let i = 0; i < keys.length; i += RUN) {
    await pause();
    runs.push(keys.slice(i, i + RUN).sort());
  }
  while (runs.length > 1) {
    const next: string[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const x = runs[r] as string[];
      const y = runs[r + 1];
      next.push(y ? await mergeSorted(x, y, pause) : x);
    }
    runs = next;
  }
  return runs[0] ?? [];
}

async function mergeSorted(x: string[], y: string[], pause: Pause): Promise<string[]> {
  const out = new Array<string>(x.length + y.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    if ((k & 4095) === 0) await pause();
    out[k] =
      j >= y.length || (i < x.length && (x[i] as string) <= (y[j] as string)) ? (x[i++] as string) : (y[j++] as string);
  }
  return out;
}

/** The word whose bytes hold offset `offset` of the text: the last `i` with `at[i] <= offset`. */
function wordAt(at: Uint32Array, offset: number): number {
  let lo = 0;
  let hi = at.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((at[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Collects a base word by word (a word without ids is left out). */
class Builder {
  private text: Buffer;
  private textEnd = 0;
  private at: Uint32Array;
  private start: Uint32Array;
  private words = 0;
  private ids: Int32Array;
  private idCount = 0;
  private wordStart = 0;

  /** Sized for a base like `like` and a little more: growing copies the arrays, in one piece. */
  constructor(like: WordsImage) {
    const room = (n: number, min: number) => Math.max(min, Math.ceil(n * 1.25));
    this.text = Buffer.allocUnsafe(room(like.text.length, 1 << 16));
    this.at = new Uint32Array(room(like.at.length, 1 << 12));
    this.start = new Uint32Array(this.at.length);
    this.ids = new Int32Array(room(like.ids.length, 1 << 14));
  }

  id(id: number): void {
    if (this.idCount === this.ids.length) this.ids = grow(this.ids);
    this.ids[this.idCount++] = id;
  }

  endWord(word: string): void {
    if (this.idCount === this.wordStart) return;
    const len = Buffer.byteLength(word);
    while (this.textEnd + len > this.text.length) {
      const bigger = Buffer.allocUnsafe(this.text.length * 2);
      this.text.copy(bigger, 0, 0, this.textEnd);
      this.text = bigger;
    }
    if (this.words + 2 > this.at.length) {
      this.at = grow(this.at);
      this.start = grow(this.start);
    }
    this.text.write(word, this.textEnd, len, 'utf8');
    this.textEnd += len;
    this.words++;
    this.at[this.words] = this.textEnd;
    this.start[this.words] = this.idCount;
    this.wordStart = this.idCount;
  }

  /** Trimmed to size (copies, so the builder's spare room is not kept). */
  image(): WordsImage {
    return {
      text: Buffer.from(this.text.subarray(0, this.textEnd)),
      at: this.at.slice(0, this.words + 1),
      start: this.start.slice(0, this.words + 1),
      ids: this.ids.slice(0, this.idCount),
    };
  }
}

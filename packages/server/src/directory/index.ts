import { prefixesOf, switchboardCandidates } from '../lib/phone-number.js';
import type { MatchKind, StoredContact } from './model.js';
import {
  Arena,
  decodeContact,
  encodeContact,
  grow,
  IdTable,
  numberKey,
  type Pause,
  slices,
  stringKey,
  type TableImage,
} from './packed.js';
import { NumberPrefixes } from './prefixes.js';
import { WordIndex, type WordsImage } from './word-index.js';
import { tokensOf, words } from './words.js';

/** A contact in the index, with the source it came from (decoded from the index's buffer on each read). */
export interface IndexedContact {
  /** The contact's slot in the index; -1 for a contact from outside it (a live source's). */
  id: number;
  sourceId: string;
  contact: StoredContact;
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

/** A TenantIndex as a snapshot stores it (snapshot.ts): its arrays, and its few lists. */
export interface IndexImage {
  arena: Buffer;
  off: Uint32Array;
  len: Uint32Array;
  src: Uint16Array;
  free: number[];
  count: number;
  sourceIds: string[];
  tables: { keys: TableImage; numbers: TableImage; blocks: TableImage; emails: TableImage };
  oddNumbers: [string, number[]][];
  oddBlocks: [string, number[]][];
  words: WordsImage;
  callingCodes: string[];
}

/** Numbers that are no plain E.164 (`numberKey` null) or extensions beyond 18 digits: kept in a Map (rare). */
type OddNumbers = Map<string, number[]>;

/**
 * The directory of one tenant in memory, mostly off the JavaScript heap (packed.ts): the contacts
 * as compact JSON in one buffer, and hash tables of typed arrays from a number, a block number
 * (`+49711 1234-0` as `+497111234`), an e-mail address and a contact's key to contact ids, and the
 * typeahead's words in sorted typed arrays (word-index.ts; the words of contacts added since the
 * last snapshot in a Map). Patched a source at a time; the contacts are the stored ones, so a
 * restart rebuilds it from the store (or reads it from its snapshot).
 */
export class TenantIndex {
  private readonly arena = new Arena();
  private off = new Uint32Array(1024);
  private len = new Uint32Array(1024);
  /** 1 + the index of the contact's source in `sourceIds`; 0: a free slot. */
  private src = new Uint16Array(1024);
  private slots = 0;
  private readonly free: number[] = [];
  private count = 0;
  private readonly sourceIds: string[] = [];
  private readonly keys = new IdTable();
  private readonly numbers = new IdTable();
  private readonly blocks = new IdTable();
  private readonly emails = new IdTable();
  private readonly oddNumbers: OddNumbers = new Map();
  private readonly oddBlocks: OddNumbers = new Map();
  private readonly words = new WordIndex();
  private readonly prefixes = new NumberPrefixes((fn) => this.numbers.forEachKey(fn));

  /** Counts the changes of the index (a snapshot is kept only if none happened while it was written). */
  version = 0;
  private compacting: Promise<boolean> | null = null;

  get size(): number {
    return this.count;
  }

  /** Bytes held off the heap (the contacts' buffer and the tables). */
  get bytes(): number {
    const tables = this.keys.bytes + this.numbers.bytes + this.blocks.bytes + this.emails.bytes;
    return this.arena.bytes + this.off.length * 10 + tables + this.prefixes.bytes + this.words.bytes;
  }

  /**
   * Reclaims the space of removed contacts (once it is an eighth of the records or more) and moves
   * the words added since into the words' base: a slice of at most `sliceMs` at a time, so lookups
   * and every other request go on meanwhile (at millions of contacts this is seconds of work).
   * The result is taken only if the index did not change meanwhile: false if it did.
   */
  compact(sliceMs = 8): Promise<boolean> {
    this.compacting ??= this.compactInSlices(slices(sliceMs)).finally(() => {
      this.compacting = null;
    });
    return this.compacting;
  }

  private async compactInSlices(pause: Pause): Promise<boolean> {
    const version = this.version;
    const arena =
      this.arena.garbage * 8 >= this.arena.bytes && this.arena.garbage > 0
        ? await this.arena.compacted(this.off, this.len, (i) => this.src[i] !== 0, this.slots, pause)
        : null;
    const words = await this.words.merged(pause);
    if (this.version !== version) return false;
    if (arena) {
      this.arena.adopt(arena);
      this.off = arena.offsets;
    }
    if (words) this.words.adopt(words, this.slots);
    return true;
  }

  /** Removed contacts hold much of the records' space (16 MiB and half or more): time to compact. */
  get wasteful(): boolean {
    return this.arena.garbage > 1 << 24 && this.arena.garbage * 2 > this.arena.bytes;
  }

  /** The index's state for a snapshot (compacted first; null if it changed meanwhile); shares the arrays. */
  async image(): Promise<IndexImage | null> {
    if (!(await this.compact())) return null;
    const { keys, numbers, blocks, emails } = this;
    return {
      arena: this.arena.image(),
      off: this.off.subarray(0, this.slots),
      len: this.len.subarray(0, this.slots),
      src: this.src.subarray(0, this.slots),
      free: [...this.free],
      count: this.count,
      sourceIds: [...this.sourceIds],
      tables: { keys: keys.image(), numbers: numbers.image(), blocks: blocks.image(), emails: emails.image() },
      oddNumbers: [...this.oddNumbers],
      oddBlocks: [...this.oddBlocks],
      words: this.words.image,
      callingCodes: this.prefixes.callingCodes(),
    };
  }

  /** The index a snapshot holds (its arrays are taken over, not copied: they grow when full). */
  static fromImage(image: IndexImage): TenantIndex {
    const index = new TenantIndex();
    const slots = image.off.length;
    Object.assign(index, {
      arena: Arena.fromImage(image.arena),
      off: image.off,
      len: image.len,
      src: image.src,
      slots,
      free: image.free,
      count: image.count,
      sourceIds: image.sourceIds,
      keys: IdTable.fromImage(image.tables.keys),
      numbers: IdTable.fromImage(image.tables.numbers),
      blocks: IdTable.fromImage(image.tables.blocks),
      emails: IdTable.fromImage(image.tables.emails),
      oddNumbers: new Map(image.oddNumbers),
      oddBlocks: new Map(image.oddBlocks),
      words: WordIndex.fromImage(image.words, slots),
    });
    for (const cc of image.callingCodes) index.prefixes.added(`+${cc}`);
    return index;
  }

  /** Adds or replaces a contact of a source. */
  put(sourceId: string, contact: StoredContact): void {
    let s = this.sourceIds.indexOf(sourceId);
    if (s < 0) s = this.sourceIds.push(sourceId) - 1;
    const old = this.find(s, contact.externalId);
    const text = encodeContact(contact);
    // The same contact again (a source or the users reloaded): nothing changes.
    if (old >= 0 && this.arena.read(this.off[old] as number, this.len[old] as number) === text) return;
    if (old >= 0) this.unlink(old);
    this.version++;
    const id = this.newSlot();
    const { off, len } = this.arena.append(text);
    this.off[id] = off;
    this.len[id] = len;
    this.src[id] = s + 1;
    this.count++;
    this.keys.add(...stringKey(`${s}\u0000${contact.externalId}`), id);
    for (const n of contact.numbers) {
      if (n.e164 === null) continue;
      if (this.link(this.numbers, this.oddNumbers, n.e164, id)) this.prefixes.added(n.e164);
      if (n.block) this.link(this.blocks, this.oddBlocks, n.e164.slice(0, -1), id);
    }
    if (contact.email) this.emails.add(...stringKey(contact.email.toLowerCase()), id);
    this.words.add(id, tokensOf(contact));
  }

  remove(sourceId: string, externalId: string): void {
    const s = this.sourceIds.indexOf(sourceId);
    const id = s < 0 ? -1 : this.find(s, externalId);
    if (id >= 0) this.unlink(id);
  }

  /** Removes the contacts of a source but those in `keep` (all of them for a source deleted). */
  retainSource(sourceId: string, keep: ReadonlySet<string> = new Set()): void {
    const s = this.sourceIds.indexOf(sourceId) + 1;
    if (s === 0) return;
    for (let id = 0; id < this.slots; id++) {
      if (this.src[id] === s && (keep.size === 0 || !keep.has(this.externalIdOf(id)))) this.unlink(id);
    }
  }

  /** Whether some contact has this normalized number. */
  has(e164: string): boolean {
    const k = numberKey(e164);
    return k ? this.numbers.first(k[0], k[1]) >= 0 : this.oddNumbers.has(e164);
  }

  /**
   * Contacts with this e-mail address (for contacts from outside the index: a live source's).
   * `known`: one of the index's entries already read (a lookup's hit), not decoded again.
   */
  withEmail(email: string, known?: IndexedContact): IndexedContact[] {
    const lower = email.toLowerCase();
    return this.ids(this.emails, stringKey(lower))
      .map((id) => (id === known?.id ? known : this.entry(id)))
      .filter((e) => e.contact.email?.toLowerCase() === lower);
  }

  /**
   * The contacts a number leads to: exact hits; else the company behind it (the switchboard
   * with the last 1–3 digits replaced by 0, or a block registered as `…-0`); and stored numbers
   * that are a prefix of it (a PBX base number dialled with an extension).
   */
  lookup(e164: string): Hit[] {
    const exact = this.numberIds(this.numbers, this.oddNumbers, e164);
    if (exact.length) return exact.map((id) => ({ entry: this.entry(id), match: 'exact', number: e164, stripped: 0 }));
    const hits: Hit[] = [];
    for (const [i, candidate] of switchboardCandidates(e164).entries()) {
      for (const id of this.numberIds(this.numbers, this.oddNumbers, candidate)) {
        hits.push({ entry: this.entry(id), match: 'company', number: candidate, stripped: i + 1 });
      }
    }
    for (const prefix of prefixesOf(e164)) {
      if (prefix === e164) continue;
      for (const id of this.numberIds(this.blocks, this.oddBlocks, prefix)) {
        hits.push({ entry: this.entry(id), match: 'company', number: `${prefix}0`, stripped: 0 });
      }
      for (const id of this.numberIds(this.numbers, this.oddNumbers, prefix)) {
        hits.push({ entry: this.entry(id), match: 'prefix', number: prefix, stripped: e164.length - prefix.length });
      }
    }
    return hits;
  }

  /**
   * Contacts whose words start with every word of `query` (names, company, department, e-mail),
   * or whose numbers start with the digits of a query that is a number (international, national
   * with or without the trunk prefix 0, or with the exit prefix 00); at most `limit` × 4 of them
   * before ranking. With `infix`, words that contain each word of `query` anywhere (a scan of
   * the words, for the LDAP phone book's `(cn=*meier*)`).
   */
  search(query: string, limit: number, infix = false): IndexedContact[] {
    // A number typed with spaces or punctuation ('0711 12', '+49 (711)') is one digit fragment.
    const terms = /^[\d\s+()/.-]+$/.test(query) ? [query.replace(/\D/g, '')].filter(Boolean) : words(query);
    if (terms.length === 0) return [];
    let result: Set<number> | null = null;
    // Most selective term first: the longest.
    for (const term of [...terms].sort((a, b) => b.length - a.length)) {
      const matched = new Set<number>();
      const before = result;
      // The first term stops once it has far more than can be shown.
      const visit = (id: number) => {
        if (before === null || before.has(id)) matched.add(id);
        return before !== null || matched.size <= limit * 200;
      };
      if (infix) this.words.visitContaining(term, visit);
      else this.words.visit(term, visit);
      if (/^\d+$/.test(term) && (before !== null || matched.size <= limit * 200)) {
        this.prefixes.search(term, (e164) => {
          for (const id of this.numberIds(this.numbers, this.oddNumbers, e164)) if (!visit(id)) return false;
          return true;
        });
      }
      result = matched;
      if (result.size === 0) break;
    }
    return [...(result ?? [])].slice(0, limit * 4).map((id) => this.entry(id));
  }

  /** Up to `count` contacts in slot order from slot `from`, and the slot to go on from (null: the end). */
  list(from: number, count: number): { entries: IndexedContact[]; next: number | null } {
    const entries: IndexedContact[] = [];
    let id = Math.max(0, from);
    for (; id < this.slots && entries.length < count; id++) if (this.src[id] !== 0) entries.push(this.entry(id));
    return { entries, next: id < this.slots ? id : null };
  }

  /** The contact in slot `id`. */
  private entry(id: number): IndexedContact {
    const off = this.off[id] as number;
    return {
      id,
      sourceId: this.sourceIds[(this.src[id] as number) - 1] as string,
      contact: decodeContact(this.arena.read(off, this.len[id] as number)),
    };
  }

  /** The external id of slot `id`: the first string of its record (or its `externalId` when kept whole). */
  private externalIdOf(id: number): string {
    const off = this.off[id] as number;
    const text = this.arena.read(off, Math.min(this.len[id] as number, 512));
    if (text.startsWith('["')) {
      let end = 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end < text.length) return JSON.parse(text.slice(1, end + 1)) as string;
    }
    return decodeContact(this.arena.read(off, this.len[id] as number)).externalId;
  }

  private find(s: number, externalId: string): number {
    for (const id of this.ids(this.keys, stringKey(`${s}\u0000${externalId}`))) {
      if (this.src[id] === s + 1 && this.externalIdOf(id) === externalId) return id;
    }
    return -1;
  }

  private ids(table: IdTable, [hi, lo]: [number, number]): number[] {
    const out: number[] = [];
    for (let n = table.first(hi, lo); n >= 0; n = table.next(n)) out.push(table.id(n));
    return out;
  }

  private numberIds(table: IdTable, odd: OddNumbers, e164: string): number[] {
    const k = numberKey(e164);
    return k ? this.ids(table, k) : (odd.get(e164) ?? []);
  }

  /** Adds `id` under a number; whether the number is new to the table. */
  private link(table: IdTable, odd: OddNumbers, e164: string, id: number): boolean {
    const k = numberKey(e164);
    if (k === null) {
      const list = odd.get(e164);
      if (list) list.push(id);
      else odd.set(e164, [id]);
      return false;
    }
    const fresh = table.first(k[0], k[1]) < 0;
    table.add(k[0], k[1], id);
    return fresh;
  }

  private unlinkNumber(table: IdTable, odd: OddNumbers, e164: string, id: number): void {
    const k = numberKey(e164);
    if (k) {
      table.remove(k[0], k[1], id);
      return;
    }
    const list = odd.get(e164);
    const i = list?.indexOf(id) ?? -1;
    if (i >= 0) list?.splice(i, 1);
    if (list?.length === 0) odd.delete(e164);
  }

  private unlink(id: number): void {
    this.version++;
    const contact = decodeContact(this.arena.read(this.off[id] as number, this.len[id] as number));
    const s = (this.src[id] as number) - 1;
    this.keys.remove(...stringKey(`${s}\u0000${contact.externalId}`), id);
    if (contact.email) this.emails.remove(...stringKey(contact.email.toLowerCase()), id);
    for (const n of contact.numbers) {
      if (n.e164 === null) continue;
      this.unlinkNumber(this.numbers, this.oddNumbers, n.e164, id);
      if (n.block) this.unlinkNumber(this.blocks, this.oddBlocks, n.e164.slice(0, -1), id);
    }
    this.words.remove(id, tokensOf(contact));
    this.src[id] = 0;
    this.free.push(id);
    this.count--;
    this.arena.garbage += this.len[id] as number;
  }

  private newSlot(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.slots === this.off.length) {
      this.off = grow(this.off);
      this.len = grow(this.len);
      this.src = grow(this.src);
    }
    return this.slots++;
  }
}

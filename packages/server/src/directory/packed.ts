// The storage of a tenant's index off the JavaScript heap: contacts packed into one growing byte
// buffer, and hash tables of typed arrays from a numeric key (a normalized number, or the hash of an
// e-mail address or a contact's key) to the contacts that have it. Garbage collection sees a few
// large buffers instead of millions of objects and strings.
import { setImmediate } from 'node:timers/promises';
import type { ContactNumber, StoredContact } from './model.js';

const TYPES = ['work', 'mobile', 'home', 'fax', 'pager', 'other'] as const;
const FIELDS = [
  'externalId',
  'name',
  'givenName',
  'surname',
  'company',
  'department',
  'title',
  'email',
  'url',
] as const;
const KNOWN = new Set<string>([...FIELDS, 'numbers', 'address']);
const NUMBER_KEYS = new Set(['type', 'raw', 'e164', 'block']);

/** A contact as compact JSON: its fields by position, numbers as `[type, raw, e164, 1 if a block]`. */
export function encodeContact(c: StoredContact): string {
  const plain =
    Object.keys(c).every((k) => KNOWN.has(k)) &&
    c.numbers.every((n) => Object.keys(n).every((k) => NUMBER_KEYS.has(k)));
  // A contact with fields of its own (none of the connectors gives one) is kept whole.
  if (!plain) return JSON.stringify(c);
  const numbers = c.numbers.map((n) => {
    const t = TYPES.indexOf(n.type);
    const type = t < 0 ? n.type : t;
    return n.block === undefined ? [type, n.raw, n.e164] : [type, n.raw, n.e164, n.block ? 1 : 0];
  });
  return JSON.stringify([...FIELDS.map((f) => c[f]), 'address' in c ? (c.address ?? null) : 0, numbers]);
}

export function decodeContact(text: string): StoredContact {
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v)) return v as StoredContact;
  const c: Record<string, unknown> = {};
  FIELDS.forEach((f, i) => {
    c[f] = v[i];
  });
  if (v[9] !== 0) c.address = v[9] ?? undefined;
  c.numbers = (v[10] as [number | string, string, string | null, number?][]).map(([t, raw, e164, block]) => {
    const n: ContactNumber = { type: (typeof t === 'number' ? TYPES[t] : t) as ContactNumber['type'], raw, e164 };
    if (block !== undefined) n.block = block === 1;
    return n;
  });
  return c as unknown as StoredContact;
}

/** Records (UTF-8 text) in one buffer, addressed by offset and length; space of removed ones is reclaimed by `compact`. */
export class Arena {
  private buf: Buffer = Buffer.allocUnsafe(1 << 16);
  private end = 0;
  /** Bytes of records no longer referenced. */
  garbage = 0;

  get bytes(): number {
    return this.end;
  }

  /** Appends a record; its offset. */
  append(text: string): { off: number; len: number } {
    const len = Buffer.byteLength(text);
    if (this.end + len > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.end + len) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.buf.copy(grown, 0, 0, this.end);
      this.buf = grown;
    }
    const off = this.end;
    this.buf.write(text, off, len, 'utf8');
    this.end += len;
    return { off, len };
  }

  /** The bytes in use (after `compact`, only live records). */
  image(): Buffer {
    return this.buf.subarray(0, this.end);
  }

  static fromImage(bytes: Buffer): Arena {
    const arena = new Arena();
    arena.buf = bytes;
    arena.end = bytes.length;
    return arena;
  }

  read(off: number, len: number): string {
    return this.buf.toString('utf8', off, off + len);
  }

  /**
   * The live records (each given by `offsets`/`lengths` at the ids in `live`) copied into a fresh
   * buffer, and the offsets they have there, a slice at a time (`pause`): nothing of the arena
   * changes until `adopt` takes the result.
   */
  async compacted(
    offsets: Uint32Array,
    lengths: Uint32Array,
    live: (id: number) => boolean,
    ids: number,
    pause: Pause,
  ): Promise<CompactedArena> {
    const fresh = Buffer.allocUnsafe(Math.max(1 << 16, this.end - this.garbage));
    const moved = offsets.slice();
    let end = 0;
    for (let id = 0; id < ids; id++) {
      if ((id & 4095) === 0) await pause();
      if (!live(id)) continue;
      const off = offsets[id] as number;
      const len = lengths[id] as number;
      this.buf.copy(fresh, end, off, off + len);
      moved[id] = end;
      end += len;
    }
    return { buf: fresh, end, offsets: moved };
  }

  adopt(compacted: CompactedArena): void {
    this.buf = compacted.buf;
    this.end = compacted.end;
    this.garbage = 0;
  }
}

export interface CompactedArena {
  buf: Buffer;
  end: number;
  offsets: Uint32Array<ArrayBuffer>;
}

/** Awaited now and then in long work: yields to the event loop once a slice's time is used up. */
export type Pause = () => Promise<void> | undefined;

/** A pause that lets other work run after every `ms` of this work (0: at every call). */
export function slices(ms: number): Pause {
  let since = performance.now();
  return () => {
    if (performance.now() - since < ms) return undefined;
    return setImmediate().then(() => {
      since = performance.now();
    });
  };
}

/** The numeric key of an E.164 number `+<digits>` (at most 18 digits, no leading 0): [high, low]; null otherwise. */
export function numberKey(e164: string): [number, number] | null {
  const n = e164.length - 1;
  if (n < 1 || n > 18 || e164.charCodeAt(0) !== 0x2b || e164.charCodeAt(1) === 0x30) return null;
  let hi = 0;
  let lo = 0;
  for (let i = 1; i <= n; i++) {
    const d = e164.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    if (i <= n - 9) hi = hi * 10 + d;
    else lo = lo * 10 + d;
  }
  return [hi, lo];
}

/** Two independent 32-bit hashes of a string (FNV-1a and a multiplicative one): a 64-bit key. */
export function stringKey(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, b >>> 0];
}

/** An IdTable's state, as a snapshot stores it. */
export interface TableImage {
  hi: Uint32Array;
  lo: Uint32Array;
  head: Int32Array;
  nodeId: Int32Array;
  nodeNext: Int32Array;
  used: number;
  keys: number;
  nodes: number;
  freeNode: number;
}

const EMPTY = -1;
const DELETED = -2;

/**
 * A hash table (open addressing, linear probing) from a 64-bit key `[hi, lo]` to a list of ids in
 * the order they were added. Keys, list heads and list nodes are typed arrays.
 */
export class IdTable {
  private hi = new Uint32Array(16);
  private lo = new Uint32Array(16);
  private head = new Int32Array(16).fill(EMPTY);
  /** Slots holding a key or a deleted mark. */
  private used = 0;
  /** Keys with at least one id. */
  keys = 0;
  private nodeId = new Int32Array(16);
  private nodeNext = new Int32Array(16);
  private nodes = 0;
  private freeNode = -1;

  private slot(hi: number, lo: number): number {
    const mask = this.head.length - 1;
    let h = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    let i = h & mask;
    for (;;) {
      const at = this.head[i] as number;
      if (at === EMPTY || (at !== DELETED && this.hi[i] === hi && this.lo[i] === lo)) return i;
      i = (i + 1) & mask;
    }
  }

  /** The first node of the key's list (-1: none); walk with `next`, read with `id`. */
  first(hi: number, lo: number): number {
    const at = this.head[this.slot(hi, lo)] as number;
    return at < 0 ? -1 : at;
  }

  next(node: number): number {
    return this.nodeNext[node] as number;
  }

  id(node: number): number {
    return this.nodeId[node] as number;
  }

  add(hi: number, lo: number, id: number): void {
    if ((this.used + 1) * 10 > this.head.length * 7) this.resize();
    const node = this.newNode(id);
    let i = this.slot(hi, lo);
    if ((this.head[i] as number) >= 0) {
      let n = this.head[i] as number;
      while ((this.nodeNext[n] as number) >= 0) n = this.nodeNext[n] as number;
      this.nodeNext[n] = node;
      return;
    }
    // A new key: into the first deleted slot of its probe sequence, if there is one.
    const mask = this.head.length - 1;
    let h = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    for (let j = h & mask; j !== i; j = (j + 1) & mask) {
      if (this.head[j] === DELETED) {
        i = j;
        break;
      }
    }
    if (this.head[i] === EMPTY) this.used++;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.head[i] = node;
    this.keys++;
  }

  /** Removes one occurrence of `id` from the key's list. */
  remove(hi: number, lo: number, id: number): void {
    const i = this.slot(hi, lo);
    let prev = -1;
    for (let n = this.head[i] as number; n >= 0; prev = n, n = this.nodeNext[n] as number) {
      if (this.nodeId[n] !== id) continue;
      const next = this.nodeNext[n] as number;
      if (prev >= 0) this.nodeNext[prev] = next;
      else if (next >= 0) this.head[i] = next;
      else {
        this.head[i] = DELETED;
        this.keys--;
      }
      this.nodeNext[n] = this.freeNode;
      this.freeNode = n;
      return;
    }
  }

  /** Every key with ids: `fn(hi, lo)`. */
  forEachKey(fn: (hi: number, lo: number) => void): void {
    for (let i = 0; i < this.head.length; i++)
      if ((this.head[i] as number) >= 0) fn(this.hi[i] as number, this.lo[i] as number);
  }

  /** The table's arrays and counters, for a snapshot (snapshot.ts). */
  image(): TableImage {
    const { hi, lo, head, nodeId, nodeNext, used, keys, nodes, freeNode } = this;
    return { hi, lo, head, nodeId, nodeNext, used, keys, nodes, freeNode };
  }

  static fromImage(image: TableImage): IdTable {
    const t = new IdTable();
    Object.assign(t, image);
    return t;
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.head.length * 12 + this.nodeId.length * 8;
  }

  private newNode(id: number): number {
    let n = this.freeNode;
    if (n >= 0) this.freeNode = this.nodeNext[n] as number;
    else {
      if (this.nodes === this.nodeId.length) {
        this.nodeId = grow(this.nodeId);
        this.nodeNext = grow(this.nodeNext);
      }
      n = this.nodes++;
    }
    this.nodeId[n] = id;
    this.nodeNext[n] = -1;
    return n;
  }

  /** Twice the size when full of keys, the same size when mostly deleted marks. */
  private resize(): void {
    const { hi, lo, head } = this;
    const size = this.keys * 10 > head.length * 4 ? head.length * 2 : head.length;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.head = new Int32Array(size).fill(EMPTY);
    this.used = this.keys;
    for (let j = 0; j < head.length; j++) {
      if ((head[j] as number) < 0) continue;
      const i = this.slot(hi[j] as number, lo[j] as number);
      this.hi[i] = hi[j] as number;
      this.lo[i] = lo[j] as number;
      this.head[i] = head[j] as number;
    }
  }
}

/** A typed array twice as long (at least 16), with the same contents. */
export function grow<T extends Int32Array | Uint32Array | Uint16Array>(a: T): T {
  const bigger = new (a.constructor as new (n: number) => T)(Math.max(16, a.length * 2));
  bigger.set(a);
  return bigger;
}

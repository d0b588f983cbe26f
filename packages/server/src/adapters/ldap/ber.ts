// BER as LDAPv3 uses it (RFC 4511 §5.1, X.690 with LDAP's restrictions): definite lengths only,
// single-byte tags, a message at most `maxBytes` long, nested at most `maxDepth`, with at most
// `maxElements` elements. Framing (where a message ends) is separate from decoding (what it holds),
// so a message that frames but does not decode is answered and the connection goes on.

/** BER that cannot be read (from frameLength: the stream is lost and the connection must end). */
export class BerError extends Error {
  override readonly name = 'BerError';
}

export interface BerLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
}

/**
 * One decoded element: its tag byte and contents (`children` for a constructed one), where it lies
 * in the message. Its contents are cut out (`value`) only when asked for; readInt, readBool and
 * readString read them in place.
 */
export class Element {
  constructor(
    readonly tag: number,
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
    readonly children: Element[] | null,
  ) {}

  get value(): Buffer {
    return this.bytes.subarray(this.start, this.end);
  }
}

export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  octets: 0x04,
  enumerated: 0x0a,
  sequence: 0x30,
  set: 0x31,
} as const;

const CONSTRUCTED = 0x20;

/** Where `readLength` found the contents: set by each call (no object per element). */
let contentStart = 0;

/**
 * The contents' length of the length header at `at` (bytes before `limit` only), and where they
 * start in `contentStart`; -1 when the header is incomplete.
 */
function readLength(b: Buffer, at: number, limit: number): number {
  if (at >= limit) return -1;
  const first = b[at] as number;
  if (first < 0x80) {
    contentStart = at + 1;
    return first;
  }
  const count = first & 0x7f;
  if (count === 0) throw new BerError('indefinite length is not allowed in LDAP');
  if (count > 4) throw new BerError(`length of ${count} bytes`);
  if (at + 1 + count > limit) return -1;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (b[at + 1 + i] as number);
  contentStart = at + 1 + count;
  return length;
}

/**
 * The length of the first whole message in `b` (tag, length and contents), or null when more
 * bytes are needed. Throws a framing BerError when the stream cannot be an LDAP message.
 * @example frameLength(Buffer.from([0x30, 0x03, 2, 1, 1])) // 5
 */
export function frameLength(b: Buffer, maxBytes: number): number | null {
  if (b.length === 0) return null;
  if (b[0] !== Tag.sequence) throw new BerError(`a message starts with 0x30, not 0x${hex(b[0] as number)}`);
  const length = readLength(b, 1, b.length);
  if (length < 0) {
    if (b.length > 6) throw new BerError('broken length');
    return null;
  }
  const total = contentStart + length;
  if (total > maxBytes) throw new BerError(`message of ${total} bytes is over the limit of ${maxBytes}`);
  return b.length >= total ? total : null;
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

/** Decodes one whole element (a framed message) into a tree, within the limits. */
export function decode(b: Buffer, limits: BerLimits): Element {
  if (b.length > limits.maxBytes) throw new BerError(`message over ${limits.maxBytes} bytes`);
  const count = { n: 0 };
  const element = decodeAt(b, 0, b.length, 0, limits, count);
  if (element.end !== b.length) throw new BerError('bytes after the message');
  return element;
}

function decodeAt(
  b: Buffer,
  at: number,
  limit: number,
  depth: number,
  limits: BerLimits,
  count: { n: number },
): Element {
  if (++count.n > limits.maxElements) throw new BerError(`more than ${limits.maxElements} elements`);
  if (depth > limits.maxDepth) throw new BerError(`nested deeper than ${limits.maxDepth}`);
  if (at >= limit) throw new BerError('element cut short');
  const tag = b[at] as number;
  if ((tag & 0x1f) === 0x1f) throw new BerError('multi-byte tags are not used in LDAP');
  const length = readLength(b, at + 1, limit);
  const start = contentStart;
  if (length < 0 || start + length > limit) throw new BerError('element longer than what holds it');
  const end = start + length;
  if ((tag & CONSTRUCTED) === 0) return new Element(tag, b, start, end, null);
  const children: Element[] = [];
  for (let p = start; p < end; ) {
    const child = decodeAt(b, p, end, depth + 1, limits, count);
    children.push(child);
    p = child.end;
  }
  return new Element(tag, b, start, end, children);
}

// Reading elements, each checking its tag.

export function expectTag(e: Element | undefined, tag: number, what: string): Element {
  if (!e || e.tag !== tag) throw new BerError(`${what}: expected tag 0x${hex(tag)}`);
  return e;
}

export function childrenOf(e: Element | undefined, tag: number, what: string): Element[] {
  const c = expectTag(e, tag, what).children;
  if (!c) throw new BerError(`${what}: expected a constructed element`);
  return c;
}

/** An INTEGER or ENUMERATED as a 32-bit signed number. */
export function readInt(e: Element | undefined, tag: number, what: string): number {
  const { bytes, start, end } = expectTag(e, tag, what);
  if (end === start || end - start > 4) throw new BerError(`${what}: integer of ${end - start} bytes`);
  // Two's complement, big-endian: the first byte carries the sign.
  let n = ((bytes[start] as number) << 24) >> 24;
  for (let i = start + 1; i < end; i++) n = n * 256 + (bytes[i] as number);
  return n;
}

export function readBool(e: Element | undefined, what: string): boolean {
  const { bytes, start, end } = expectTag(e, Tag.boolean, what);
  if (end - start !== 1) throw new BerError(`${what}: boolean of ${end - start} bytes`);
  return bytes[start] !== 0;
}

export function readString(e: Element | undefined, tag: number, what: string): string {
  const { bytes, start, end } = expectTag(e, tag, what);
  return bytes.toString('utf8', start, end);
}

// Writing: one growing buffer per response, so a search's entries and its SearchResultDone leave
// in one write without an intermediate buffer per element.

/** How many bytes the long form of `length` takes after its first byte. */
const lengthBytes = (length: number) => (length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x1000000 ? 3 : 4);

/**
 * Writes BER elements into one buffer: a constructed element is opened with `start` and closed
 * with `end`, which fills in its length (moving the contents when the length needs the long form).
 * @example new BerWriter().start(Tag.sequence).int(5).octets('ab').end().finish() // 30 07 02 01 05 04 02 61 62
 */
export class BerWriter {
  private buf: Buffer;
  private at = 0;
  /** Where each open element's length byte is. */
  private readonly open: number[] = [];

  constructor(size = 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  private header(tag: number, length: number): void {
    this.room(6);
    this.buf[this.at++] = tag;
    if (length < 0x80) {
      this.buf[this.at++] = length;
      return;
    }
    const n = lengthBytes(length);
    this.buf[this.at++] = 0x80 | n;
    this.buf.writeUIntBE(length, this.at, n);
    this.at += n;
  }

  /** Opens a constructed element (SEQUENCE, SET, an application or context tag). */
  start(tag: number): this {
    this.room(2);
    this.buf[this.at++] = tag;
    this.open.push(this.at++);
    return this;
  }

  /** Closes the element opened last. */
  end(): this {
    const mark = this.open.pop();
    if (mark === undefined) throw new Error('BerWriter.end without start');
    const length = this.at - mark - 1;
    if (length < 0x80) {
      this.buf[mark] = length;
      return this;
    }
    const n = lengthBytes(length);
    this.room(n);
    this.buf.copyWithin(mark + 1 + n, mark + 1, this.at);
    this.buf[mark] = 0x80 | n;
    this.buf.writeUIntBE(length, mark + 1, n);
    this.at += n;
    return this;
  }

  /** An OCTET STRING (or another primitive tag) of a string's UTF-8 or of bytes. */
  octets(value: string | Buffer, tag: number = Tag.octets): this {
    if (typeof value === 'string') {
      const length = Buffer.byteLength(value, 'utf8');
      this.header(tag, length);
      this.room(length);
      this.at += this.buf.write(value, this.at, length, 'utf8');
    } else {
      this.header(tag, value.length);
      this.room(value.length);
      this.at += value.copy(this.buf, this.at);
    }
    return this;
  }

  /** An INTEGER or ENUMERATED (32-bit signed), in the fewest bytes. */
  int(n: number, tag: number = Tag.integer): this {
    let size = 1;
    while (size < 4 && (n < -(2 ** (8 * size - 1)) || n >= 2 ** (8 * size - 1))) size++;
    this.header(tag, size);
    this.buf.writeIntBE(n, this.at, size);
    this.at += size;
    return this;
  }

  /** The bytes written (all elements closed). */
  finish(): Buffer {
    if (this.open.length > 0) throw new Error('BerWriter.finish with elements still open');
    return this.buf.subarray(0, this.at);
  }
}

// CSTA XML over TCP: the two framings CTI links use, detected per connection from its first byte.
// - header: every message is preceded by 8 bytes: two zero bytes, the big-endian 16-bit length of
//   the whole frame including the header, and four ASCII digits of the invoke id (ECMA-323 §8.1's
//   ROSE invoke id, `9999` for unsolicited events);
// - NUL: XML documents separated by a zero byte (no invoke id: answers follow the order of requests).

export type Framing = 'header' | 'nul';

/** One message as it came off the wire: the invoke id (header framing only) and the XML bytes. */
export interface Frame {
  invokeId: string | null;
  xml: Buffer;
}

/** The invoke id of events (unsolicited messages from the server). */
export const EVENT_INVOKE_ID = '9999';
export const HEADER_BYTES = 8;
/** The largest frame the 16-bit length of the header can describe. */
export const MAX_HEADER_FRAME = 0xffff;

/** A byte stream that cannot be framed: the connection is closed (what follows cannot be trusted). */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const INVOKE_ID = /^\d{4}$/;

/** Splits a connection's bytes into frames; the framing is fixed by the first byte. */
export class FrameReader {
  framing: Framing | undefined;
  private buffered: Buffer = Buffer.alloc(0);

  /** `maxFrameBytes`: the largest frame (header framing: including the header) accepted. */
  constructor(private readonly maxFrameBytes: number) {}

  /** The whole frames `chunk` completes; throws FrameError on a stream that breaks the framing. */
  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.framing === undefined && this.buffered.length > 0) this.framing = detect(this.buffered[0] as number);
    const frames: Frame[] = [];
    for (let frame = this.next(); frame; frame = this.next()) frames.push(frame);
    return frames;
  }

  private next(): Frame | undefined {
    return this.framing === 'header' ? this.nextHeader() : this.nextNul();
  }

  private nextHeader(): Frame | undefined {
    const b = this.buffered;
    if (b.length < HEADER_BYTES) return undefined;
    if (b[0] !== 0 || b[1] !== 0) throw new FrameError('frame header does not start with two zero bytes');
    const length = b.readUInt16BE(2);
    if (length < HEADER_BYTES) throw new FrameError(`frame length ${length} is shorter than its header`);
    if (length > this.maxFrameBytes) throw new FrameError(`frame of ${length} bytes is over ${this.maxFrameBytes}`);
    const invokeId = b.toString('latin1', 4, 8);
    if (!INVOKE_ID.test(invokeId)) throw new FrameError('invoke id is not four ASCII digits');
    if (b.length < length) return undefined;
    this.buffered = b.subarray(length);
    return { invokeId, xml: b.subarray(HEADER_BYTES, length) };
  }

  private nextNul(): Frame | undefined {
    const b = this.buffered;
    const end = b.indexOf(0);
    if (end < 0) {
      if (b.length > this.maxFrameBytes) throw new FrameError(`message over ${this.maxFrameBytes} bytes`);
      return undefined;
    }
    if (end > this.maxFrameBytes) throw new FrameError(`message over ${this.maxFrameBytes} bytes`);
    this.buffered = b.subarray(end + 1);
    // Blank separators (keep-alives some links send) carry nothing.
    return b.subarray(0, end).toString('utf8').trim() === ''
      ? this.nextNul()
      : { invokeId: null, xml: b.subarray(0, end) };
  }
}

/** The framing a connection's first byte announces: a zero byte the header, markup (or a BOM) NUL separators. */
function detect(first: number): Framing {
  if (first === 0) return 'header';
  // '<', a UTF-8 byte order mark, or white space before the first document.
  if ([0x3c, 0xef, 0x20, 0x09, 0x0a, 0x0d].includes(first)) return 'nul';
  throw new FrameError('neither a CSTA frame header nor XML');
}

/** A message framed as the connection frames its messages (NUL framing drops the invoke id). */
export function renderFrame(framing: Framing, invokeId: string | null, xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  if (framing === 'nul') return Buffer.concat([body, Buffer.from([0])]);
  const id = invokeId ?? EVENT_INVOKE_ID;
  if (!INVOKE_ID.test(id)) throw new Error(`invoke id ${id} is not four digits`);
  const length = body.length + HEADER_BYTES;
  if (length > MAX_HEADER_FRAME) throw new Error(`a frame of ${length} bytes does not fit the header`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(length, 2);
  header.write(id, 4, 'latin1');
  return Buffer.concat([header, body]);
}

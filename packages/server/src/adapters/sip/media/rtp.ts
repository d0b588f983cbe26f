// RTP packets (RFC 3550 §5.1): the fixed header, CSRC list, header extension (§5.3.1) and padding,
// read with limits and written back; sequence number and timestamp arithmetic modulo 2^16 / 2^32.
import { randomInt } from 'node:crypto';

/** Largest datagram the media engine reads: an Ethernet MTU; G.711 at 20 ms is 172 bytes. */
export const MAX_RTP_BYTES = 1500;
const FIXED_HEADER = 12;

export interface RtpExtension {
  /** The 16 profile-defined bits (§5.3.1). */
  profile: number;
  /** The extension data, a multiple of 4 bytes. */
  data: Buffer;
}

export interface RtpPacket {
  marker: boolean;
  /** 0–127. */
  payloadType: number;
  /** 0–65535, wraps. */
  sequence: number;
  /** 0–2^32−1, wraps. */
  timestamp: number;
  ssrc: number;
  /** At most 15 contributing sources. */
  csrc: number[];
  extension?: RtpExtension;
  /** The payload without padding; padding is dropped when read and never written. */
  payload: Buffer;
}

/** A datagram that is not an RTP packet this engine takes; `reason` says why (for logs and counters). */
export class RtpParseError extends Error {
  constructor(readonly reason: string) {
    super(`not an RTP packet: ${reason}`);
    this.name = 'RtpParseError';
  }
}

/**
 * Whether a datagram is RTCP rather than RTP when both share a port (RFC 5761 §4: the second byte,
 * marker and payload type together, is 192–223 for RTCP packet types 192–223).
 */
export const isRtcp = (bytes: Buffer) => bytes.length >= 2 && (bytes[1] ?? 0) >= 192 && (bytes[1] ?? 0) <= 223;

/** Reads one RTP packet; throws {@link RtpParseError} for anything malformed or over the limits. */
export function parseRtp(bytes: Buffer, maxBytes = MAX_RTP_BYTES): RtpPacket {
  if (bytes.length > maxBytes) throw new RtpParseError(`longer than ${maxBytes} bytes`);
  if (bytes.length < FIXED_HEADER) throw new RtpParseError('shorter than the fixed header');
  const first = bytes.readUInt8(0);
  if (first >> 6 !== 2) throw new RtpParseError(`version ${first >> 6}`);
  if (isRtcp(bytes)) throw new RtpParseError('RTCP');
  const padded = (first & 0x20) !== 0;
  const hasExtension = (first & 0x10) !== 0;
  const csrcCount = first & 0x0f;
  const second = bytes.readUInt8(1);
  let offset = FIXED_HEADER + 4 * csrcCount;
  if (offset > bytes.length) throw new RtpParseError('CSRC list past the end');
  const csrc: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrc.push(bytes.readUInt32BE(FIXED_HEADER + 4 * i));
  let extension: RtpExtension | undefined;
  if (hasExtension) {
    if (offset + 4 > bytes.length) throw new RtpParseError('extension header past the end');
    const profile = bytes.readUInt16BE(offset);
    const words = bytes.readUInt16BE(offset + 2);
    const end = offset + 4 + 4 * words;
    if (end > bytes.length) throw new RtpParseError('extension past the end');
    extension = { profile, data: Buffer.from(bytes.subarray(offset + 4, end)) };
    offset = end;
  }
  let end = bytes.length;
  if (padded) {
    // §5.1: the last octet counts the padding octets, itself included.
    const count = bytes.readUInt8(bytes.length - 1);
    if (count === 0 || offset + count > bytes.length) throw new RtpParseError(`padding of ${count} octets`);
    end -= count;
  }
  return {
    marker: (second & 0x80) !== 0,
    payloadType: second & 0x7f,
    sequence: bytes.readUInt16BE(2),
    timestamp: bytes.readUInt32BE(4),
    ssrc: bytes.readUInt32BE(8),
    csrc,
    ...(extension ? { extension } : {}),
    payload: Buffer.from(bytes.subarray(offset, end)),
  };
}

/** Writes an RTP packet (version 2, no padding); throws a RangeError for a field out of range. */
export function renderRtp(packet: RtpPacket): Buffer {
  const { csrc, extension } = packet;
  if (csrc.length > 15) throw new RangeError('at most 15 CSRCs');
  if (!Number.isInteger(packet.payloadType) || packet.payloadType < 0 || packet.payloadType > 127) {
    throw new RangeError(`payload type ${packet.payloadType}`);
  }
  if (extension && (extension.data.length % 4 !== 0 || extension.data.length / 4 > 0xffff)) {
    throw new RangeError('extension data must be a multiple of 4 bytes, at most 65535 words');
  }
  const extensionBytes = extension ? 4 + extension.data.length : 0;
  const out = Buffer.allocUnsafe(FIXED_HEADER + 4 * csrc.length + extensionBytes + packet.payload.length);
  out.writeUInt8(0x80 | (extension ? 0x10 : 0) | csrc.length, 0);
  out.writeUInt8((packet.marker ? 0x80 : 0) | packet.payloadType, 1);
  out.writeUInt16BE(packet.sequence & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  let offset = FIXED_HEADER;
  for (const source of csrc) {
    out.writeUInt32BE(source >>> 0, offset);
    offset += 4;
  }
  if (extension) {
    out.writeUInt16BE(extension.profile & 0xffff, offset);
    out.writeUInt16BE(extension.data.length / 4, offset + 2);
    extension.data.copy(out, offset + 4);
    offset += extensionBytes;
  }
  packet.payload.copy(out, offset);
  return out;
}

/** `sequence + n` modulo 2^16. */
export const addSequence = (sequence: number, n: number) => (((sequence + n) % 0x10000) + 0x10000) % 0x10000;

/**
 * How far `a` is ahead of `b` in sequence space (RFC 3550 Appendix A.1): −32768…32767, so 1 − 65535
 * is 2 (a wrap) and 65535 − 1 is −2.
 */
export const sequenceDelta = (a: number, b: number) => ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;

/** `timestamp + n` modulo 2^32. */
export const addTimestamp = (timestamp: number, n: number) => (timestamp + n) >>> 0;

/** How far timestamp `a` is ahead of `b`: −2^31…2^31−1, across the wrap. */
export const timestampDelta = (a: number, b: number) => (a - b) | 0;

/** A random 32-bit value for an SSRC or an initial timestamp, a random 16-bit one for a sequence (§5.1). */
export const random32 = () => randomInt(0x100000000);
export const random16 = () => randomInt(0x10000);

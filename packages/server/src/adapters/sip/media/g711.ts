// ITU-T G.711: µ-law (PCMU, static payload type 0) and A-law (PCMA, payload type 8), RFC 3551 §4.5.14.
// 16-bit linear samples in and out, as the ITU-T G.191 software tool library's g711 module does
// (its compress/expand rules, one's complement for negative inputs): decoding reads a 256-entry
// table, encoding finds the segment of each sample.

export type G711Codec = 'PCMU' | 'PCMA';

/** The static payload types of RFC 3551 Table 4. */
export const G711_PAYLOAD_TYPE: Readonly<Record<G711Codec, number>> = Object.freeze({ PCMU: 0, PCMA: 8 });

/** The code of a zero sample: 0xFF in µ-law, 0xD5 in A-law. */
export const G711_SILENCE: Readonly<Record<G711Codec, number>> = Object.freeze({ PCMU: 0xff, PCMA: 0xd5 });

/** G.711's clock rate and the samples of one 20 ms frame. */
export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160;

/** µ-law code of a 16-bit linear sample (G.711 Table 2a; only the 14 high bits count). */
export function encodeUlaw(sample: number): number {
  let magnitude = ((sample < 0 ? ~sample : sample) >> 2) + 33;
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  let segment = 1;
  for (let i = magnitude >> 6; i !== 0; i >>= 1) segment++;
  const code = ((8 - segment) << 4) | (15 - ((magnitude >> segment) & 0x0f));
  return sample >= 0 ? code | 0x80 : code;
}

/** A-law code of a 16-bit linear sample (G.711 Table 1a; only the 13 high bits count). */
export function encodeAlaw(sample: number): number {
  let magnitude = (sample < 0 ? ~sample : sample) >> 4;
  if (magnitude > 15) {
    let exponent = 1;
    while (magnitude > 31) {
      magnitude >>= 1;
      exponent++;
    }
    magnitude += (exponent << 4) - 16;
  }
  return (sample >= 0 ? magnitude | 0x80 : magnitude) ^ 0x55;
}

function expandUlaw(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const step = 4 << (exponent + 1);
  const magnitude = (0x80 << exponent) + step * (inverted & 0x0f) + step / 2 - 4 * 33;
  return code < 0x80 ? -magnitude : magnitude;
}

function expandAlaw(code: number): number {
  const bits = (code ^ 0x55) & 0x7f;
  const exponent = bits >> 4;
  let magnitude = ((exponent > 0 ? (bits & 0x0f) + 16 : bits & 0x0f) << 4) + 8;
  if (exponent > 1) magnitude <<= exponent - 1;
  return code > 0x7f ? magnitude : -magnitude;
}

const table = (expand: (code: number) => number) => Int16Array.from({ length: 256 }, (_, code) => expand(code));
const DECODE: Readonly<Record<G711Codec, Int16Array>> = { PCMU: table(expandUlaw), PCMA: table(expandAlaw) };
const ENCODE: Readonly<Record<G711Codec, (sample: number) => number>> = { PCMU: encodeUlaw, PCMA: encodeAlaw };

/** The 16-bit linear value of a µ-law code. */
export const decodeUlaw = (code: number) => DECODE.PCMU[code & 0xff] ?? 0;
/** The 16-bit linear value of an A-law code. */
export const decodeAlaw = (code: number) => DECODE.PCMA[code & 0xff] ?? 0;

/** Decodes a G.711 payload into `out` (a new array of the payload's length by default). */
export function decodeG711(codec: G711Codec, payload: Uint8Array, out = new Int16Array(payload.length)): Int16Array {
  const lookup = DECODE[codec];
  const n = Math.min(payload.length, out.length);
  for (let i = 0; i < n; i++) out[i] = lookup[payload[i] ?? 0] ?? 0;
  return out;
}

/** Encodes 16-bit linear samples as a G.711 payload. */
export function encodeG711(codec: G711Codec, samples: Int16Array): Buffer {
  const encode = ENCODE[codec];
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = encode(samples[i] ?? 0);
  return out;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeAlaw,
  decodeG711,
  decodeUlaw,
  encodeAlaw,
  encodeG711,
  encodeUlaw,
  G711_SILENCE,
  type G711Codec,
} from './g711.js';

// Decoded values of G.711 Tables 1a/2a (the output of each interval); the whole 256-code tables
// were compared once with sox 14.4's decoder and agree.
const ulaw: [number, number][] = [
  [0xff, 0],
  [0x7f, 0],
  [0xfe, 8],
  [0x7e, -8],
  [0xf0, 120],
  [0xef, 132],
  [0x8f, 16764],
  [0x0f, -16764],
  [0x80, 32124],
  [0x00, -32124],
];
const alaw: [number, number][] = [
  [0xd5, 8],
  [0x55, -8],
  [0xd4, 24],
  [0x54, -24],
  [0xff, 848],
  [0x7f, -848],
  [0x80, 5504],
  [0x00, -5504],
  [0xaa, 32256],
  [0x2a, -32256],
];

test('µ-law and A-law decode to the G.711 table values', () => {
  for (const [code, value] of ulaw) assert.equal(decodeUlaw(code), value, `µ-law 0x${code.toString(16)}`);
  for (const [code, value] of alaw) assert.equal(decodeAlaw(code), value, `A-law 0x${code.toString(16)}`);
});

test('silence is 0xFF in µ-law and 0xD5 in A-law', () => {
  assert.equal(encodeUlaw(0), 0xff);
  assert.equal(encodeAlaw(0), 0xd5);
  assert.deepEqual(G711_SILENCE, { PCMU: 0xff, PCMA: 0xd5 });
  // One's complement for negatives (G.191): −1 is the smallest negative step.
  assert.equal(encodeUlaw(-1), 0x7f);
  assert.equal(encodeAlaw(-1), 0x55);
});

test('full scale clips to the outermost codes', () => {
  assert.equal(encodeUlaw(32767), 0x80);
  assert.equal(encodeUlaw(-32768), 0x00);
  assert.equal(encodeAlaw(32767), 0xaa);
  assert.equal(encodeAlaw(-32768), 0x2a);
});

test('every code encodes back to itself from its decoded value (µ-law 0x7F is the other zero)', () => {
  for (let code = 0; code < 256; code++) {
    assert.equal(encodeAlaw(decodeAlaw(code)), code, `A-law 0x${code.toString(16)}`);
    assert.equal(encodeUlaw(decodeUlaw(code)), code === 0x7f ? 0xff : code, `µ-law 0x${code.toString(16)}`);
  }
});

test('encoding picks the interval a sample falls in (segment edges)', () => {
  // µ-law's first interval is 0–3, then steps of 8 (16-bit terms) up to segment 7's steps of 1024;
  // A-law's segments 0 and 1 have steps of 16, segment 2 starts at 256; negatives by one's complement.
  const cases: [G711Codec, number, number][] = [
    ['PCMU', 3, 0xff],
    ['PCMU', 4, 0xfe],
    ['PCMU', 11, 0xfe],
    ['PCMU', 12, 0xfd],
    ['PCMU', 31611, 0x81],
    ['PCMU', 31612, 0x80],
    ['PCMA', 15, 0xd5],
    ['PCMA', 16, 0xd4],
    ['PCMA', 255, 0xda],
    ['PCMA', 256, 0xc5],
    ['PCMA', -256, 0x5a],
    ['PCMA', -257, 0x45],
  ];
  for (const [codec, sample, code] of cases) {
    assert.equal(codec === 'PCMU' ? encodeUlaw(sample) : encodeAlaw(sample), code, `${codec} ${sample}`);
  }
});

test('payloads decode and encode as a whole, and the error stays within one step', () => {
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * i) / 20)));
    const payload = encodeG711(codec, samples);
    assert.equal(payload.length, 160);
    const decoded = decodeG711(codec, payload);
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i] ?? 0;
      // The largest step at this level is 512 (µ-law segment 6, A-law segment 7 is 1024 above 16384).
      assert.ok(Math.abs((decoded[i] ?? 0) - sample) <= 512, `${codec} sample ${i}`);
    }
  }
});

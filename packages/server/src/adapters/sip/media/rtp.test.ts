import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addSequence,
  addTimestamp,
  isRtcp,
  parseRtp,
  type RtpPacket,
  RtpParseError,
  renderRtp,
  sequenceDelta,
  timestampDelta,
} from './rtp.js';

const packet = (fields: Partial<RtpPacket> = {}): RtpPacket => ({
  marker: false,
  payloadType: 0,
  sequence: 1,
  timestamp: 160,
  ssrc: 0x11223344,
  csrc: [],
  payload: Buffer.from([0xff, 0xff]),
  ...fields,
});

test('the fixed header is laid out as RFC 3550 §5.1 draws it', () => {
  const bytes = renderRtp(packet({ marker: true, payloadType: 101, sequence: 0xabcd, timestamp: 0xdeadbeef }));
  assert.equal(bytes.toString('hex'), '80e5abcddeadbeef11223344ffff');
  assert.deepEqual(
    parseRtp(bytes),
    packet({ marker: true, payloadType: 101, sequence: 0xabcd, timestamp: 0xdeadbeef }),
  );
});

test('CSRCs and a header extension survive a round trip; padding is read and dropped', () => {
  const full = packet({
    csrc: [1, 0xffffffff],
    extension: { profile: 0xbede, data: Buffer.from('01020304', 'hex') },
    payload: Buffer.from('abcdef', 'hex'),
  });
  assert.deepEqual(parseRtp(renderRtp(full)), full);
  // P bit set, payload ff ff then 3 padding octets (the last says 3).
  const padded = Buffer.from('a0000001000000a011223344ffff000003', 'hex');
  assert.deepEqual(parseRtp(padded).payload, Buffer.from([0xff, 0xff]));
});

const malformed: [string, string, RegExp][] = [
  ['shorter than 12 bytes', '8000000100000000112233', /fixed header/],
  ['version 1', '4000000100000000112233440000', /version 1/],
  ['version 0', '0000000100000000112233440000', /version 0/],
  ['a CSRC count past the end', '8f00000100000000112233440000', /CSRC list/],
  ['an extension header cut short', '9000000100000000112233440000', /extension header/],
  ['an extension longer than the packet', '900000010000000011223344bede000500000000', /extension past/],
  ['padding count 0', 'a000000100000000112233440000', /padding of 0/],
  ['padding longer than the payload', 'a0000001000000001122334400ff', /padding of 255/],
  ['an RTCP sender report on the RTP port', '80c8000600000000112233440000', /RTCP/],
];
for (const [what, hex, reason] of malformed) {
  test(`rejects ${what}`, () => {
    assert.throws(
      () => parseRtp(Buffer.from(hex, 'hex')),
      (error) => error instanceof RtpParseError && reason.test(error.reason),
    );
  });
}

test('rejects a datagram over the size limit', () => {
  const big = renderRtp(packet({ payload: Buffer.alloc(1500) }));
  assert.throws(() => parseRtp(big), /longer than 1500 bytes/);
  assert.equal(parseRtp(big, 2000).payload.length, 1500);
});

test('renderRtp refuses fields out of range', () => {
  assert.throws(() => renderRtp(packet({ payloadType: 128 })), RangeError);
  assert.throws(() => renderRtp(packet({ csrc: Array.from({ length: 16 }, (_, i) => i) })), RangeError);
  assert.throws(() => renderRtp(packet({ extension: { profile: 0, data: Buffer.alloc(3) } })), RangeError);
});

test('RTCP is told from RTP by the second byte (RFC 5761 §4)', () => {
  assert.equal(isRtcp(Buffer.from('80c9', 'hex')), true); // RR
  assert.equal(isRtcp(Buffer.from('80df', 'hex')), true);
  assert.equal(isRtcp(Buffer.from('8000', 'hex')), false); // PCMU
  assert.equal(isRtcp(Buffer.from('80e5', 'hex')), false); // marker + PT 101
});

test('sequence and timestamp arithmetic wraps', () => {
  const sequences: [number, number, number][] = [
    [1, 0, 1],
    [0, 65535, 1],
    [1, 65535, 2],
    [65535, 1, -2],
    [100, 100, 0],
    [32767, 0, 32767],
    [32768, 0, -32768],
  ];
  for (const [a, b, delta] of sequences) assert.equal(sequenceDelta(a, b), delta, `${a} - ${b}`);
  assert.equal(addSequence(65535, 1), 0);
  assert.equal(addSequence(0, -1), 65535);
  assert.equal(addSequence(65530, 70000), (65530 + 70000) % 65536);
  assert.equal(addTimestamp(0xffffff00, 0x200), 0x100);
  assert.equal(timestampDelta(0x100, 0xffffff00), 0x200);
  assert.equal(timestampDelta(0xffffff00, 0x100), -0x200);
  assert.equal(timestampDelta(160, 0), 160);
});

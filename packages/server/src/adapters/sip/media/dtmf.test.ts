import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DigitError,
  digitSchedule,
  dtmfDigit,
  dtmfEvent,
  MAX_DIGITS,
  parseTelephoneEvent,
  renderTelephoneEvent,
} from './dtmf.js';

test('DTMF digits map to the event codes of RFC 4733 §3.2', () => {
  const table: [string, number][] = [
    ['0', 0],
    ['9', 9],
    ['*', 10],
    ['#', 11],
    ['A', 12],
    ['d', 15],
  ];
  for (const [digit, event] of table) {
    assert.equal(dtmfEvent(digit), event, digit);
    assert.equal(dtmfDigit(event), digit.toUpperCase());
  }
  for (const bad of ['E', 'x', '', '12', ' ', '+']) assert.equal(dtmfEvent(bad), undefined, JSON.stringify(bad));
  assert.equal(dtmfDigit(16), undefined);
});

test('the payload is event, E|R|volume, duration (§2.3)', () => {
  const table: [string, { event: number; end: boolean; volume: number; duration: number }][] = [
    ['050a00a0', { event: 5, end: false, volume: 10, duration: 160 }],
    ['0b8a0320', { event: 11, end: true, volume: 10, duration: 800 }],
    ['003fffff', { event: 0, end: false, volume: 63, duration: 65535 }],
  ];
  for (const [hex, event] of table) {
    assert.deepEqual(parseTelephoneEvent(Buffer.from(hex, 'hex')), event);
    assert.equal(renderTelephoneEvent(event).toString('hex'), hex);
  }
  // The reserved bit is ignored on receipt.
  assert.deepEqual(parseTelephoneEvent(Buffer.from('01ca0000', 'hex')), {
    event: 1,
    end: true,
    volume: 10,
    duration: 0,
  });
  assert.throws(() => parseTelephoneEvent(Buffer.from('050a00', 'hex')), /3 octets/);
  assert.throws(() => parseTelephoneEvent(Buffer.from('050a00a0050a00a0', 'hex')), /8 octets/);
});

test('a digit is updates every 20 ms, then the end packet three times (§2.5.1)', () => {
  const packets = digitSchedule('5');
  assert.deepEqual(
    packets.map((p) => [p.at, p.marker, p.timestampOffset, p.event.end, p.event.duration]),
    [
      [20, true, 0, false, 160],
      [40, false, 0, false, 320],
      [60, false, 0, false, 480],
      [80, false, 0, false, 640],
      [100, false, 0, true, 800],
      [120, false, 0, true, 800],
      [140, false, 0, true, 800],
    ],
  );
  assert.ok(packets.every((p) => p.event.event === 5 && p.event.volume === 10));
});

test('digits follow each other after tone + gap, each with its own timestamp and marker', () => {
  const packets = digitSchedule('1*D', { toneMs: 60, gapMs: 60, volume: 7 });
  assert.equal(packets.length, 3 * 5);
  const starts = packets.filter((p) => p.marker);
  assert.deepEqual(
    starts.map((p) => [p.at, p.timestampOffset, p.event.event]),
    [
      [20, 0, 1],
      [140, 960, 10],
      [260, 1920, 15],
    ],
  );
  // Every packet of one event carries that event's timestamp; the last repeat ends before the next starts.
  for (const [i, start] of starts.entries()) {
    const own = packets.filter((p) => p.timestampOffset === start.timestampOffset);
    assert.ok(own.every((p) => p.event.event === start.event.event && p.event.volume === 7));
    const next = starts[i + 1];
    if (next) assert.ok(Math.max(...own.map((p) => p.at)) < next.at);
  }
  // A tone that is not a whole number of packets: the last update is capped at the tone's length.
  const odd = digitSchedule('2', { toneMs: 50 });
  assert.deepEqual(
    odd.map((p) => [p.event.duration, p.event.end]),
    [
      [160, false],
      [320, false],
      [400, true],
      [400, true],
      [400, true],
    ],
  );
});

test('invalid digits and options are refused', () => {
  const refused: [string, object, RegExp][] = [
    ['', {}, /1 to 64 digits/],
    ['1'.repeat(MAX_DIGITS + 1), {}, /1 to 64 digits/],
    ['12E', {}, /"E" is not a DTMF digit/],
    ['1,2', {}, /"," is not a DTMF digit/],
    ['1', { toneMs: 30 }, /toneMs/],
    ['1', { toneMs: 9000 }, /toneMs/],
    ['1', { gapMs: 40 }, /gapMs/],
    ['1', { packetMs: 30, gapMs: 50 }, /gapMs/],
    ['1', { volume: 64 }, /volume/],
  ];
  for (const [digits, options, message] of refused) {
    assert.throws(
      () => digitSchedule(digits, options),
      (e) => e instanceof DigitError && message.test(e.message),
      digits,
    );
  }
});

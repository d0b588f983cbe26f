import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { RtpPhone, tonePacket } from '../../../../test/support/rtp-phone.js';
import { FrameClock } from './clock.js';
import { parseTelephoneEvent } from './dtmf.js';
import { MediaEndpoint } from './endpoint.js';
import { PortAllocator } from './ports.js';
import { MediaRelay } from './relay.js';
import type { RtpPacket } from './rtp.js';

const log = pino({ level: 'silent' });
const ports = new PortAllocator(41600, 41799);
const limits = { maxPacketBytes: 512, maxPacketsPerSecond: 200 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** Two phones on loopback, a relay between their endpoints; each phone sends a tone every 20 ms. */
/** `eventsB` null: side B negotiated no telephone-event. */
async function call(eventsB: number | null = 101) {
  const phones = { a: await RtpPhone.open(), b: await RtpPhone.open() };
  const endpoints = {
    a: await MediaEndpoint.open({ address: '127.0.0.1', ports, limits, log }),
    b: await MediaEndpoint.open({ address: '127.0.0.1', ports, limits, log }),
  };
  endpoints.a.connect({ address: '127.0.0.1', port: phones.a.port });
  endpoints.b.connect({ address: '127.0.0.1', port: phones.b.port });
  const relay = new MediaRelay(
    { endpoint: endpoints.a, eventPayloadType: 101 },
    { endpoint: endpoints.b, eventPayloadType: eventsB ?? undefined },
  );
  cleanup.push(
    () => relay.close(),
    () => phones.a.close(),
    () => phones.b.close(),
  );
  const sent: Record<'a' | 'b', RtpPacket[]> = { a: [], b: [] };
  let index = 0;
  const clock = new FrameClock(() => {
    for (const [side, hz, ssrc] of [
      ['a', 400, 0xaaaa],
      ['b', 1000, 0xbbbb],
    ] as const) {
      const packet = tonePacket('PCMU', 0, ssrc, hz, index);
      sent[side].push(packet);
      phones[side].send(packet, endpoints[side].port);
    }
    index++;
  });
  clock.start();
  cleanup.push(() => clock.stop());
  return { phones, relay, sent };
}

test('RTP is relayed both ways as it came', async () => {
  const { phones, sent } = await call();
  await phones.b.until((r) => r.length >= 10);
  await phones.a.until((r) => r.length >= 10);
  for (const [to, from] of [
    ['b', 'a'],
    ['a', 'b'],
  ] as const) {
    for (const { packet } of phones[to].received.slice(0, 10)) {
      const original = sent[from].find((p) => p.sequence === packet.sequence);
      assert.deepEqual(packet, original, `${from} → ${to}`);
    }
  }
});

test('digits towards one side arrive as RFC 4733 events in the stream relayed to it', async () => {
  const { phones, relay } = await call();
  await phones.b.until((r) => r.length >= 5);
  await relay.generateDigits('b', '1#');
  await relay.generateDigits('b', '9', { toneMs: 40 });
  await phones.b.until((r) => r.filter((x) => x.packet.payloadType === 101).length >= 14 + 4);
  const all = phones.b.received.map((r) => r.packet);
  const events = all.filter((p) => p.payloadType === 101);
  const audio = all.filter((p) => p.payloadType === 0);
  // Per digit: updates every 20 ms, the first with the marker, the end packet three times.
  const decoded = events.map((p) => ({ ...parseTelephoneEvent(p.payload), marker: p.marker, ts: p.timestamp }));
  assert.deepEqual(
    decoded.map((e) => `${e.event}${e.marker ? 'M' : ''}${e.end ? 'E' : ''}:${e.duration}`),
    [
      ...['1M:160', '1:320', '1:480', '1:640', '1E:800', '1E:800', '1E:800'],
      ...['11M:160', '11:320', '11:480', '11:640', '11E:800', '11E:800', '11E:800'],
      ...['9M:160', '9E:320', '9E:320', '9E:320'],
    ],
  );
  // One timestamp per event; the events of one request start tone + gap apart (150 ms = 1200 samples).
  const stamps = [decoded.slice(0, 7), decoded.slice(7, 14), decoded.slice(14)].map((one) => {
    assert.equal(new Set(one.map((e) => e.ts)).size, 1);
    return one[0]?.ts ?? 0;
  });
  assert.equal(((stamps[1] ?? 0) - (stamps[0] ?? 0)) | 0, 1200);
  const later = ((stamps[2] ?? 0) - (stamps[1] ?? 0)) | 0;
  // The next request starts once the previous one's last end packet went out (140 ms after its event began).
  assert.ok(
    later > 800 && later < 1120 + 800,
    `the next request's digit starts ${later} samples after the previous one`,
  );
  // The events carry the relayed stream's SSRC; audio and events together count up without a gap or a repeat.
  assert.ok(events.every((p) => p.ssrc === 0xaaaa));
  const sequences = all.filter((p) => p.ssrc === 0xaaaa).map((p) => p.sequence);
  for (let k = 1; k < sequences.length; k++) {
    assert.equal(((sequences[k] ?? 0) - (sequences[k - 1] ?? 0)) & 0xffff, 1, `packet ${k}`);
  }
  // Interleaved with audio, at timestamps within the audio's timeline.
  const firstEvent = all.indexOf(events[0] as RtpPacket);
  const lastEvent = all.indexOf(events.at(-1) as RtpPacket);
  assert.ok(
    all.slice(firstEvent, lastEvent).some((p) => p.payloadType === 0),
    'audio between the events',
  );
  const near = audio.map((p) => Math.abs((p.timestamp - (stamps[0] ?? 0)) | 0));
  assert.ok(Math.min(...near) <= 480, 'the first event’s timestamp lies on the audio timeline');
  // Nothing went the other way.
  assert.ok(phones.a.received.every((r) => r.packet.payloadType === 0));
});

test('digits are refused when they cannot be sent', async () => {
  const { relay } = await call(null);
  await assert.rejects(relay.generateDigits('b', '1'), { code: 'PARLEY_ERR_DEVICE_UNSUPPORTED' });
  await assert.rejects(relay.generateDigits('a', '12x'), { code: 'PARLEY_ERR_VALIDATION', message: /"x"/ });
  const pending = relay.generateDigits('a', '123');
  await relay.close();
  await assert.rejects(pending, { code: 'PARLEY_ERR_INVALID_STATE' });
  await assert.rejects(relay.generateDigits('a', '1'), { code: 'PARLEY_ERR_INVALID_STATE' });
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { RtpPhone, tonePacket, toneShare } from '../../../../test/support/rtp-phone.js';
import { FrameClock } from './clock.js';
import { renderTelephoneEvent } from './dtmf.js';
import { MediaEndpoint } from './endpoint.js';
import { decodeG711, type G711Codec } from './g711.js';
import { Conference } from './mixer.js';
import { PortAllocator } from './ports.js';
import type { MediaFormat } from './sdp.js';

const log = pino({ level: 'silent' });
const ports = new PortAllocator(41400, 41599);
const limits = { maxPacketBytes: 512, maxPacketsPerSecond: 200 };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

interface Party {
  phone: RtpPhone;
  format: MediaFormat;
  hz: number;
}

/** A conference of loopback phones; each phone sends its tone every 20 ms (its own drift-free clock). */
async function conferenceOf(parties: Party[]): Promise<MediaEndpoint[]> {
  const conference = new Conference({ maxParticipants: 8, log });
  const endpoints: MediaEndpoint[] = [];
  cleanup.push(() => conference.close());
  for (const [n, { phone, format, hz }] of parties.entries()) {
    const endpoint = await MediaEndpoint.open({ address: '127.0.0.1', ports, limits, log });
    endpoint.connect({ address: '127.0.0.1', port: phone.port });
    conference.add(endpoint, format);
    endpoints.push(endpoint);
    let index = 0;
    const sender = new FrameClock(() => {
      phone.send(tonePacket(format.codec, format.payloadType, 0x1000 + n, hz, index++), endpoint.port);
    });
    sender.start();
    cleanup.push(() => sender.stop());
  }
  return endpoints;
}

const party = async (codec: G711Codec, payloadType: number, hz: number, eventPayloadType?: number): Promise<Party> => {
  const phone = await RtpPhone.open();
  cleanup.push(() => phone.close());
  return { phone, hz, format: { codec, payloadType, ...(eventPayloadType !== undefined ? { eventPayloadType } : {}) } };
};

test('three phones: each hears the two others’ tones and not its own', async () => {
  const parties = [await party('PCMU', 0, 400), await party('PCMA', 8, 1000), await party('PCMU', 0, 2200)];
  await conferenceOf(parties);
  for (const { phone } of parties) await phone.until((r) => r.length >= 60);
  for (const [i, { phone, format }] of parties.entries()) {
    const audio = phone.received.filter((r) => r.packet.payloadType === format.payloadType);
    // One stream: our SSRC, consecutive sequence numbers, timestamps 160 apart.
    assert.equal(new Set(audio.map((r) => r.packet.ssrc)).size, 1);
    for (let k = 1; k < 20; k++) {
      const [before, now] = [audio[k - 1]?.packet, audio[k]?.packet];
      assert.equal(((now?.sequence ?? 0) - (before?.sequence ?? 0)) & 0xffff, 1);
      assert.equal(((now?.timestamp ?? 0) - (before?.timestamp ?? 0)) >>> 0, 160);
    }
    // The last 10 frames (200 ms), decoded in this phone's codec.
    const tail = audio.slice(-10).flatMap((r) => [...decodeG711(format.codec, r.packet.payload)]);
    const heard = Int16Array.from(tail);
    for (const [j, other] of parties.entries()) {
      const share = toneShare(heard, other.hz);
      if (i === j) assert.ok(share < 0.02, `phone ${i} hears its own ${other.hz} Hz (${share.toFixed(3)})`);
      else assert.ok(share > 0.15, `phone ${i} misses ${other.hz} Hz (${share.toFixed(3)})`);
    }
  }
});

test('telephone events of one party reach the others in their own stream; a party without events gets none', async () => {
  const parties = [await party('PCMU', 0, 400, 101), await party('PCMA', 8, 1000, 96), await party('PCMU', 0, 2200)];
  const [toA] = await conferenceOf(parties);
  const [a, b, c] = parties as [Party, Party, Party];
  await b.phone.until((r) => r.length >= 5);
  // Digit 7 from A: three updates and the end packet (E bit) three times, all at one timestamp.
  const durations = [160, 320, 480, 480, 480];
  durations.forEach((duration, k) => {
    const event = renderTelephoneEvent({ event: 7, end: k >= 2, volume: 10, duration });
    a.phone.send(
      { marker: k === 0, payloadType: 101, sequence: 9000 + k, timestamp: 777, ssrc: 0x1000, csrc: [], payload: event },
      toA?.port ?? 0,
    );
  });
  // And a malformed event payload, which is not passed on.
  a.phone.send(
    {
      marker: false,
      payloadType: 101,
      sequence: 9010,
      timestamp: 999,
      ssrc: 0x1000,
      csrc: [],
      payload: Buffer.alloc(3),
    },
    toA?.port ?? 0,
  );
  await b.phone.until((r) => r.filter((x) => x.packet.payloadType === 96).length >= 5);
  const events = b.phone.received.filter((r) => r.packet.payloadType === 96).map((r) => r.packet);
  const audio = b.phone.received.filter((r) => r.packet.payloadType === 8).map((r) => r.packet);
  assert.deepEqual(
    events.map((p) => [p.marker, p.payload.readUInt8(0), p.payload.readUInt16BE(2)]),
    durations.map((d, k) => [k === 0, 7, d]),
  );
  assert.equal(new Set(events.map((p) => p.timestamp)).size, 1, 'one timestamp for the event');
  assert.equal(events[0]?.ssrc, audio[0]?.ssrc, 'the same SSRC as its audio');
  // Sequence numbers of audio and events together make one gap-free run.
  const sequences = b.phone.received
    .filter((r) => r.packet.payloadType === 96 || r.packet.payloadType === 8)
    .map((r) => r.packet.sequence);
  for (let k = 1; k < sequences.length; k++) assert.equal(((sequences[k] ?? 0) - (sequences[k - 1] ?? 0)) & 0xffff, 1);
  // The event's timestamp lies within B's audio timeline.
  const eventTs = events[0]?.timestamp ?? 0;
  assert.ok(audio.some((p) => Math.abs(((p.timestamp - eventTs) | 0) / 160) <= 2));
  // C negotiated no telephone-event: it gets audio only.
  await c.phone.until((r) => r.length >= 20);
  assert.ok(c.phone.received.every((r) => r.packet.payloadType === 0));
});

test('a full conference refuses one more party; removing a party closes its endpoint', async () => {
  const conference = new Conference({ maxParticipants: 3, log });
  cleanup.push(() => conference.close());
  const endpoints = await Promise.all(
    [0, 1, 2, 3].map(() => MediaEndpoint.open({ address: '127.0.0.1', ports, limits, log })),
  );
  cleanup.push(() => Promise.all(endpoints.map((e) => e.close())));
  const format: MediaFormat = { codec: 'PCMU', payloadType: 0 };
  const members = endpoints.slice(0, 3).map((e) => conference.add(e, format));
  assert.throws(() => conference.add(endpoints[3] as MediaEndpoint, format), { code: 'PARLEY_ERR_INVALID_STATE' });
  const used = ports.used;
  await conference.remove(members[0] as (typeof members)[0]);
  assert.equal(conference.size, 2);
  assert.equal(ports.used, used - 1, 'its port is free again');
  conference.add(endpoints[3] as MediaEndpoint, format);
  await conference.close();
  assert.equal(conference.size, 0);
});

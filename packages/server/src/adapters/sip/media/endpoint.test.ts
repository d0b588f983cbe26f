import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { RtpPhone, tonePacket } from '../../../../test/support/rtp-phone.js';
import { loadConfig } from '../../../platform/config/load.js';
import { MediaEndpoint, type MediaEndpointOptions, mediaSettings } from './endpoint.js';
import { PortAllocator } from './ports.js';
import { renderRtp } from './rtp.js';

const log = pino({ level: 'silent' });
const options = (ports = new PortAllocator(41000, 41199), limits = {}): MediaEndpointOptions => ({
  address: '127.0.0.1',
  ports,
  limits: { maxPacketBytes: 512, maxPacketsPerSecond: 200, ...limits },
  log,
});
const open: { close(): unknown }[] = [];
const track = <T extends { close(): unknown }>(thing: T) => {
  open.push(thing);
  return thing;
};
after(async () => {
  for (const thing of open) await thing.close();
});

/** Waits until `check` holds (bounded), for counters that move when a datagram has been read. */
async function eventually(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const packet = (index: number) => tonePacket('PCMU', 0, 0xabc, 440, index);

test('latches to the first packet from the peer’s address (any port) and sends back there', async () => {
  const endpoint = track(await MediaEndpoint.open(options()));
  assert.equal(endpoint.port % 2, 0);
  const phone = track(await RtpPhone.open());
  const got: number[] = [];
  endpoint.onPacket = (p) => got.push(p.sequence);

  // Before connect nothing is taken.
  phone.send(packet(0), endpoint.port);
  await eventually(() => endpoint.stats.dropped.unexpected === 1);

  // The SDP names port 9 (the phone really sends from another one: comedia).
  endpoint.connect({ address: '127.0.0.1', port: 9 });
  assert.deepEqual(endpoint.remote, { address: '127.0.0.1', port: 9 });
  assert.equal(endpoint.isLatched, false);
  phone.send(packet(1), endpoint.port);
  await eventually(() => got.length === 1);
  assert.deepEqual(endpoint.remote, { address: '127.0.0.1', port: phone.port });
  assert.ok(endpoint.send(packet(2)));
  await phone.until((r) => r.length === 1);
  assert.equal(phone.received[0]?.packet.sequence, packet(2).sequence);
  assert.equal(phone.received[0]?.from.port, endpoint.port, 'symmetric: sent from the port we receive on');

  // Latched: another port of the same address is not heard.
  const other = track(await RtpPhone.open());
  other.send(packet(3), endpoint.port);
  await eventually(() => endpoint.stats.dropped.foreign === 1);
  assert.deepEqual(got, [1001]);

  // A new offer/answer forgets the latch.
  endpoint.connect({ address: '127.0.0.1', port: other.port });
  other.send(packet(4), endpoint.port);
  await eventually(() => got.length === 2);
  assert.deepEqual(endpoint.remote, { address: '127.0.0.1', port: other.port });
});

test('only the SDP address and the given sources may latch', async () => {
  const endpoint = track(await MediaEndpoint.open(options()));
  const stranger = track(await RtpPhone.open('127.0.0.2'));
  const natted = track(await RtpPhone.open('127.0.0.3'));
  const got: string[] = [];
  endpoint.onPacket = (p) => got.push(p.ssrc.toString(16));
  endpoint.connect({ address: '10.1.2.3', port: 4000, sources: ['127.0.0.3'] });
  stranger.send({ ...packet(0), ssrc: 1 }, endpoint.port);
  await eventually(() => endpoint.stats.dropped.foreign === 1);
  assert.equal(endpoint.isLatched, false);
  natted.send({ ...packet(1), ssrc: 2 }, endpoint.port);
  await eventually(() => got.length === 1);
  assert.deepEqual(endpoint.remote, { address: '127.0.0.3', port: natted.port });
  assert.deepEqual(got, ['2']);
});

test('oversized, malformed and RTCP datagrams are dropped and counted; the endpoint keeps working', async () => {
  const endpoint = track(await MediaEndpoint.open(options(undefined, { maxPacketBytes: 200 })));
  const phone = track(await RtpPhone.open());
  const got: number[] = [];
  endpoint.onPacket = (p) => got.push(p.sequence);
  endpoint.connect({ address: '127.0.0.1', port: phone.port });
  phone.send({ ...packet(0), payload: Buffer.alloc(300) }, endpoint.port);
  phone.sendRaw(Buffer.from('hello world, not RTP'), endpoint.port);
  phone.sendRaw(Buffer.from('80c8000600000000112233440000', 'hex'), endpoint.port);
  phone.send(packet(1), endpoint.port);
  await eventually(() => got.length === 1);
  await eventually(
    () => endpoint.stats.dropped.size + endpoint.stats.dropped.malformed + endpoint.stats.dropped.rtcp === 3,
  );
  assert.deepEqual(endpoint.stats.dropped, { size: 1, rate: 0, rtcp: 1, malformed: 1, unexpected: 0, foreign: 0 });
  assert.deepEqual(got, [1001]);
  assert.equal(endpoint.isLatched, true, 'the valid packet latched, not the garbage before it');
});

test('a flood beyond the packet rate is dropped, and a flood from elsewhere does not spend the peer’s budget', async () => {
  const endpoint = track(await MediaEndpoint.open(options(undefined, { maxPacketsPerSecond: 60 })));
  const phone = track(await RtpPhone.open());
  const stranger = track(await RtpPhone.open('127.0.0.2'));
  let got = 0;
  endpoint.onPacket = () => got++;
  endpoint.connect({ address: '127.0.0.1', port: phone.port });
  const bytes = renderRtp(packet(0));
  // In batches the loopback socket's buffer holds, each counted before the next.
  const flood = async (from: RtpPhone, counted: () => number) => {
    for (let batch = 0; batch < 10; batch++) {
      const before = counted();
      for (let i = 0; i < 50; i++) from.sendRaw(bytes, endpoint.port);
      await eventually(() => counted() === before + 50);
    }
  };
  await flood(stranger, () => endpoint.stats.dropped.foreign);
  assert.equal(endpoint.stats.dropped.rate, 0);
  await flood(phone, () => got + endpoint.stats.dropped.rate);
  // A bucket of 12 and 60 more per second: all 500 would take the sender over 8 s.
  assert.ok(got >= 12 && got < 500, `${got} taken`);
  assert.ok(endpoint.stats.dropped.rate > 0);
});

test('ports: one per endpoint while open, an error when the range is used up, back after close', async () => {
  const ports = new PortAllocator(41200, 41203); // 41200 and 41202
  const first = track(await MediaEndpoint.open(options(ports)));
  const second = track(await MediaEndpoint.open(options(ports)));
  assert.notEqual(first.port, second.port);
  await assert.rejects(MediaEndpoint.open(options(ports)), { code: 'PARLEY_ERR_NOT_READY' });
  await first.close();
  assert.equal(first.send(packet(0)), false, 'a closed endpoint sends nothing');
  const third = track(await MediaEndpoint.open(options(ports)));
  assert.equal(third.port, first.port);
  assert.equal(ports.used, 2);
});

test('a port another process holds is skipped', async () => {
  const squatter = track(await RtpPhone.open('127.0.0.1', 41300));
  const ports = new PortAllocator(41300, 41302);
  const endpoint = track(await MediaEndpoint.open(options(ports)));
  assert.equal(endpoint.port, 41302);
  assert.equal(ports.used, 1, 'the held port was given back');
  assert.equal(squatter.port, 41300);
});

test('mediaSettings: bind address from sip.host, SDP address from the advertise settings', () => {
  const settings = (env: Record<string, string>) => mediaSettings(loadConfig({ env }).sip);
  const plain = settings({});
  assert.equal(plain.address, '127.0.0.1');
  assert.equal(plain.advertise, '127.0.0.1');
  assert.equal(plain.ports.size, 500);
  assert.equal(plain.maxParticipants, 8);
  assert.equal(settings({ PARLEY_SIP_HOST: '0.0.0.0', PARLEY_SIP_ADVERTISE: '192.0.2.1' }).advertise, '192.0.2.1');
  const both = {
    PARLEY_SIP_HOST: '0.0.0.0',
    PARLEY_SIP_ADVERTISE: 'sip.example',
    PARLEY_SIP_MEDIA_ADVERTISE: '192.0.2.2',
  };
  assert.equal(settings(both).advertise, '192.0.2.2');
  assert.throws(() => settings({ PARLEY_SIP_HOST: '0.0.0.0', PARLEY_SIP_ADVERTISE: 'sip.example' }), /wildcard/);
});

test('a handler that throws is logged and the endpoint goes on', async () => {
  const endpoint = track(await MediaEndpoint.open(options()));
  const phone = track(await RtpPhone.open());
  const got: number[] = [];
  endpoint.onPacket = (p) => {
    got.push(p.sequence);
    if (got.length === 1) throw new Error('handler bug');
  };
  endpoint.connect({ address: '127.0.0.1', port: phone.port });
  phone.send(packet(0), endpoint.port);
  await eventually(() => got.length === 1);
  phone.send(packet(1), endpoint.port);
  await eventually(() => got.length === 2);
  assert.equal(endpoint.stats.received, 2);
});

// Media engine benchmark: the CPU one conference tick costs (every 20 ms: decode each party's G.711
// frame, mix N − 1 for each, encode, render each RTP packet), measured in this process for a few
// conference sizes, and the same for relayed packets (parse + render, the per-packet work of the
// relay), without sockets; then one real conference on loopback (its endpoints, its 20 ms clock)
// fed by phones in the same process, whose sending and receiving the figure includes: an upper
// bound of what a conference costs with the kernel's UDP work.
//
//   npm run bench:media [-- --seconds 3 --sizes 3,5,8,16,32 --socket-seconds 10 --socket-parties 8]
// Markdown to stdout.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { FrameClock } from '../packages/server/src/adapters/sip/media/clock.js';
import { MediaEndpoint } from '../packages/server/src/adapters/sip/media/endpoint.js';
import {
  decodeG711,
  encodeG711,
  FRAME_SAMPLES,
  type G711Codec,
} from '../packages/server/src/adapters/sip/media/g711.js';
import { mixFrames } from '../packages/server/src/adapters/sip/media/mix.js';
import { Conference } from '../packages/server/src/adapters/sip/media/mixer.js';
import { PortAllocator } from '../packages/server/src/adapters/sip/media/ports.js';
import { parseRtp, type RtpPacket, renderRtp } from '../packages/server/src/adapters/sip/media/rtp.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '3,5,8,16,32' },
    'socket-seconds': { type: 'string', default: '10' },
    'socket-parties': { type: 'string', default: '8' },
  },
});
const SECONDS = Number(values.seconds);
const SIZES = String(values.sizes).split(',').map(Number);
const SOCKET_SECONDS = Number(values['socket-seconds']);
const SOCKET_PARTIES = Number(values['socket-parties']);

const tone = (hz: number, codec: G711Codec) =>
  encodeG711(
    codec,
    Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000))),
  );

/** Runs `work` for about SECONDS; returns CPU microseconds (user + system) per call and calls made. */
function measure(work: () => void): { cpuMicros: number; calls: number } {
  for (let i = 0; i < 200; i++) work(); // warm-up for the JIT
  const until = performance.now() + SECONDS * 1000;
  const before = process.cpuUsage();
  let calls = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) work();
    calls += 50;
  }
  const used = process.cpuUsage(before);
  return { cpuMicros: (used.user + used.system) / calls, calls };
}

function conferenceTick(size: number): () => void {
  const codecs: G711Codec[] = Array.from({ length: size }, (_, i) => (i % 2 === 0 ? 'PCMU' : 'PCMA'));
  const payloads = codecs.map((codec, i) => tone(300 + 150 * i, codec));
  const decoded = codecs.map(() => new Int16Array(FRAME_SAMPLES));
  let sequence = 0;
  return () => {
    const frames = codecs.map((codec, i) => decodeG711(codec, payloads[i] as Buffer, decoded[i]));
    const mixed = mixFrames(frames);
    sequence = (sequence + 1) & 0xffff;
    for (const [i, codec] of codecs.entries()) {
      renderRtp({
        marker: false,
        payloadType: codec === 'PCMU' ? 0 : 8,
        sequence,
        timestamp: sequence * FRAME_SAMPLES,
        ssrc: i,
        csrc: [],
        payload: encodeG711(codec, mixed[i] as Int16Array),
      });
    }
  };
}

const rows: string[] = [];
for (const size of SIZES) {
  const { cpuMicros, calls } = measure(conferenceTick(size));
  const perParty = cpuMicros / size;
  const coreShare = (cpuMicros / 20_000) * 100;
  rows.push(
    `| ${size} | ${calls.toLocaleString('en')} | ${cpuMicros.toFixed(1)} | ${perParty.toFixed(2)} | ${coreShare.toFixed(2)} % | ${Math.floor(100 / coreShare)} |`,
  );
}
const relayed: RtpPacket = {
  marker: false,
  payloadType: 0,
  sequence: 1,
  timestamp: 160,
  ssrc: 7,
  csrc: [],
  payload: tone(400, 'PCMU'),
};
const wire = renderRtp(relayed);
const relay = measure(() => renderRtp(parseRtp(wire)));

console.log(`Media engine, ${SECONDS} s per row, Node ${process.version}\n`);
console.log(
  '| parties | ticks measured | CPU µs per tick | CPU µs per party-frame | one core per conference | conferences per core |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
console.log(
  `\nRelay: ${relay.cpuMicros.toFixed(2)} µs CPU per relayed packet (parse + render), ${relay.calls.toLocaleString('en')} packets measured.`,
);

/** A conference of SOCKET_PARTIES loopback phones for SOCKET_SECONDS: process CPU per tick. */
async function socketConference(): Promise<void> {
  const log = pino({ level: 'warn' });
  const ports = new PortAllocator(43000, 43999);
  const limits = { maxPacketBytes: 512, maxPacketsPerSecond: 200 };
  const conference = new Conference({ maxParticipants: SOCKET_PARTIES, log });
  const phones: { phone: ReturnType<typeof createSocket>; port: number; payload: Buffer; codec: G711Codec }[] = [];
  let received = 0;
  for (let i = 0; i < SOCKET_PARTIES; i++) {
    const phone = createSocket('udp4');
    phone.bind(0, '127.0.0.1');
    await once(phone, 'listening');
    phone.on('message', () => received++);
    const endpoint = await MediaEndpoint.open({ address: '127.0.0.1', ports, limits, log });
    endpoint.connect({ address: '127.0.0.1', port: phone.address().port });
    const codec: G711Codec = i % 2 === 0 ? 'PCMU' : 'PCMA';
    conference.add(endpoint, { codec, payloadType: codec === 'PCMU' ? 0 : 8 });
    const payload = tone(300 + 150 * i, codec);
    phones.push({ phone, port: endpoint.port, payload, codec });
  }
  let index = 0;
  const senders = new FrameClock(() => {
    index++;
    for (const [i, { phone, port, payload, codec }] of phones.entries()) {
      const packet = {
        marker: false,
        payloadType: codec === 'PCMU' ? 0 : 8,
        sequence: index & 0xffff,
        timestamp: index * 160,
        ssrc: i,
        csrc: [],
        payload,
      };
      phone.send(renderRtp(packet), port, '127.0.0.1');
    }
  });
  senders.start();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = process.cpuUsage();
  const receivedBefore = received;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SOCKET_SECONDS * 1000));
  const used = process.cpuUsage(before);
  const ticks = (performance.now() - started) / 20;
  senders.stop();
  await conference.close();
  for (const { phone } of phones) phone.close();
  const perTick = (used.user + used.system) / ticks;
  const systemShare = (used.system / (used.user + used.system)) * 100;
  console.log(
    `\nOn loopback: a conference of ${SOCKET_PARTIES} with its phones in the same process, ${SOCKET_SECONDS} s: ` +
      `${perTick.toFixed(0)} µs CPU per 20 ms tick (${((perTick / 20_000) * 100).toFixed(1)} % of one core, ${systemShare.toFixed(0)} % of it in the kernel), ` +
      `${((received - receivedBefore) / ticks / SOCKET_PARTIES).toFixed(2)} mixed packets per phone per tick received.`,
  );
}

if (SOCKET_SECONDS > 0) await socketConference();

// A loopback "phone" for media tests: a UDP socket that sends RTP (G.711 tones, raw datagrams) and
// keeps what it receives; the share of a tone in a received signal (Goertzel).
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { encodeG711, FRAME_SAMPLES, type G711Codec, SAMPLE_RATE } from '../../src/adapters/sip/media/g711.js';
import { parseRtp, type RtpPacket, renderRtp } from '../../src/adapters/sip/media/rtp.js';
import { goertzel } from './goertzel.js';

export interface Received {
  packet: RtpPacket;
  from: { address: string; port: number };
}

export class RtpPhone {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (bytes, from) => {
      try {
        this.received.push({ packet: parseRtp(bytes), from });
      } catch {
        return;
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(address = '127.0.0.1', port = 0): Promise<RtpPhone> {
    const socket = createSocket('udp4');
    socket.bind(port, address);
    await once(socket, 'listening');
    return new RtpPhone(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  sendRaw(bytes: Buffer, port: number, address = '127.0.0.1'): void {
    this.socket.send(bytes, port, address);
  }

  send(packet: RtpPacket, port: number, address = '127.0.0.1'): void {
    this.sendRaw(renderRtp(packet), port, address);
  }

  /** Resolves once `done(received)` holds; rejects after `ms` (a generous bound, not a pace). */
  async until(done: (received: Received[]) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms with ${this.received.length} packets`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** One 20 ms frame of a sine tone at `hz`, the `index`-th of its stream (phase continues), amplitude `level`. */
export function toneFrame(hz: number, index: number, level = 8000): Int16Array {
  return Int16Array.from({ length: FRAME_SAMPLES }, (_, i) =>
    Math.round(level * Math.sin((2 * Math.PI * hz * (index * FRAME_SAMPLES + i)) / SAMPLE_RATE)),
  );
}

/** A G.711 packet of `toneFrame(hz, index)` in one stream (sequence and timestamp follow `index`). */
export function tonePacket(codec: G711Codec, payloadType: number, ssrc: number, hz: number, index: number): RtpPacket {
  return {
    marker: index === 0,
    payloadType,
    sequence: (1000 + index) & 0xffff,
    timestamp: (5000 + index * FRAME_SAMPLES) >>> 0,
    ssrc,
    csrc: [],
    payload: encodeG711(codec, toneFrame(hz, index)),
  };
}

/** The power of `hz` in `samples` relative to the signal's total power, 0–~1 (a pure tone of `hz` gives ~1). */
export function toneShare(samples: Int16Array, hz: number): number {
  const scaled = Float64Array.from(samples, (sample) => sample / 32768);
  let total = 0;
  for (const sample of scaled) total += sample * sample;
  // goertzel() is power / N²; a pure tone's power is total × N / 2.
  return total === 0 ? 0 : (goertzel(scaled, SAMPLE_RATE, hz) * 2 * scaled.length) / total;
}

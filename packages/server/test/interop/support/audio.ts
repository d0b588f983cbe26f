// Known audio for end-to-end media checks: a sine tone made with sox, and a small analysis of a
// recorded WAV (16-bit PCM): RMS level and the dominant frequency by the Goertzel algorithm.
import { readFileSync } from 'node:fs';
import { runProcess } from '../../support/cli.js';
import { goertzel } from '../../support/goertzel.js';

export { goertzel };

export const SOX = process.env.PARLEY_TEST_SOX ?? 'sox';

/** Writes a mono 16-bit WAV at `rate` Hz of a `hz` sine, `seconds` long (sox). */
export async function writeTone(path: string, hz: number, seconds: number, rate = 8000): Promise<void> {
  const r = await runProcess(SOX, [
    '-n',
    '-r',
    String(rate),
    '-c',
    '1',
    '-b',
    '16',
    path,
    'synth',
    String(seconds),
    'sine',
    String(hz),
    'vol',
    '0.5',
  ]);
  if (r.code !== 0) throw new Error(`sox failed: ${r.stderr}`);
}

export interface Pcm {
  rate: number;
  /** Samples of the first channel, in [-1, 1). */
  samples: Float64Array;
}

/** Reads a PCM WAV (16-bit), first channel; throws on anything else. */
export function readWav(path: string): Pcm {
  const b = readFileSync(path);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error(`${path}: not WAV`);
  let offset = 12;
  let rate = 0;
  let channels = 1;
  let bits = 0;
  while (offset + 8 <= b.length) {
    const id = b.toString('ascii', offset, offset + 4);
    const size = b.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = b.readUInt16LE(body + 2);
      rate = b.readUInt32LE(body + 4);
      bits = b.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`${path}: ${bits}-bit samples, expected 16`);
      const end = Math.min(b.length, body + size);
      const count = Math.floor((end - body) / (2 * channels));
      const samples = new Float64Array(count);
      for (let i = 0; i < count; i++) samples[i] = b.readInt16LE(body + i * 2 * channels) / 32768;
      return { rate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

export function rms(samples: Float64Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** The strongest frequency between `from` and `to` Hz in steps of `step` Hz. */
export function dominantFrequency(pcm: Pcm, from = 100, to = 3500, step = 25): number {
  let best = from;
  let bestPower = -1;
  for (let hz = from; hz <= to; hz += step) {
    const p = goertzel(pcm.samples, pcm.rate, hz);
    if (p > bestPower) {
      bestPower = p;
      best = hz;
    }
  }
  return best;
}

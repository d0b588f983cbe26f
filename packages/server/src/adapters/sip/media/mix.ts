// The conference mix: what each party hears is the sum of every other party, clipped to 16 bits.
import { FRAME_SAMPLES } from './g711.js';

const clip = (sample: number) => Math.min(32767, Math.max(-32768, sample));

/**
 * For frames of N parties (undefined: silence), the N frames they hear: for party i the sum of all
 * frames but its own (N − 1), clipped to −32768…32767. Pure: the inputs are left as they are.
 *
 * @example
 * mixFrames([a, b, undefined]) // [b, a, a + b], each clipped
 */
export function mixFrames(frames: readonly (Int16Array | undefined)[], samples = FRAME_SAMPLES): Int16Array[] {
  const total = new Int32Array(samples);
  for (const frame of frames) {
    if (!frame) continue;
    for (let s = 0; s < samples; s++) total[s] = (total[s] ?? 0) + (frame[s] ?? 0);
  }
  return frames.map((own) => {
    const out = new Int16Array(samples);
    for (let s = 0; s < samples; s++) out[s] = clip((total[s] ?? 0) - (own?.[s] ?? 0));
    return out;
  });
}

// The Goertzel algorithm: the power of one frequency in a signal, for tests that check audio.

/** The power of `hz` in `samples` (Goertzel), normalised so a full-scale sine gives ~0.25. */
export function goertzel(samples: Float64Array, rate: number, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (samples.length * samples.length);
}

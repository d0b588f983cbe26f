/** Time source; tests substitute one that they move by hand. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

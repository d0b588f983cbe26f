export interface BackoffOptions {
  /** Delay before the first retry (before jitter). */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const reconnectBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, base·2ⁿ), so many clients that lost the same server do not come back in lockstep, yet
 * none retries immediately.
 * @example backoffDelay(0) // 250…500 ms; backoffDelay(10) // 15…30 s
 */
export function backoffDelay(attempt: number, o: BackoffOptions = reconnectBackoff, random = Math.random): number {
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

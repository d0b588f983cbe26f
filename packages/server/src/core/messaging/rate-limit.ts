import type { Clock } from '../../platform/clock.js';
import { ParleyError } from '../errors.js';

export interface RateLimitOptions {
  /** Tokens a key may spend at once. */
  burst: number;
  /** Tokens regained per second. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before the full ones are swept out: memory stays bounded by the active keys. */
const SWEEP_AT = 10_000;

/**
 * A token bucket per key (a user), in this node's memory: `burst` at once, `perSecond` in the long
 * run. Behind a load balancer each node counts on its own, so a user spread over n nodes may
 * send up to n times the rate; that still bounds the flood, and costs no cluster round trip.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** When the buckets were last swept: at most once per refill time, however many stay busy. */
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {}

  /**
   * Spends one token of `key`, or throws 429 PARLEY_ERR_TOO_MANY_REQUESTS with the seconds until
   * the next token (`Retry-After`).
   */
  take(key: string, what: string): void {
    const now = this.clock.now();
    const b = this.refilled(this.buckets.get(key), now);
    if (b.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - b.tokens) / this.options.perSecond));
      throw new ParleyError(
        'PARLEY_ERR_TOO_MANY_REQUESTS',
        `Too many ${what}: at most ${this.options.burst} at once and ${this.options.perSecond} per second; try again in ${seconds} s`,
        undefined,
        seconds,
      );
    }
    if (this.buckets.size >= SWEEP_AT && !this.buckets.has(key)) this.sweep(now);
    this.buckets.set(key, { tokens: b.tokens - 1, at: now });
  }

  /** Gives back a token `take` spent on what turned out to cost nothing (a retry of something done). */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.options.burst, b.tokens + 1);
  }

  private refilled(b: Bucket | undefined, now: number): Bucket {
    if (!b) return { tokens: this.options.burst, at: now };
    const tokens = Math.min(this.options.burst, b.tokens + ((now - b.at) / 1000) * this.options.perSecond);
    return { tokens, at: now };
  }

  /** Drops the buckets that are full again: they behave exactly like absent ones. */
  private sweep(now: number): void {
    if (now - this.sweptAt < (this.options.burst / this.options.perSecond) * 1000) return;
    this.sweptAt = now;
    for (const [key, b] of this.buckets) {
      if (this.refilled(b, now).tokens >= this.options.burst) this.buckets.delete(key);
    }
  }
}

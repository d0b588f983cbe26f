import type { Clock } from '../../platform/clock.js';

export interface ThrottleOptions {
  maxFailures: number;
  windowSeconds: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

interface Entry {
  failures: number;
  last: number;
  lockedUntil: number;
}

/**
 * Failed-login throttle per key (an account, a client address). After `maxFailures` failures within
 * the window each further failure locks the key for an exponentially growing time. Node-local
 * and kept in memory: losing it on restart only forgets recent failures.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: ThrottleOptions,
    private readonly clock: Clock,
  ) {}

  /** Seconds the caller must wait before trying this key again, or 0. */
  retryAfter(key: string): number {
    const e = this.fresh(key);
    if (!e) return 0;
    const left = e.lockedUntil - this.clock.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  fail(key: string): void {
    const now = this.clock.now();
    const e = this.fresh(key) ?? { failures: 0, last: now, lockedUntil: 0 };
    e.failures += 1;
    e.last = now;
    const over = e.failures - this.options.maxFailures;
    if (over >= 0) {
      const delay = Math.min(this.options.baseDelaySeconds * 2 ** over, this.options.maxDelaySeconds);
      e.lockedUntil = now + delay * 1000;
    }
    this.entries.set(key, e);
    if (this.entries.size > 100_000) this.sweep();
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private fresh(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.clock.now() - e.last > this.options.windowSeconds * 1000 && this.clock.now() >= e.lockedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep() {
    for (const key of this.entries.keys()) this.fresh(key);
  }
}

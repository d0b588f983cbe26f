import type { Clock } from '../../platform/clock.js';
import type { SharedMap } from '../../platform/cluster/cluster.js';

export interface ThrottleOptions {
  maxFailures: number;
  windowSeconds: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

export interface ThrottleEntry {
  failures: number;
  last: number;
  lockedUntil: number;
}

/** How long the shared map must keep an entry after its last failure. */
export const throttleTtlMs = (o: ThrottleOptions) => (o.windowSeconds + o.maxDelaySeconds) * 1000;

/**
 * Failed-login throttle per key (an account, a client address). After `maxFailures` failures within
 * the window each further failure locks the key for an exponentially growing time. The counts live
 * in the cluster's shared state (in memory on one node, a NATS key-value bucket in a cluster), so
 * spreading attempts over the nodes behind a load balancer gains nothing.
 */
export class LoginThrottle {
  constructor(
    private readonly options: ThrottleOptions,
    private readonly clock: Clock,
    private readonly entries: SharedMap<ThrottleEntry>,
  ) {}

  /** Seconds the caller must wait before trying this key again, or 0. */
  async retryAfter(key: string): Promise<number> {
    const e = this.fresh(await this.entries.get(key));
    if (!e) return 0;
    const left = e.lockedUntil - this.clock.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  fail(key: string): Promise<void> {
    return this.entries.update(key, (current) => {
      const now = this.clock.now();
      const e = this.fresh(current) ?? { failures: 0, last: now, lockedUntil: 0 };
      const failures = e.failures + 1;
      const over = failures - this.options.maxFailures;
      const lockedUntil =
        over >= 0
          ? now + Math.min(this.options.baseDelaySeconds * 2 ** over, this.options.maxDelaySeconds) * 1000
          : e.lockedUntil;
      return { failures, last: now, lockedUntil };
    });
  }

  reset(key: string): Promise<void> {
    return this.entries.update(key, () => undefined);
  }

  /** The entry unless its window and lock-out are both over. */
  private fresh(e: ThrottleEntry | undefined): ThrottleEntry | undefined {
    const now = this.clock.now();
    if (e && now - e.last > this.options.windowSeconds * 1000 && now >= e.lockedUntil) return undefined;
    return e;
  }
}

// A token bucket of bytes per connection (as Prosody's mod_limits): a client that sends more than
// its rate has its reading paused until the bucket has refilled, so a flood costs it time, not us.

export interface Rate {
  bytesPerSecond: number;
  burstSeconds: number;
}

/**
 * @example
 * const bucket = new TokenBucket({ bytesPerSecond: 10_240, burstSeconds: 2 }, Date.now);
 * const waitMs = bucket.take(chunk.length); // pause reading for waitMs when > 0
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number,
  ) {
    this.capacity = rate.bytesPerSecond * rate.burstSeconds;
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Takes `bytes` (going into debt); returns how long to wait (ms) until the debt is paid. */
  take(bytes: number): number {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.rate.bytesPerSecond);
    this.last = t;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate.bytesPerSecond) * 1000);
  }
}

/** What a throttled reader pauses: a TCP/TLS socket or a WebSocket. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Pauses reading from `source` while the bucket is in debt; `stop` when the connection closes. */
export class ReadThrottle {
  private readonly bucket: TokenBucket;
  private paused: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: Pausable,
    rate: Rate,
    now: () => number,
  ) {
    this.bucket = new TokenBucket(rate, now);
  }

  /** Counts `bytes` read; pauses the source until the bucket has refilled when they were too many. */
  read(bytes: number): void {
    const wait = this.bucket.take(bytes);
    if (wait <= 0 || this.paused) return;
    this.source.pause();
    this.paused = setTimeout(() => {
      this.paused = undefined;
      this.source.resume();
    }, wait);
  }

  stop(): void {
    clearTimeout(this.paused);
  }
}

/**
 * Open connections per source address, at most `max` each (client and server streams alike).
 * @example const release = limit.take(address); if (!release) refuse(); else socket.once('close', release);
 */
export class ConnectionLimit {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts a connection from `address`; returns its release, or undefined when over the limit. */
  take(address: string): (() => void) | undefined {
    const count = this.open.get(address) ?? 0;
    if (count >= this.max) return undefined;
    this.open.set(address, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    };
  }
}

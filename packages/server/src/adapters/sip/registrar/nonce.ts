// Digest nonces (RFC 7616 §3.3, §5.4; RFC 3261 §22.4) issued by one node and checked by any: a
// timestamp, random bytes and an HMAC under a key the cluster shares. No state per nonce until a
// client uses it; then the highest nonce-count seen is kept for replay protection.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { pooledRandomBytes } from '../../../lib/random-pool.js';

export type NonceVerdict = 'ok' | 'stale' | 'invalid' | 'replayed';

const MAC_BYTES = 12;
const RANDOM_BYTES = 8;
const LENGTH = 4 + RANDOM_BYTES + MAC_BYTES;

export interface NonceOptions {
  key: Buffer;
  /** How long a nonce is good, seconds. */
  lifetimeSeconds: number;
  now: () => number;
  /** Nonces whose counts are tracked at most (the oldest are forgotten first). */
  maxTracked?: number;
}

export class NonceBook {
  /** Highest nonce-count seen per nonce in use, in insertion order (oldest first). */
  private readonly counts = new Map<string, number>();
  private readonly maxTracked: number;

  constructor(private readonly options: NonceOptions) {
    this.maxTracked = options.maxTracked ?? 100_000;
  }

  issue(realm: string): string {
    const bytes = Buffer.alloc(LENGTH);
    bytes.writeUInt32BE(Math.floor(this.options.now() / 1000) >>> 0, 0);
    pooledRandomBytes(RANDOM_BYTES).copy(bytes, 4);
    this.mac(bytes, realm).copy(bytes, 4 + RANDOM_BYTES);
    return bytes.toString('base64url');
  }

  /**
   * Checks a nonce the client answered with and its nonce-count (hex, qop=auth): made by us for
   * this realm, not older than the lifetime, and a count higher than any seen with it before.
   * Call `accept` only after the credentials were verified, so guesses cannot burn counts.
   */
  check(nonce: string, realm: string, nc: string): NonceVerdict {
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== LENGTH || bytes.toString('base64url') !== nonce) return 'invalid';
    const expected = this.mac(bytes, realm);
    if (!timingSafeEqual(expected, bytes.subarray(4 + RANDOM_BYTES))) return 'invalid';
    const age = this.options.now() / 1000 - bytes.readUInt32BE(0);
    if (age < -5 || age > this.options.lifetimeSeconds) return 'stale';
    const count = Number.parseInt(nc, 16);
    if (!Number.isFinite(count) || count < 1) return 'invalid';
    return count > (this.counts.get(nonce) ?? 0) ? 'ok' : 'replayed';
  }

  /** Records the nonce-count of a request whose credentials were good. */
  accept(nonce: string, nc: string): void {
    this.counts.delete(nonce);
    this.counts.set(nonce, Number.parseInt(nc, 16));
    for (const oldest of this.counts.keys()) {
      if (this.counts.size <= this.maxTracked) break;
      this.counts.delete(oldest);
    }
  }

  private mac(bytes: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.options.key)
      .update(bytes.subarray(0, 4 + RANDOM_BYTES))
      .update(realm.toLowerCase())
      .digest()
      .subarray(0, MAC_BYTES);
  }
}

import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * `n` cryptographically random bytes (n ≤ 4096) cut from a pool filled 4 KB at a time: the SIP
 * layer draws a tag, branch, Call-ID or nonce for nearly every message, and one fill per few
 * hundred of them costs far less than one each. A fill makes a new pool, so bytes handed out are
 * never overwritten.
 */
export function pooledRandomBytes(n: number): Buffer {
  if (used + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    used = 0;
  }
  const bytes = pool.subarray(used, used + n);
  used += n;
  return bytes;
}

import { pooledRandomBytes } from './random-pool.js';

/**
 * A UUID of version 7 (RFC 9562 §5.7): the milliseconds since 1970 in its first 48 bits, then 74
 * random bits. Ids made one after another sort together, so rows keyed by them are appended to
 * their index instead of landing on a random page of it (a message stored writes one page less).
 */
export function uuidv7(now = Date.now()): string {
  const b = pooledRandomBytes(16); // ours alone: the pool never hands bytes out twice
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pooledRandomBytes } from './random-pool.js';

test('pooled random bytes: the length asked, different each time, never overwritten by a refill', () => {
  const first = pooledRandomBytes(16);
  const copy = Buffer.from(first);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const b = pooledRandomBytes(9);
    assert.equal(b.length, 9);
    seen.add(b.toString('hex'));
  }
  assert.equal(seen.size, 2000);
  assert.deepEqual(first, copy);
});

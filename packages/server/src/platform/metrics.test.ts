import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashQueue } from '../core/auth/hash-queue.js';
import { createMetrics } from './metrics.js';

test('the password-hash queue is scraped as parley_password_hashes and parley_password_hash_attempts_total', async () => {
  const queue = new HashQueue({ maxConcurrent: 1, maxWaiting: 0, maxWaitingPerSource: 1, now: Date.now });
  const metrics = createMetrics({ hashing: () => queue.stats() });
  let release!: () => void;
  const running = queue.run('a', 0, () => new Promise<void>((r) => (release = r)));
  await assert.rejects(queue.run('b', 0, async () => undefined));
  const during = await metrics.registry.metrics();
  assert.match(during, /^parley_password_hashes\{state="running"\} 1$/m);
  assert.match(during, /^parley_password_hashes\{state="waiting"\} 0$/m);
  assert.match(during, /^parley_password_hash_attempts_total\{outcome="refused"\} 1$/m);
  release();
  await running;
  const afterwards = await metrics.registry.metrics();
  assert.match(afterwards, /^parley_password_hashes\{state="running"\} 0$/m);
  assert.match(afterwards, /^parley_password_hash_attempts_total\{outcome="hashed"\} 1$/m);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from './rate.js';

test('a token bucket lets a burst through, then asks for a wait that pays the debt', () => {
  let now = 0;
  const bucket = new TokenBucket({ bytesPerSecond: 1000, burstSeconds: 2 }, () => now);
  const cases: [advanceMs: number, bytes: number, waitMs: number][] = [
    [0, 1500, 0],
    [0, 500, 0],
    [0, 500, 500],
    [500, 0, 0],
    [10_000, 2000, 0],
    [0, 1, 1],
  ];
  for (const [advance, bytes, wait] of cases) {
    now += advance;
    assert.equal(bucket.take(bytes), wait, `after ${now} ms, ${bytes} bytes`);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionLimit, TokenBucket } from './rate.js';

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

test('ConnectionLimit counts per address and releases once', () => {
  const limit = new ConnectionLimit(2);
  const a1 = limit.take('a');
  const a2 = limit.take('a');
  assert.ok(a1 && a2);
  assert.equal(limit.take('a'), undefined);
  assert.ok(limit.take('b'));
  a1();
  a1();
  const a3 = limit.take('a');
  assert.ok(a3);
  assert.equal(limit.take('a'), undefined);
});

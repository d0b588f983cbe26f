import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParleyError } from '../errors.js';
import { RateLimiter } from './rate-limit.js';

/** The seconds a refused `take` asks to wait, or 0 when it was allowed. */
function waitOf(limiter: RateLimiter, key: string): number {
  try {
    limiter.take(key, 'messages');
    return 0;
  } catch (err) {
    assert.ok(err instanceof ParleyError);
    assert.equal(err.code, 'PARLEY_ERR_TOO_MANY_REQUESTS');
    return err.retryAfterSeconds ?? -1;
  }
}

test('a token bucket: the burst at once, then the sustained rate; keys are independent', () => {
  let now = 1_000_000;
  const limiter = new RateLimiter({ burst: 3, perSecond: 0.5 }, { now: () => now });
  assert.deepEqual(
    [1, 2, 3].map(() => waitOf(limiter, 'a')),
    [0, 0, 0],
  );
  assert.equal(waitOf(limiter, 'a'), 2, 'one token every 2 s');
  assert.equal(waitOf(limiter, 'b'), 0, 'another key has its own bucket');
  now += 1999;
  assert.equal(waitOf(limiter, 'a'), 1, 'not yet; the wait is rounded up');
  now += 1;
  assert.equal(waitOf(limiter, 'a'), 0);
  now += 60_000;
  assert.deepEqual(
    [1, 2, 3, 4].map(() => waitOf(limiter, 'a')),
    [0, 0, 0, 2],
    'refilled to the burst, no more',
  );
});

test('a refund gives back one token spent, never beyond the burst', () => {
  const now = 1_000_000;
  const limiter = new RateLimiter({ burst: 2, perSecond: 0.5 }, { now: () => now });
  assert.deepEqual(
    [1, 2, 3].map(() => waitOf(limiter, 'a')),
    [0, 0, 2],
  );
  limiter.refund('a');
  assert.equal(waitOf(limiter, 'a'), 0, 'the token given back');
  assert.equal(waitOf(limiter, 'a'), 2);
  limiter.refund('b');
  limiter.refund('b');
  assert.deepEqual(
    [1, 2, 3].map(() => waitOf(limiter, 'b')),
    [0, 0, 2],
    'a full bucket stays at the burst',
  );
});

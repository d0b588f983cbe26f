import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from './backoff.js';

test('backoff doubles per attempt, within half and all of the cap, up to the maximum', () => {
  const o = { baseMs: 500, maxMs: 30_000 };
  assert.equal(
    backoffDelay(0, o, () => 0),
    250,
  );
  assert.equal(
    backoffDelay(0, o, () => 1),
    500,
  );
  assert.equal(
    backoffDelay(3, o, () => 0),
    2000,
  );
  assert.equal(
    backoffDelay(3, o, () => 1),
    4000,
  );
  assert.equal(
    backoffDelay(20, o, () => 0),
    15_000,
  );
  assert.equal(
    backoffDelay(20, o, () => 1),
    30_000,
  );
  assert.equal(
    backoffDelay(1000, o, () => 1),
    30_000,
    'huge attempt counts stay finite',
  );
});

test('backoff spreads clients out (jitter)', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
  assert.ok(delays.size > 10);
  for (const d of delays) assert.ok(d >= 4000 && d <= 8000);
});

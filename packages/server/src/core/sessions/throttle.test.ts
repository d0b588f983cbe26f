import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySharedMap } from '../../platform/cluster/local.js';
import { LoginThrottle, type ThrottleEntry, throttleTtlMs } from './throttle.js';

const clock = {
  t: 0,
  now() {
    return this.t;
  },
};
const options = { maxFailures: 3, windowSeconds: 60, baseDelaySeconds: 2, maxDelaySeconds: 10 };

test('locks after maxFailures with exponential backoff up to the maximum', async () => {
  clock.t = 0;
  const th = new LoginThrottle(options, clock, new MemorySharedMap<ThrottleEntry>(throttleTtlMs(options), clock));
  await th.fail('k');
  await th.fail('k');
  assert.equal(await th.retryAfter('k'), 0, 'below the limit');
  await th.fail('k');
  assert.equal(await th.retryAfter('k'), 2);
  clock.t += 2000;
  assert.equal(await th.retryAfter('k'), 0, 'lock-out over');
  await th.fail('k');
  assert.equal(await th.retryAfter('k'), 4, 'doubles');
  clock.t += 4000;
  await th.fail('k');
  assert.equal(await th.retryAfter('k'), 8);
  clock.t += 8000;
  await th.fail('k');
  assert.equal(await th.retryAfter('k'), 10, 'capped');
  assert.equal(await th.retryAfter('other'), 0, 'keys are independent');
});

test('reset clears a key; failures expire after the window', async () => {
  clock.t = 0;
  const th = new LoginThrottle(options, clock, new MemorySharedMap<ThrottleEntry>(throttleTtlMs(options), clock));
  for (let i = 0; i < 3; i++) await th.fail('k');
  await th.reset('k');
  assert.equal(await th.retryAfter('k'), 0);
  await th.fail('w');
  await th.fail('w');
  clock.t += 61_000;
  await th.fail('w');
  assert.equal(await th.retryAfter('w'), 0, 'old failures forgotten');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginThrottle } from './throttle.js';

const clock = {
  t: 0,
  now() {
    return this.t;
  },
};
const options = { maxFailures: 3, windowSeconds: 60, baseDelaySeconds: 2, maxDelaySeconds: 10 };

test('locks after maxFailures with exponential backoff up to the maximum', () => {
  clock.t = 0;
  const th = new LoginThrottle(options, clock);
  th.fail('k');
  th.fail('k');
  assert.equal(th.retryAfter('k'), 0, 'below the limit');
  th.fail('k');
  assert.equal(th.retryAfter('k'), 2);
  clock.t += 2000;
  assert.equal(th.retryAfter('k'), 0, 'lock-out over');
  th.fail('k');
  assert.equal(th.retryAfter('k'), 4, 'doubles');
  clock.t += 4000;
  th.fail('k');
  assert.equal(th.retryAfter('k'), 8);
  clock.t += 8000;
  th.fail('k');
  assert.equal(th.retryAfter('k'), 10, 'capped');
  assert.equal(th.retryAfter('other'), 0, 'keys are independent');
});

test('reset clears a key; failures expire after the window', () => {
  clock.t = 0;
  const th = new LoginThrottle(options, clock);
  for (let i = 0; i < 3; i++) th.fail('k');
  th.reset('k');
  assert.equal(th.retryAfter('k'), 0);
  th.fail('w');
  th.fail('w');
  clock.t += 61_000;
  th.fail('w');
  assert.equal(th.retryAfter('w'), 0, 'old failures forgotten');
});

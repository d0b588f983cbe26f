import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameClock } from './clock.js';

test('the n-th tick never comes before start + n × period, and a throwing tick does not stop the clock', async () => {
  const times: bigint[] = [];
  const errors: unknown[] = [];
  let clock: FrameClock | undefined;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    clock = new FrameClock(
      () => {
        times.push(process.hrtime.bigint());
        if (times.length === 3) throw new Error('boom');
        if (times.length === 10) resolve();
      },
      5,
      (error) => errors.push(error),
    );
    clock.start();
  });
  clock?.stop();
  assert.equal(clock?.running, false);
  for (const [i, at] of times.entries()) assert.ok(at - start >= BigInt((i + 1) * 5_000_000), `tick ${i + 1}`);
  assert.equal(errors.length, 1);
});

test('stop holds the clock; start runs it again', async () => {
  let ticks = 0;
  const clock = new FrameClock(() => ticks++, 5);
  clock.start();
  clock.start(); // a second start changes nothing
  clock.stop();
  const held = ticks;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(ticks, held);
  await new Promise<void>((resolve) => {
    const again = new FrameClock(() => {
      again.stop();
      resolve();
    }, 5);
    again.start();
  });
});

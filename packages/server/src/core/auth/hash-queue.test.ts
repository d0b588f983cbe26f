import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParleyError } from '../errors.js';
import { HashQueue } from './hash-queue.js';

/** A job that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, job: () => opened.then(() => 'done') };
}
const tooMany = (err: ParleyError) => err.code === 'PARLEY_ERR_TOO_MANY_REQUESTS' && err.retryAfterSeconds === 1;

test('runs at most maxConcurrent; maxWaitingPerSource places per source; the best rank goes first', async () => {
  const q = new HashQueue({ maxConcurrent: 2, maxWaiting: 10, maxWaitingPerSource: 1, now: Date.now });
  const a = gate();
  const b = gate();
  const running = [q.run('s1', 0, a.job), q.run('s2', 0, b.job)];
  const order: string[] = [];
  const flooder = q.run('s3', 5, async () => order.push('flooder'));
  await assert.rejects(
    q.run('s3', 5, async () => order.push('again')),
    tooMany,
    'one place per source',
  );
  const fresh = q.run('s4', 0, async () => order.push('fresh'));
  const trusted = q.run('s5', -1, async () => order.push('trusted'));
  assert.deepEqual(q.stats(), { running: 2, waiting: 3, peak: 2, started: 2, refused: 1 });
  a.open();
  b.open();
  await Promise.all([...running, flooder, fresh, trusted]);
  assert.deepEqual(order, ['trusted', 'fresh', 'flooder']);
  assert.deepEqual(q.stats(), { running: 0, waiting: 0, peak: 2, started: 5, refused: 1 });
});

test('a full queue refuses the worst-ranked attempt, never hashing it', async () => {
  const q = new HashQueue({ maxConcurrent: 1, maxWaiting: 2, maxWaitingPerSource: 2, now: Date.now });
  const g = gate();
  const first = q.run('s0', 0, g.job);
  const bad1 = q.run('bad1', 3, async () => 'bad1');
  const bad2 = q.run('bad2', 4, async () => 'bad2');
  await assert.rejects(
    q.run('bad3', 4, async () => 'bad3'),
    tooMany,
    'no better than the worst waiter',
  );
  const fresh = q.run('fresh', 0, async () => 'fresh');
  await assert.rejects(bad2, tooMany, 'the worst waiter made room');
  g.open();
  assert.deepEqual(await Promise.all([first, fresh, bad1]), ['done', 'fresh', 'bad1']);
  assert.equal(q.stats().started, 3);
  assert.equal(q.stats().refused, 2);
});

test('several sign-ins of one address (one NAT) wait; a new address goes before a crowded one, and may take its place', async () => {
  const q = new HashQueue({ maxConcurrent: 1, maxWaiting: 4, maxWaitingPerSource: 3, now: Date.now });
  const g = gate();
  const order: string[] = [];
  const first = q.run('nat', 0, g.job);
  const office = [1, 2, 3].map((i) => q.run('nat', 0, async () => order.push(`nat${i}`)));
  await assert.rejects(
    q.run('nat', 0, async () => 'nat4'),
    tooMany,
    'the address holds all its places',
  );
  const other = q.run('other', 0, async () => order.push('other'));
  // Full (4 waiting): a newcomer from a third address takes the place of the crowded address's last.
  const third = q.run('third', 0, async () => order.push('third'));
  await assert.rejects(office[2] as Promise<unknown>, tooMany);
  // nat still holds two places: the next newcomer takes the second.
  const fourth = q.run('fourth', 0, async () => order.push('fourth'));
  await assert.rejects(office[1] as Promise<unknown>, tooMany);
  // Every address holds one place now, but nat has had three attempts refused: they count as places.
  const fifth = q.run('fifth', 0, async () => order.push('fifth'));
  await assert.rejects(office[0] as Promise<unknown>, tooMany);
  // Equal places now (one each, none refused): an equal newcomer pushes nobody out.
  await assert.rejects(
    q.run('sixth', 0, async () => 'sixth'),
    tooMany,
  );
  g.open();
  await Promise.all([first, other, third, fourth, fifth]);
  assert.deepEqual(order, ['other', 'third', 'fourth', 'fifth'], 'equal places go by arrival');
});

test('a flooding address whose guesses have not failed yet sorts behind a new address by its refused attempts, for a minute', async () => {
  let now = 0;
  const q = new HashQueue({ maxConcurrent: 1, maxWaiting: 2, maxWaitingPerSource: 1, now: () => now });
  const g = gate();
  const first = q.run('flood1', 0, g.job);
  const waiting = [q.run('flood2', 0, async () => 'flood2'), q.run('flood3', 0, async () => 'flood3')];
  // flood2's second guess finds its one place taken: refused, and remembered.
  await assert.rejects(
    q.run('flood2', 0, async () => 'again'),
    tooMany,
  );
  // The user from a new address: same rank (no failures anywhere yet), but flood2 was refused.
  const user = q.run('user', 0, async () => 'user');
  await assert.rejects(waiting[0] as Promise<unknown>, tooMany, "flood2's place went to the user");
  // A minute later flood2's refusals are forgotten; flood3 has one now, so flood2 takes its place.
  now += 61_000;
  await assert.rejects(
    q.run('flood3', 0, async () => 'again'),
    tooMany,
  );
  const later = q.run('flood2', 0, async () => 'later');
  await assert.rejects(waiting[1] as Promise<unknown>, tooMany, "flood3's place went to flood2");
  g.open();
  assert.deepEqual(await Promise.all([first, user, later]), ['done', 'user', 'later']);
});

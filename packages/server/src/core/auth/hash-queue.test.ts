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
  const q = new HashQueue({ maxConcurrent: 2, maxWaiting: 10, maxWaitingPerSource: 1 });
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
  const q = new HashQueue({ maxConcurrent: 1, maxWaiting: 2, maxWaitingPerSource: 2 });
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
  const q = new HashQueue({ maxConcurrent: 1, maxWaiting: 4, maxWaitingPerSource: 3 });
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
  // Every address holds one place now: an equal newcomer pushes nobody out.
  await assert.rejects(
    q.run('fifth', 0, async () => 'fifth'),
    tooMany,
  );
  g.open();
  await Promise.all([first, office[0], other, third, fourth]);
  assert.deepEqual(order, ['nat1', 'other', 'third', 'fourth'], 'equal places go by arrival');
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({
    'http.trustProxy': true,
    // A realistic scrypt cost: each failed login is a real hash of about 0.1 s.
    'auth.scryptCost': 16384,
    'auth.maxConcurrentHashes': 2,
    // Fewer places than the flood's attempts at once, so the queue must choose whom to refuse.
    'auth.maxQueuedHashes': 50,
  });
});
after(() => t.stop());

const login = (user: string, password: string, ip: string) =>
  call(t.url, 'POST', '/api/v1/auth/login', { body: { user, password }, headers: { 'x-forwarded-for': ip } });

/** Milliseconds `fn` took, with its result. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

test('400 failing logins from 100 addresses: hashing stays bounded, the page and a valid login stay responsive', async () => {
  const alice = await t.user('alice@flood.test');
  const before = t.core.auth.hashing.stats();
  const statuses: number[] = [];
  let firstRound!: () => void;
  const firstRoundDone = new Promise<void>((resolve) => {
    firstRound = resolve;
  });
  // Each address sends its four guesses as two pairs at once: 200 attempts at a time for 50
  // places; the ones refused are never hashed.
  const guess = async (a: number, n: number) => {
    for (let i = 0; i < 2; i++) {
      // A different account each time: only the queue, no throttle budget, refuses.
      statuses.push((await login(`nobody${a}-${n + i}@flood.test`, 'Winter2026!', `10.8.${a}.1`)).status);
      if (statuses.length === 100) firstRound();
    }
  };
  const floodStart = performance.now();
  const flood = Promise.all(Array.from({ length: 100 }, (_, a) => Promise.all([guess(a, 0), guess(a, 2)])));

  // Once the flood is under way, the real user signs in from an address never seen before.
  await firstRoundDone;
  const startedBefore = t.core.auth.hashing.stats().started;
  const [valid, page] = await Promise.all([
    timed(async () => {
      const res = await login('alice@flood.test', alice.password, '192.0.2.10');
      return { ...res, startedMeanwhile: t.core.auth.hashing.stats().started - startedBefore };
    }),
    timed(() => call(t.url, 'GET', '/', { headers: { accept: 'text/html' } })),
  ]);
  await flood;
  const stats = t.core.auth.hashing.stats();
  // The bounds are in this machine's own time as it runs now: what one hash took during the flood,
  // two at once (a busy machine is slower at everything, and the bounds with it). At the nominal
  // 0.1 s a hash, they are 10 s for the valid login and 5 s for the page.
  const hashMs = ((performance.now() - floodStart) * 2) / (stats.started - before.started);

  assert.equal(valid.value.status, 200, 'the valid login is not refused');
  // Its place is ahead of every flooding address that has failed or been refused already: at most the queue's 50
  // places and the 2 running hashes go before it (and 2 start while it runs), never the whole flood.
  assert.ok(
    valid.value.startedMeanwhile <= 50 + 2 + 2,
    `${valid.value.startedMeanwhile} hashes started between the valid login's request and its answer`,
  );
  assert.ok(
    valid.ms < 100 * hashMs,
    `the valid login took ${Math.round(valid.ms)} ms (a hash ${Math.round(hashMs)} ms)`,
  );
  assert.equal(page.value.status, 200);
  assert.ok(page.ms < 50 * hashMs, `GET / took ${Math.round(page.ms)} ms (a hash ${Math.round(hashMs)} ms)`);

  assert.equal(statuses.length, 400);
  assert.ok(stats.peak <= 2, `at most 2 hashes at once (peak ${stats.peak})`);
  const refused = statuses.filter((s) => s === 429).length;
  const failed = statuses.filter((s) => s === 401).length;
  assert.equal(refused + failed, 400, 'every attempt was a 401 or a 429');
  assert.ok(refused > 0, 'some attempts were over the budget');
  assert.equal(stats.started - before.started, failed + 1, 'hashed: the 401s and the valid login, no 429');
  assert.equal(stats.refused - before.refused, refused, 'every 429 came from the queue, before hashing');
  assert.deepEqual([stats.running, stats.waiting], [0, 0]);
});

test('a company behind one address signs in at once: 16 sign-ins from one address all succeed', async () => {
  const people = [];
  for (let i = 0; i < 16; i++) people.push(await t.user(`worker${i}@nat.test`));
  const answers = await Promise.all(people.map((p, i) => login(`worker${i}@nat.test`, p.password, '198.51.100.7')));
  assert.deepEqual(
    answers.map((a) => a.status),
    people.map(() => 200),
  );
});

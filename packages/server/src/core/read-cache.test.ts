import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadCache } from './read-cache.js';

const clock = {
  t: 0,
  now() {
    return this.t;
  },
};

test('a cached value is served until its time is up or it is forgotten', async () => {
  const cache = new ReadCache<string>(clock, 1000);
  let reads = 0;
  const load = async () => `v${++reads}`;
  assert.equal(await cache.get('k', load), 'v1');
  assert.equal(await cache.get('k', load), 'v1');
  clock.t = 1000;
  assert.equal(await cache.get('k', load), 'v2');
  cache.forget((v) => v === 'v2');
  assert.equal(await cache.get('k', load), 'v3');
  cache.forget();
  assert.equal(await cache.get('k', load), 'v4');
});

test('nothing found is not kept; a read that began before a forget is not kept', async () => {
  const cache = new ReadCache<string>(clock, 1000);
  let value: string | undefined;
  assert.equal(await cache.get('k', async () => value), undefined);
  value = 'created';
  assert.equal(await cache.get('k', async () => value), 'created');
  cache.forget();
  let release = () => {};
  const slow = cache.get('k', () => new Promise<string>((r) => (release = () => r('old'))));
  cache.forget();
  release();
  assert.equal(await slow, 'old');
  assert.equal(await cache.get('k', async () => 'new'), 'new');
});

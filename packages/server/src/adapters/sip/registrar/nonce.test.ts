import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NonceBook } from './nonce.js';

function book(lifetimeSeconds = 300) {
  const clock = { now: 1_800_000_000_000 };
  const nonces = new NonceBook({ key: Buffer.alloc(32, 7), lifetimeSeconds, now: () => clock.now, maxTracked: 2 });
  return { nonces, clock };
}

describe('digest nonces', () => {
  test('a nonce is good for its realm, its lifetime and rising counts', () => {
    const { nonces, clock } = book();
    const nonce = nonces.issue('example.test');
    assert.equal(nonces.check(nonce, 'example.test', '00000001'), 'ok');
    assert.equal(nonces.check(nonce, 'EXAMPLE.test', '00000001'), 'ok');
    assert.equal(nonces.check(nonce, 'other.test', '00000001'), 'invalid');
    nonces.accept(nonce, '00000001');
    assert.equal(nonces.check(nonce, 'example.test', '00000001'), 'replayed');
    assert.equal(nonces.check(nonce, 'example.test', '00000002'), 'ok');
    clock.now += 301_000;
    assert.equal(nonces.check(nonce, 'example.test', '00000002'), 'stale');
  });

  test('forged, altered and foreign nonces are invalid', () => {
    const { nonces } = book();
    const nonce = nonces.issue('example.test');
    const altered = `${nonce.slice(0, 5)}${nonce[5] === 'A' ? 'B' : 'A'}${nonce.slice(6)}`;
    const other = new NonceBook({ key: Buffer.alloc(32, 8), lifetimeSeconds: 300, now: () => 1_800_000_000_000 });
    for (const bad of [altered, '', 'abc', other.issue('example.test'), `${nonce}=`]) {
      assert.equal(nonces.check(bad, 'example.test', '00000001'), 'invalid', bad);
    }
    assert.equal(nonces.check(nonce, 'example.test', 'zz'), 'invalid');
    assert.equal(nonces.check(nonce, 'example.test', '00000000'), 'invalid');
  });

  test('only the newest nonces are tracked: a forgotten one starts its counts over, within its lifetime', () => {
    const { nonces } = book();
    const [a, b, c] = [nonces.issue('r'), nonces.issue('r'), nonces.issue('r')];
    nonces.accept(a, '00000005');
    nonces.accept(b, '00000001');
    nonces.accept(c, '00000001');
    // a was forgotten: its counts start over, which the lifetime bounds.
    assert.equal(nonces.check(a, 'r', '00000001'), 'ok');
    assert.equal(nonces.check(b, 'r', '00000001'), 'replayed');
  });
});

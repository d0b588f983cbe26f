import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyed } from '../../lib/keys.js';
import { looksLikeNumber } from './phone.js';

test('a query written like a phone number may be looked up in reverse', () => {
  for (const n of ['+49 711 123456-12', '0711 1234-56', '+49 (0)711 123456', '1234', '0711/123.45']) {
    assert.equal(looksLikeNumber(n), true, n);
  }
  for (const q of ['anna', 'Muster GmbH', '+', '1', '12 anna', '', 'anna@example.com', '-12']) {
    assert.equal(looksLikeNumber(q), false, q);
  }
});

test('list keys stay unique when items repeat', () => {
  assert.deepEqual(
    keyed(['a', 'b', 'a', 'a'], (x) => x).map(([k]) => k),
    ['a', 'b', 'a#1', 'a#2'],
  );
});

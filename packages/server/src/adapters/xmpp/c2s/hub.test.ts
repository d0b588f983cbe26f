import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomId } from './hub.js';

test('random ids carry the entropy asked for and do not repeat, across refills of the pool', () => {
  const seen = new Set<string>();
  // 16 bytes each: 1,000 ids take the 4 KiB pool about four times over.
  for (let i = 0; i < 1000; i++) {
    const id = randomId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
  assert.equal(Buffer.from(randomId(9), 'base64url').length, 9);
  assert.equal(Buffer.from(randomId(5000), 'base64url').length, 5000);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonOnce } from './json-once.js';

test('an object is serialised once however often it is asked for', () => {
  let calls = 0;
  const event = {
    toJSON() {
      calls++;
      return { type: 'x' };
    },
  };
  assert.equal(jsonOnce(event), '{"type":"x"}');
  assert.equal(jsonOnce(event), '{"type":"x"}');
  assert.equal(calls, 1);
});

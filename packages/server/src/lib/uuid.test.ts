import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidv7 } from './uuid.js';

test('a version 7 UUID: its time first, the version and variant in place, the rest random', () => {
  const at = Date.UTC(2026, 11, 6, 12, 0, 0, 123);
  const id = uuidv7(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16), at);
  assert.notEqual(uuidv7(at), uuidv7(at), 'random within a millisecond');
  const later = [uuidv7(at + 1), uuidv7(at + 1000), uuidv7(at + 86_400_000)];
  for (const next of later) assert.ok(next > id, `${next} sorts after ${id}`);
});

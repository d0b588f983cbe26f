import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSize } from './size.js';

test('file sizes in the reader’s language: bytes written out, then kB, MB, GB with a decimal below 10', () => {
  assert.equal(formatSize(45, 'en'), '45 bytes');
  assert.equal(formatSize(1, 'en'), '1 byte');
  assert.equal(formatSize(45, 'de'), '45 Byte');
  assert.equal(formatSize(999, 'en'), '999 bytes');
  assert.equal(formatSize(1000, 'en'), '1 kB');
  assert.equal(formatSize(340_000, 'en'), '340 kB');
  assert.equal(formatSize(1_234_567, 'en'), '1.2 MB');
  assert.equal(formatSize(1_234_567, 'de'), '1,2 MB');
  assert.equal(formatSize(5_600_000_000, 'en'), '5.6 GB');
});

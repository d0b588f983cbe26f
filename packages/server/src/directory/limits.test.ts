import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLimits, clampLimits, type DirectoryLimits } from './limits.js';

const limits: DirectoryLimits = { maxTimeoutSeconds: 10, maxResponseBytes: 4096, maxFileBytes: 2048, maxContacts: 5 };

describe('directory limits', () => {
  test('settings above a cap are refused with the field and the cap; at or below pass', () => {
    assert.throws(
      () => checkLimits('http', { maxBytes: 4097 }, limits),
      (err: Error & { code?: string }) =>
        err.code === 'PARLEY_ERR_VALIDATION' &&
        err.message === 'config.maxBytes: at most 4096 (directory.limits.maxResponseBytes of the server)',
    );
    assert.throws(() => checkLimits('sql', { timeoutMs: 10_001 }, limits), /config\.timeoutMs: at most 10000/);
    assert.throws(() => checkLimits('ldap', { timeoutMs: 60_000 }, limits), /maxTimeoutSeconds/);
    assert.throws(() => checkLimits('file', { maxBytes: 4096 }, limits), /maxFileBytes/);
    checkLimits('http', { maxBytes: 4096, timeoutMs: 10_000 }, limits);
    checkLimits('file', {}, limits);
  });

  test('at run time every limit is at most its cap, a default above it too', () => {
    assert.deepEqual(clampLimits('http', { url: 'https://x', maxBytes: 1 << 30 }, limits), {
      url: 'https://x',
      maxBytes: 4096,
      timeoutMs: 10_000,
    });
    assert.deepEqual(clampLimits('sql', { timeoutMs: 500 }, limits), { timeoutMs: 500 });
    assert.deepEqual(clampLimits('file', { path: '/srv/a.csv' }, limits), { path: '/srv/a.csv', maxBytes: 2048 });
  });
});

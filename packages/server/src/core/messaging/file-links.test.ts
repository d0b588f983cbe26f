import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkShareToken, readSlotToken, type SlotGrant, shareToken, slotToken } from './file-links.js';

const key = Buffer.alloc(32, 7);
const grant: SlotGrant = {
  tenantId: 't1',
  id: 'f1',
  name: 'plan.pdf',
  uploaderId: 'u1',
  size: 100,
  contentType: 'application/pdf',
  expiresAt: 1000,
};
const at = { tenantId: 't1', id: 'f1', name: 'plan.pdf', now: 999 };

test('a slot token grants exactly its terms, for its file, until it expires', () => {
  const token = slotToken(key, grant);
  assert.deepEqual(readSlotToken(key, at, token), grant);
  const cases: [string, Parameters<typeof readSlotToken>[1], string, Buffer?][] = [
    ['expired', { ...at, now: 1000 }, token],
    ['another file', { ...at, id: 'f2' }, token],
    ['another name', { ...at, name: 'other.pdf' }, token],
    ['another tenant', { ...at, tenantId: 't2' }, token],
    ['another key', at, token, Buffer.alloc(32, 8)],
    [
      'terms changed',
      at,
      `${Buffer.from('{"u":"u1","s":999,"t":"application/pdf","e":1000}').toString('base64url')}.${token.split('.')[1]}`,
    ],
    ['no MAC', at, token.split('.')[0] as string],
    ['extra part', at, `${token}.x`],
  ];
  for (const [what, where, t, k] of cases) {
    assert.equal(readSlotToken(k ?? key, where, t), what === 'expired' ? 'expired' : 'invalid', what);
  }
});

test('a share token names one file of one tenant', () => {
  const token = shareToken(key, 't1', 'f1');
  assert.match(token, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(checkShareToken(key, 't1', 'f1', token), true);
  assert.equal(checkShareToken(key, 't1', 'f2', token), false);
  assert.equal(checkShareToken(key, 't2', 'f1', token), false);
  assert.equal(checkShareToken(key, 't1', 'f1', `${token}A`), false);
  assert.equal(checkShareToken(key, 't1', 'f1', ''), false);
});

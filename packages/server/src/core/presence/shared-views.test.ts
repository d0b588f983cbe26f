import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offlinePresence, type Presence } from './aggregate.js';
import { SharedViews } from './shared-views.js';
import { visibleTo } from './watchers.js';

const busy: Presence = { ...offlinePresence, availability: 'busy', note: 'call me' };
/** A copy as a fresh read from the store gives it: equal, not the same object. */
const read = (p: Presence): Presence => JSON.parse(JSON.stringify(p));

test('while a watch of the tenant is open, equal presence gives the same view per relation', () => {
  const views = new SharedViews();
  const close = views.open('t1');
  const a = views.seen('t1', 'u1', 'a@x.test', busy, 'colleague');
  const rows = [
    { what: 'an equal value read again', got: views.seen('t1', 'u1', 'a@x.test', read(busy), 'colleague'), same: true },
    { what: 'another relation', got: views.seen('t1', 'u1', 'a@x.test', read(busy), 'external'), same: false },
    { what: 'another tenant (no watch open)', got: views.seen('t2', 'u1', 'a@x.test', busy, 'colleague'), same: false },
  ];
  for (const { what, got, same } of rows) assert.equal(got === a, same, what);
  assert.deepEqual(views.seen('t1', 'u1', 'a@x.test', busy, 'external').presence, visibleTo(busy, 'external'));
  const away = views.seen('t1', 'u1', 'a@x.test', { ...busy, availability: 'away' }, 'colleague');
  assert.notEqual(away, a, 'a new value: a new view');
  assert.equal(away.presence.availability, 'away');
  close();
  close();
  assert.notEqual(
    views.seen('t1', 'u1', 'a@x.test', read(busy), 'colleague'),
    views.seen('t1', 'u1', 'a@x.test', busy, 'colleague'),
    'dropped with the last watch',
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Presence } from '../presence/aggregate.js';
import { visibleTo } from '../presence/watchers.js';
import {
  federatedRelation,
  federates,
  subscribesWithoutApproval,
  type TrustLevel,
  trustIn,
  trustLevels,
} from './model.js';

test('a domain has its own level, else the tenant default; names compare without case or trailing dot', () => {
  const trust = {
    defaultLevel: 'public' as TrustLevel,
    domains: [
      { domain: 'partner.test', level: 'trusted' as TrustLevel, updatedAt: 0 },
      { domain: 'spam.test', level: 'blocked' as TrustLevel, updatedAt: 0 },
    ],
  };
  const cases: [string, TrustLevel][] = [
    ['partner.test', 'trusted'],
    ['Partner.TEST.', 'trusted'],
    ['spam.test', 'blocked'],
    ['conference.partner.test', 'public'],
    ['other.test', 'public'],
  ];
  for (const [domain, want] of cases) assert.equal(trustIn(trust, domain), want, domain);
  assert.equal(trustIn({ ...trust, defaultLevel: 'blocked' }, 'other.test'), 'blocked');
});

const busyInMeeting: Presence = {
  availability: 'busy',
  flags: ['on-call', 'meeting'],
  context: 'office',
  note: 'back at 3',
  until: 1_000,
  since: 500,
  nextAppointment: { start: 2_000, end: 3_000, subject: 'Board' },
};

test('what each level lets a federated watcher do and see', () => {
  const rows: [TrustLevel, boolean, boolean, Partial<Presence>][] = [
    // level, federates, subscribes without approval, what it sees of a busy user on the phone in a meeting
    ['blocked', false, false, { availability: 'offline', flags: [], note: null, nextAppointment: null }],
    ['public', true, false, { availability: 'busy', flags: [], note: null, until: null, nextAppointment: null }],
    [
      'business',
      true,
      false,
      { availability: 'busy', flags: ['on-call', 'meeting'], note: null, until: null, nextAppointment: null },
    ],
    [
      'trusted',
      true,
      true,
      {
        availability: 'busy',
        flags: ['on-call', 'meeting'],
        note: 'back at 3',
        until: 1_000,
        nextAppointment: { start: 2_000, end: 3_000, subject: null },
      },
    ],
  ];
  assert.deepEqual(
    rows.map((r) => r[0]),
    [...trustLevels],
  );
  for (const [level, fed, auto, seen] of rows) {
    assert.equal(federates(level), fed, level);
    assert.equal(subscribesWithoutApproval(level), auto, level);
    const got = visibleTo(busyInMeeting, federatedRelation(level));
    for (const [key, want] of Object.entries(seen))
      assert.deepEqual(got[key as keyof Presence], want, `${level}: ${key}`);
  }
});

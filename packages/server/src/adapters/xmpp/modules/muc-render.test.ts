import assert from 'node:assert/strict';
import { test } from 'node:test';
import { x } from '../xml/element.js';
import { HISTORY_DEFAULT, HISTORY_MAX, historyRequest, memberNicks, occupantPresence, roleOf } from './muc-render.js';

const NOW = Date.parse('2026-12-05T12:00:00Z');

test('history requests (XEP-0045 §7.2.14)', () => {
  const cases: [string, ReturnType<typeof x> | undefined, ReturnType<typeof historyRequest>][] = [
    ['absent: the default', undefined, { limit: HISTORY_DEFAULT }],
    ['maxstanzas', x('history', { maxstanzas: '3' }), { limit: 3 }],
    ['maxstanzas above the cap', x('history', { maxstanzas: '100000' }), { limit: HISTORY_MAX }],
    ['maxchars 0: none', x('history', { maxchars: '0' }), { limit: 0 }],
    ['seconds', x('history', { seconds: '60' }), { limit: HISTORY_MAX, start: NOW - 60_000 }],
    ['since', x('history', { since: '2026-12-05T11:00:00Z' }), { limit: HISTORY_MAX, start: NOW - 3_600_000 }],
    [
      'seconds and since: the later',
      x('history', { seconds: '60', since: '2026-12-05T11:00:00Z', maxstanzas: '5' }),
      { limit: 5, start: NOW - 60_000 },
    ],
    [
      'garbage is ignored',
      x('history', { maxstanzas: '-1', seconds: 'x', since: 'yesterday' }),
      { limit: HISTORY_MAX },
    ],
  ];
  for (const [name, h, want] of cases) assert.deepEqual(historyRequest(h, NOW), want, name);
});

test('nicks are display names, with the address where two members share one', () => {
  const nicks = memberNicks([
    { userId: 'a', displayName: 'Alice', address: 'alice@a.test' },
    { userId: 'b', displayName: 'Sam', address: 'sam@a.test' },
    { userId: 'c', displayName: 'Sam', address: 'sam.b@a.test' },
  ]);
  assert.deepEqual(
    [...nicks],
    [
      ['a', 'Alice'],
      ['b', 'Sam (sam@a.test)'],
      ['c', 'Sam (sam.b@a.test)'],
    ],
  );
});

test('roles follow affiliations; occupant presence carries item and status codes', () => {
  assert.deepEqual((['owner', 'admin', 'member', 'none'] as const).map(roleOf), [
    'moderator',
    'moderator',
    'participant',
    'none',
  ]);
  assert.equal(
    occupantPresence(
      'r@conference.a.test',
      'bob@a.test/x',
      { nick: 'Alice', jid: 'alice@a.test', affiliation: 'owner' },
      { unavailable: true, codes: [321] },
    ).toString(),
    '<presence from="r@conference.a.test/Alice" to="bob@a.test/x" type="unavailable"><x xmlns="http://jabber.org/protocol/muc#user">' +
      '<item affiliation="owner" role="none" jid="alice@a.test"/><status code="321"/></x></presence>',
  );
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Aggregate,
  aggregate,
  type ClientInput,
  type LineInput,
  type ManualInput,
  noInputs,
  offlinePresence,
  type PresenceInputs,
  type PublishedState,
  samePresence,
} from './aggregate.js';
import type { CalendarBlock, LineState } from './model.js';
import { presenceFlags } from './model.js';

const H = 3_600_000;
const M = 60_000;
/** 2026-03-02 (a Monday) 10:00 UTC; every time in the table is relative to it. */
const NOW = Date.UTC(2026, 2, 2, 10, 0);

const manual = (m: Partial<ManualInput> = {}): ManualInput => ({
  availability: null,
  note: null,
  context: null,
  until: null,
  validFrom: null,
  validTo: null,
  setAt: NOW - H,
  ...m,
});
const line = (state: LineState, since = NOW - 5 * M, name = 'l1'): LineInput => ({ line: name, state, since });
const desk = (idle = false, since = NOW - 2 * H, id = 'c1'): ClientInput => ({ id, mobile: false, idle, since });
const phone = (idle = false, since = NOW - 2 * H, id = 'm1'): ClientInput => ({ id, mobile: true, idle, since });
/** A desk phone's PUBLISH: a client that says something of its user. */
const pub = (
  p: Partial<PublishedState> = {},
  o: { idle?: boolean; since?: number; id?: string } = {},
): ClientInput => ({
  id: o.id ?? 'publish:p1',
  mobile: false,
  idle: o.idle ?? false,
  since: o.since ?? NOW - 10 * M,
  published: { open: true, availability: null, onCall: false, note: null, ...p },
});
const block = (
  start: number,
  end: number,
  show: CalendarBlock['show'] = 'busy',
  subject: string | null = 'Standup',
): CalendarBlock => ({ start, end, show, subject });
const cal = (...blocks: CalendarBlock[]) => ({ blocks, fetchedAt: NOW - M, stale: false });
/** Call settings: do not disturb and immediate forwarding, each on since then (null: off). */
const settings = (dndSince: number | null, forwardedSince: number | null = null) => ({ dndSince, forwardedSince });

interface Row {
  name: string;
  in: Partial<PresenceInputs>;
  at?: number;
  expect: Partial<Aggregate['presence']> & { manualBroken?: boolean; nextChange?: number | null };
}

const rows: Row[] = [
  // Connectivity
  { name: 'nothing at all → offline', in: {}, expect: { availability: 'offline', flags: [], until: null } },
  { name: 'one active desk client → available', in: { clients: [desk()] }, expect: { availability: 'available' } },
  {
    name: 'a registered idle line only → available',
    in: { lines: [line('idle')] },
    expect: { availability: 'available', flags: [] },
  },
  {
    name: 'a forwarded line only → available + forwarded',
    in: { lines: [line('forwarded')] },
    expect: { availability: 'available', flags: ['forwarded'] },
  },
  {
    name: 'all clients idle → away + idle, since the last went idle',
    in: { clients: [desk(true, NOW - 20 * M), phone(true, NOW - 10 * M)] },
    expect: { availability: 'away', flags: ['idle'], since: NOW - 10 * M },
  },
  {
    name: 'one of two clients active → available, no idle flag',
    in: { clients: [desk(true), phone(false)] },
    expect: { availability: 'available', flags: [] },
  },
  { name: 'only mobile clients → mobile flag', in: { clients: [phone()] }, expect: { flags: ['mobile'] } },
  {
    name: 'mobile and desk → no mobile flag',
    in: { clients: [phone(), desk()] },
    expect: { flags: [], availability: 'available' },
  },
  {
    name: 'idle mobile only → away + idle + mobile',
    in: { clients: [phone(true)] },
    expect: { availability: 'away', flags: ['idle', 'mobile'] },
  },
  // Phone and rtc
  {
    name: 'ringing → busy + ringing',
    in: { clients: [desk()], lines: [line('ringing')] },
    expect: { availability: 'busy', flags: ['ringing'], since: NOW - 5 * M },
  },
  ...(['dialing', 'connected', 'held'] as const).map((state) => ({
    name: `${state} → busy + on-call`,
    in: { clients: [desk()], lines: [line(state)] },
    expect: { availability: 'busy' as const, flags: ['on-call' as const] },
  })),
  {
    name: 'one line ringing while another is connected → both flags, since the earlier',
    in: { lines: [line('connected', NOW - 9 * M, 'l1'), line('ringing', NOW - M, 'l2')] },
    expect: { availability: 'busy', flags: ['ringing', 'on-call'], since: NOW - 9 * M },
  },
  {
    name: 'a call with no client connected is still busy (not offline)',
    in: { lines: [line('connected')] },
    expect: { availability: 'busy' },
  },
  { name: 'line dnd → dnd', in: { clients: [desk()], lines: [line('dnd')] }, expect: { availability: 'dnd' } },
  {
    name: 'rtc session of two → busy + on-call',
    in: { clients: [desk()], rtc: [{ id: 'r', participants: 2, since: NOW - M }] },
    expect: { availability: 'busy', flags: ['on-call'] },
  },
  {
    name: 'rtc session of three → busy + on-call + conference',
    in: { clients: [desk()], rtc: [{ id: 'r', participants: 3, since: NOW - M }] },
    expect: { availability: 'busy', flags: ['on-call', 'conference'] },
  },
  {
    name: 'idle client but on the phone → busy, idle flag kept',
    in: { clients: [desk(true)], lines: [line('connected')] },
    expect: { availability: 'busy', flags: ['on-call', 'idle'] },
  },
  // Calendar
  {
    name: 'in a meeting → busy + meeting until its end',
    in: { clients: [desk()], calendar: cal(block(NOW - 30 * M, NOW + 30 * M)) },
    expect: {
      availability: 'busy',
      flags: ['meeting'],
      until: NOW + 30 * M,
      since: NOW - 30 * M,
      nextChange: NOW + 30 * M,
    },
  },
  {
    name: 'back-to-back meetings merge: until is the end of the last',
    in: {
      clients: [desk()],
      calendar: cal(
        block(NOW - 30 * M, NOW + 30 * M),
        block(NOW + 30 * M, NOW + 90 * M),
        block(NOW + 2 * H, NOW + 3 * H),
      ),
    },
    expect: { availability: 'busy', until: NOW + 90 * M },
  },
  {
    name: 'overlapping meetings merge (unsorted input)',
    in: { clients: [desk()], calendar: cal(block(NOW, NOW + 2 * H), block(NOW - H, NOW + 30 * M)) },
    expect: { availability: 'busy', until: NOW + 2 * H, since: NOW - H },
  },
  {
    name: 'a gap of a minute does not merge',
    in: { clients: [desk()], calendar: cal(block(NOW - H, NOW + H), block(NOW + H + M, NOW + 2 * H)) },
    expect: { until: NOW + H },
  },
  {
    name: 'meeting ended exactly now → not in a meeting',
    in: { clients: [desk()], calendar: cal(block(NOW - H, NOW)) },
    expect: { availability: 'available', flags: [] },
  },
  {
    name: 'meeting starting exactly now → in it',
    in: { clients: [desk()], calendar: cal(block(NOW, NOW + H)) },
    expect: { availability: 'busy', flags: ['meeting'] },
  },
  {
    name: 'free and tentative blocks do not make busy',
    in: { clients: [desk()], calendar: cal(block(NOW - H, NOW + H, 'free'), block(NOW - H, NOW + H, 'tentative')) },
    expect: { availability: 'available', flags: [] },
  },
  {
    name: 'meeting with no client connected → busy, not offline',
    in: { calendar: cal(block(NOW - H, NOW + H)) },
    expect: { availability: 'busy', flags: ['meeting'] },
  },
  {
    name: 'out of office → away + out-of-office until its end',
    in: { clients: [desk()], calendar: cal(block(NOW - 24 * H, NOW + 48 * H, 'out-of-office', 'Vacation')) },
    expect: { availability: 'away', flags: ['out-of-office'], until: NOW + 48 * H },
  },
  {
    name: 'out of office beats a meeting inside it (both flags)',
    in: { calendar: cal(block(NOW - H, NOW + H), block(NOW - 24 * H, NOW + 48 * H, 'out-of-office')) },
    expect: { availability: 'away', flags: ['meeting', 'out-of-office'], until: NOW + 48 * H },
  },
  {
    name: 'ringing beats the calendar',
    in: { lines: [line('ringing')], calendar: cal(block(NOW - H, NOW + H)) },
    expect: { availability: 'busy', flags: ['ringing', 'meeting'], until: null },
  },
  {
    name: 'on-call beats out of office',
    in: { lines: [line('connected')], calendar: cal(block(NOW - H, NOW + H, 'out-of-office')) },
    expect: { availability: 'busy', flags: ['on-call', 'out-of-office'] },
  },
  {
    name: 'meeting beats idle',
    in: { clients: [desk(true)], calendar: cal(block(NOW - H, NOW + H)) },
    expect: { availability: 'busy', flags: ['meeting', 'idle'] },
  },
  {
    name: 'next appointment is the first block starting later (tentative counts)',
    in: {
      clients: [desk()],
      calendar: cal(
        block(NOW + 3 * H, NOW + 4 * H),
        block(NOW + H, NOW + 2 * H, 'tentative', 'Maybe'),
        block(NOW - H, NOW - M),
      ),
    },
    expect: { nextAppointment: { start: NOW + H, end: NOW + 2 * H, subject: 'Maybe' }, nextChange: NOW + H },
  },
  {
    name: 'free blocks are no appointment',
    in: { clients: [desk()], calendar: cal(block(NOW + H, NOW + 2 * H, 'free')) },
    expect: { nextAppointment: null, nextChange: null },
  },
  {
    name: 'a stale calendar still counts (blocks of the last good poll)',
    in: { clients: [desk()], calendar: { ...cal(block(NOW - H, NOW + H)), stale: true } },
    expect: { availability: 'busy' },
  },
  // Manual
  {
    name: 'manual away holds',
    in: { clients: [desk()], manual: manual({ availability: 'away' }) },
    expect: { availability: 'away', since: NOW - H },
  },
  {
    name: 'manual busy with until',
    in: { clients: [desk()], manual: manual({ availability: 'busy', until: NOW + H }) },
    expect: { availability: 'busy', until: NOW + H },
  },
  {
    name: 'manual with validTo: until defaults to validTo, next change then',
    in: { clients: [desk()], manual: manual({ availability: 'away', validTo: NOW + H }) },
    expect: { availability: 'away', until: NOW + H, nextChange: NOW + H },
  },
  {
    name: 'manual before its validFrom is not active yet',
    in: { clients: [desk()], manual: manual({ availability: 'dnd', validFrom: NOW + H, note: 'later' }) },
    expect: { availability: 'available', note: null, nextChange: NOW + H },
  },
  {
    name: 'manual after its validTo is over',
    in: { clients: [desk()], manual: manual({ availability: 'dnd', validTo: NOW, note: 'gone' }) },
    expect: { availability: 'available', note: null, flags: [] },
  },
  {
    name: 'manual state keeps a user with no client from offline',
    in: { manual: manual({ availability: 'away' }) },
    expect: { availability: 'away' },
  },
  {
    name: 'manual offline (appear offline)',
    in: { clients: [desk()], manual: manual({ availability: 'offline' }) },
    expect: { availability: 'offline' },
  },
  {
    name: 'manual available overrides a meeting that was already running',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'available' }),
      calendar: cal(block(NOW - 2 * H, NOW + H)),
    },
    expect: { availability: 'available', flags: ['meeting'], manualBroken: false },
  },
  {
    name: 'a meeting starting after the manual state ends it (anchor rule)',
    in: { clients: [desk()], manual: manual({ availability: 'away' }), calendar: cal(block(NOW - 30 * M, NOW + H)) },
    expect: { availability: 'busy', until: NOW + H, manualBroken: true },
  },
  {
    name: 'a meeting that started and ended after the manual state still ended it',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'busy' }),
      calendar: cal(block(NOW - 30 * M, NOW - 10 * M)),
    },
    expect: { availability: 'available', manualBroken: true },
  },
  {
    name: 'a tentative block starting later does not end it',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'away' }),
      calendar: cal(block(NOW - 30 * M, NOW + H, 'tentative')),
    },
    expect: { availability: 'away', manualBroken: false },
  },
  {
    name: 'a call that started after the manual state ends it',
    in: { clients: [desk()], manual: manual({ availability: 'away' }), lines: [line('connected', NOW - M)] },
    expect: { availability: 'busy', flags: ['on-call'], manualBroken: true },
  },
  {
    name: 'a call already running when the manual state was set does not end it',
    in: { clients: [desk()], manual: manual({ availability: 'away' }), lines: [line('connected', NOW - 2 * H)] },
    expect: { availability: 'away', flags: ['on-call'], manualBroken: false },
  },
  {
    name: 'ringing after the manual state ends it',
    in: { manual: manual({ availability: 'available' }), lines: [line('ringing', NOW - M)] },
    expect: { availability: 'busy', manualBroken: true },
  },
  {
    name: 'an rtc session after the manual state ends it',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'away' }),
      rtc: [{ id: 'r', participants: 2, since: NOW - M }],
    },
    expect: { availability: 'busy', manualBroken: true },
  },
  {
    name: 'the anchor of a manual state with validFrom is validFrom',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'away', setAt: NOW - 3 * H, validFrom: NOW - 10 * M }),
      lines: [line('connected', NOW - 20 * M)],
    },
    expect: { availability: 'away', manualBroken: false, since: NOW - 10 * M },
  },
  {
    name: 'going idle after manual available ends it → away',
    in: { clients: [desk(true, NOW - 5 * M)], manual: manual({ availability: 'available' }) },
    expect: { availability: 'away', flags: ['idle'], manualBroken: true },
  },
  {
    name: 'going idle does not end a manual busy',
    in: { clients: [desk(true, NOW - 5 * M)], manual: manual({ availability: 'busy' }) },
    expect: { availability: 'busy', flags: ['idle'], manualBroken: false },
  },
  {
    name: 'manual dnd holds through ringing and meetings',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'dnd' }),
      lines: [line('ringing', NOW - M)],
      calendar: cal(block(NOW - 30 * M, NOW + H)),
    },
    expect: { availability: 'dnd', flags: ['ringing', 'meeting'], manualBroken: false, until: null },
  },
  {
    name: 'manual dnd until validTo',
    in: { manual: manual({ availability: 'dnd', validTo: NOW + 2 * H }) },
    expect: { availability: 'dnd', until: NOW + 2 * H },
  },
  {
    name: 'manual note only: system state + note flag',
    in: { clients: [desk()], manual: manual({ note: 'at the dentist' }) },
    expect: { availability: 'available', flags: ['note'], note: 'at the dentist', since: null },
  },
  {
    name: 'note only does not keep a user with no client online',
    in: { manual: manual({ note: 'hi' }) },
    expect: { availability: 'offline', flags: ['note'] },
  },
  {
    name: 'a note stays when the manual availability is ended',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'away', note: 'back soon', context: 'break' }),
      lines: [line('ringing', NOW - M)],
    },
    expect: {
      availability: 'busy',
      note: 'back soon',
      context: 'break',
      flags: ['ringing', 'note'],
      manualBroken: true,
    },
  },
  {
    name: 'context home-office',
    in: { clients: [desk()], manual: manual({ context: 'home-office' }) },
    expect: { context: 'home-office', flags: [] },
  },
  {
    name: 'manual state holds through out of office starting before it',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'available' }),
      calendar: cal(block(NOW - 24 * H, NOW + 24 * H, 'out-of-office')),
    },
    expect: { availability: 'available', flags: ['out-of-office'] },
  },
  {
    name: 'next change: the earliest of manual validTo and block boundaries',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'away', validTo: NOW + 2 * H }),
      calendar: cal(block(NOW + H, NOW + 3 * H, 'tentative')),
    },
    expect: { nextChange: NOW + H },
  },
  // Published by a device (SIP PUBLISH)
  { name: 'a published open state → available', in: { clients: [pub()] }, expect: { availability: 'available' } },
  {
    name: 'a published closed state counts as no client → offline',
    in: { clients: [pub({ open: false, availability: 'busy', onCall: true })] },
    expect: { availability: 'offline', flags: [] },
  },
  {
    name: 'a closed publication does not make the other clients idle',
    in: { clients: [desk(true, NOW - 5 * M), pub({ open: false })] },
    expect: { availability: 'away', flags: ['idle'], since: NOW - 5 * M },
  },
  {
    name: 'published idle with an idle desk → away since the later',
    in: { clients: [desk(true, NOW - 20 * M), pub({}, { idle: true, since: NOW - 5 * M })] },
    expect: { availability: 'away', flags: ['idle'], since: NOW - 5 * M },
  },
  {
    name: 'published on the phone → busy + on-call since then',
    in: { clients: [desk(), pub({ onCall: true }, { since: NOW - 3 * M })] },
    expect: { availability: 'busy', flags: ['on-call'], since: NOW - 3 * M },
  },
  {
    name: 'published busy → busy (below calls and meetings)',
    in: { clients: [desk(), pub({ availability: 'busy' })] },
    expect: { availability: 'busy', flags: [], since: NOW - 10 * M },
  },
  {
    name: 'published away beats idle/active clients',
    in: { clients: [desk(), pub({ availability: 'away' })] },
    expect: { availability: 'away', since: NOW - 10 * M },
  },
  {
    name: 'the newest publication decides between two devices',
    in: {
      clients: [
        pub({ availability: 'away' }, { since: NOW - 30 * M, id: 'publish:a' }),
        pub({ availability: 'busy' }, { since: NOW - 2 * M, id: 'publish:b' }),
      ],
    },
    expect: { availability: 'busy', since: NOW - 2 * M },
  },
  {
    name: 'a meeting beats published away',
    in: { clients: [pub({ availability: 'away' })], calendar: cal(block(NOW - M, NOW + H)) },
    expect: { availability: 'busy', flags: ['meeting'], until: NOW + H },
  },
  {
    name: 'published dnd → dnd, like a line in dnd',
    in: { clients: [pub({ availability: 'dnd' })], lines: [line('ringing')] },
    expect: { availability: 'dnd', flags: ['ringing'] },
  },
  {
    name: 'a manual state beats a published one',
    in: { clients: [pub({ availability: 'busy' }, { since: NOW - 2 * H })], manual: manual({ availability: 'away' }) },
    expect: { availability: 'away', manualBroken: false },
  },
  {
    name: 'a published call after the anchor ends a manual availability',
    in: { clients: [pub({ onCall: true }, { since: NOW - M })], manual: manual({ availability: 'available' }) },
    expect: { availability: 'busy', flags: ['on-call'], manualBroken: true },
  },
  {
    name: 'a published note shows when there is no manual note',
    in: { clients: [pub({ note: 'in the lab' })] },
    expect: { note: 'in the lab', flags: ['note'] },
  },
  {
    name: 'the manual note beats a published one',
    in: { clients: [pub({ note: 'in the lab' })], manual: manual({ note: 'at the dentist' }) },
    expect: { note: 'at the dentist' },
  },
  // Call settings (core/forwarding): the switch refuses or forwards, so they hold without a client.
  {
    name: 'call settings DND → dnd, since it went on',
    in: { clients: [desk()], callSettings: settings(NOW - 30 * M) },
    expect: { availability: 'dnd', flags: [], since: NOW - 30 * M, until: null },
  },
  {
    name: 'call settings DND with no client and no line → dnd, not offline',
    in: { callSettings: settings(NOW - 30 * M) },
    expect: { availability: 'dnd', since: NOW - 30 * M },
  },
  {
    name: 'call settings DND beats a call and a meeting; their flags stay',
    in: { lines: [line('connected')], calendar: cal(block(NOW - M, NOW + H)), callSettings: settings(NOW - H) },
    expect: { availability: 'dnd', flags: ['on-call', 'meeting'], until: null, since: NOW - H },
  },
  {
    name: 'call settings DND switched on after a manual availability ends it (anchor rule)',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'available', note: 'n' }),
      callSettings: settings(NOW - M),
    },
    expect: { availability: 'dnd', since: NOW - M, note: 'n', manualBroken: true },
  },
  {
    name: 'a manual availability set while call settings DND is on holds (it is the newer statement)',
    in: {
      clients: [desk()],
      manual: manual({ availability: 'away', setAt: NOW - M }),
      callSettings: settings(NOW - H),
    },
    expect: { availability: 'away', since: NOW - M, manualBroken: false },
  },
  {
    name: 'a manual dnd is not ended by call settings DND',
    in: { clients: [desk()], manual: manual({ availability: 'dnd' }), callSettings: settings(NOW - M) },
    expect: { availability: 'dnd', since: NOW - H, manualBroken: false },
  },
  {
    name: 'a call ends a manual state set while DND was on; DND shows again',
    in: {
      lines: [line('connected', NOW - M)],
      manual: manual({ availability: 'available', setAt: NOW - 10 * M }),
      callSettings: settings(NOW - H),
    },
    expect: { availability: 'dnd', flags: ['on-call'], since: NOW - H, manualBroken: true },
  },
  {
    name: 'immediate forwarding → forwarded flag; the availability is unchanged',
    in: { clients: [desk()], callSettings: settings(null, NOW - M) },
    expect: { availability: 'available', flags: ['forwarded'], since: null },
  },
  {
    name: 'immediate forwarding is no system event: a manual availability holds',
    in: { clients: [desk()], manual: manual({ availability: 'busy' }), callSettings: settings(null, NOW - M) },
    expect: { availability: 'busy', flags: ['forwarded'], manualBroken: false },
  },
  {
    name: 'immediate forwarding with no client and no line → offline + forwarded',
    in: { callSettings: settings(null, NOW - M) },
    expect: { availability: 'offline', flags: ['forwarded'] },
  },
  {
    name: 'DND and immediate forwarding together → dnd + forwarded',
    in: { clients: [phone()], callSettings: settings(NOW - H, NOW - M) },
    expect: { availability: 'dnd', flags: ['mobile', 'forwarded'], since: NOW - H },
  },
];

describe('presence aggregation', () => {
  for (const row of rows) {
    test(row.name, () => {
      const inputs: PresenceInputs = { ...noInputs(), ...row.in };
      const r = aggregate(inputs, row.at ?? NOW);
      const { manualBroken, nextChange, ...presence } = row.expect;
      for (const [key, value] of Object.entries(presence)) {
        assert.deepEqual(r.presence[key as keyof typeof presence], value, key);
      }
      if (manualBroken !== undefined) assert.equal(r.manualBroken, manualBroken, 'manualBroken');
      if (nextChange !== undefined) assert.equal(r.nextChange, nextChange, 'nextChange');
    });
  }

  test('flags come in canonical order and without duplicates', () => {
    const r = aggregate(
      {
        manual: manual({ note: 'n' }),
        lines: [line('ringing'), line('ringing', NOW - M, 'l2'), line('connected', NOW - M, 'l3')],
        calendar: cal(block(NOW - H, NOW + H), block(NOW - H, NOW + H, 'out-of-office')),
        clients: [phone(true)],
        rtc: [{ id: 'r', participants: 4, since: NOW }],
        callSettings: settings(null, NOW - M),
      },
      NOW,
    );
    assert.deepEqual(r.presence.flags, presenceFlags, 'every flag, in canonical order');
  });

  test('is pure: same inputs, same result; inputs untouched', () => {
    const inputs: PresenceInputs = {
      manual: null,
      lines: [],
      calendar: cal(block(NOW + H, NOW + 2 * H), block(NOW - H, NOW + H)),
      clients: [desk()],
      rtc: [],
      callSettings: settings(NOW - H, NOW - M),
    };
    const copy = structuredClone(inputs);
    assert.deepEqual(aggregate(inputs, NOW), aggregate(inputs, NOW));
    assert.deepEqual(inputs, copy);
  });

  test('samePresence compares every field', () => {
    const a = aggregate({ ...noInputs(), clients: [desk()] }, NOW).presence;
    assert.equal(samePresence(a, { ...a }), true);
    assert.equal(samePresence(a, offlinePresence), false);
    assert.equal(samePresence(a, { ...a, flags: ['idle'] }), false);
    assert.equal(samePresence(a, { ...a, nextAppointment: { start: 1, end: 2, subject: null } }), false);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { secondlyBomb } from '../../../test/support/calendar.js';
import type { CalendarBlock } from '../presence/model.js';
import { CalendarFormatError, CalendarTooComplexError, expandIcs, parseIcs, showOf, wallClockToUtc } from './ics.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/calendar/${name}`, import.meta.url), 'utf8');
const at = (iso: string) => Date.parse(iso);
const iso = (b: CalendarBlock) => ({
  start: new Date(b.start).toISOString(),
  end: new Date(b.end).toISOString(),
  show: b.show,
  subject: b.subject,
});
const wrap = (body: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n${body}\r\nEND:VCALENDAR\r\n`;
const event = (lines: string[]) =>
  wrap(['BEGIN:VEVENT', 'DTSTAMP:20260301T000000Z', ...lines, 'END:VEVENT'].join('\r\n'));

describe('ICS expansion', () => {
  test('weekly recurrence across the spring DST change in Europe/Berlin, with EXDATE, a moved and a cancelled override', () => {
    const blocks = expandIcs([fixture('berlin-weekly.ics')], {
      from: at('2026-03-20T00:00:00Z'),
      to: at('2026-04-25T00:00:00Z'),
    });
    assert.deepEqual(blocks.map(iso), [
      // 10:00 CET = 09:00 UTC
      { start: '2026-03-23T09:00:00.000Z', end: '2026-03-23T10:00:00.000Z', show: 'busy', subject: 'Team standup' },
      // 10:00 CEST = 08:00 UTC (DST began 2026-03-29)
      { start: '2026-03-30T08:00:00.000Z', end: '2026-03-30T09:00:00.000Z', show: 'busy', subject: 'Team standup' },
      // 2026-04-06 is an EXDATE; 2026-04-13 moved to 14:00–15:30 CEST; 2026-04-20 cancelled
      {
        start: '2026-04-13T12:00:00.000Z',
        end: '2026-04-13T13:30:00.000Z',
        show: 'busy',
        subject: 'Team standup (moved)',
      },
    ]);
  });

  test('the autumn DST change moves the UTC time back', () => {
    const blocks = expandIcs([fixture('berlin-weekly.ics')], {
      from: at('2026-10-19T00:00:00Z'),
      to: at('2026-10-27T00:00:00Z'),
    });
    assert.deepEqual(
      blocks.map((b) => new Date(b.start).toISOString()),
      ['2026-10-19T08:00:00.000Z', '2026-10-26T09:00:00.000Z'],
    );
  });

  test('overrides in a separate calendar (one CalDAV resource each) still apply to their master', () => {
    const text = fixture('berlin-weekly.ics');
    const [head, ...events] = text.split('BEGIN:VEVENT');
    const tz = head as string;
    const master = `${tz}BEGIN:VEVENT${events[0]?.replace(/END:VCALENDAR\s*$/, '')}END:VCALENDAR\r\n`;
    const moved = `${tz}BEGIN:VEVENT${events[1]?.replace(/END:VCALENDAR\s*$/, '')}END:VCALENDAR\r\n`;
    const blocks = expandIcs([moved, master], { from: at('2026-04-13T00:00:00Z'), to: at('2026-04-14T00:00:00Z') });
    assert.deepEqual(blocks.map(iso), [
      {
        start: '2026-04-13T12:00:00.000Z',
        end: '2026-04-13T13:30:00.000Z',
        show: 'busy',
        subject: 'Team standup (moved)',
      },
    ]);
  });

  test('an override moving a later occurrence into the window is found', () => {
    const text = event([
      'UID:r@t',
      'DTSTART:20260601T090000Z',
      'DTEND:20260601T100000Z',
      'RRULE:FREQ=DAILY;COUNT=30',
      'SUMMARY:daily',
    ]).replace(
      'END:VCALENDAR',
      [
        'BEGIN:VEVENT',
        'UID:r@t',
        'DTSTAMP:20260301T000000Z',
        'RECURRENCE-ID:20260620T090000Z',
        'DTSTART:20260602T150000Z',
        'DTEND:20260602T160000Z',
        'SUMMARY:pulled forward',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n'),
    );
    const blocks = expandIcs([text], { from: at('2026-06-02T00:00:00Z'), to: at('2026-06-03T00:00:00Z') });
    assert.deepEqual(
      blocks.map((b) => b.subject),
      ['daily', 'pulled forward'],
    );
  });

  test('all-day OOF, transparent, cancelled, tentative, Exchange busy status, private, IANA TZID without VTIMEZONE', () => {
    const blocks = expandIcs([fixture('kinds.ics')], {
      from: at('2026-04-01T00:00:00Z'),
      to: at('2026-04-03T00:00:00Z'),
      timeZone: 'Europe/Berlin',
    });
    assert.deepEqual(blocks.map(iso), [
      // all-day in the user's zone: midnight Berlin (CEST) = 22:00 UTC the day before; CDO OOF beats TRANSP
      {
        start: '2026-03-31T22:00:00.000Z',
        end: '2026-04-02T22:00:00.000Z',
        show: 'out-of-office',
        subject: 'Vacation',
      },
      { start: '2026-04-01T11:00:00.000Z', end: '2026-04-01T12:00:00.000Z', show: 'free', subject: 'Lunch reminder' },
      { start: '2026-04-01T15:00:00.000Z', end: '2026-04-01T15:30:00.000Z', show: 'tentative', subject: 'Maybe' },
      {
        start: '2026-04-01T16:00:00.000Z',
        end: '2026-04-01T17:00:00.000Z',
        show: 'free',
        subject: 'Exchange says free',
      },
      {
        start: '2026-04-01T17:00:00.000Z',
        end: '2026-04-01T17:30:00.000Z',
        show: 'tentative',
        subject: 'Exchange says tentative',
      },
      { start: '2026-04-01T18:00:00.000Z', end: '2026-04-01T19:00:00.000Z', show: 'busy', subject: null },
      // America/New_York has no VTIMEZONE in the file: 09:00 EDT = 13:00 UTC through Intl
      { start: '2026-04-02T13:00:00.000Z', end: '2026-04-02T14:00:00.000Z', show: 'busy', subject: 'New York call' },
    ]);
  });

  test('all-day events default to UTC and floating times use the user zone', () => {
    const text = event(['UID:f@t', 'DTSTART:20260701T090000', 'DTEND:20260701T100000', 'SUMMARY:floating']);
    const [b] = expandIcs([text], {
      from: at('2026-07-01T00:00:00Z'),
      to: at('2026-07-02T00:00:00Z'),
      timeZone: 'Asia/Tokyo',
    });
    assert.equal(b && new Date(b.start).toISOString(), '2026-07-01T00:00:00.000Z');
    const [d] = expandIcs([event(['UID:d@t', 'DTSTART;VALUE=DATE:20260701', 'SUMMARY:day'])], {
      from: at('2026-07-01T00:00:00Z'),
      to: at('2026-07-02T00:00:00Z'),
    });
    assert.deepEqual(d && iso(d), {
      start: '2026-07-01T00:00:00.000Z',
      end: '2026-07-02T00:00:00.000Z',
      show: 'busy',
      subject: 'day',
    });
  });

  test('events outside the window are left out; touching the window start does not count', () => {
    const text = wrap(
      [
        [
          'BEGIN:VEVENT',
          'UID:a@t',
          'DTSTAMP:20260301T000000Z',
          'DTSTART:20260501T080000Z',
          'DTEND:20260501T090000Z',
          'END:VEVENT',
        ],
        [
          'BEGIN:VEVENT',
          'UID:b@t',
          'DTSTAMP:20260301T000000Z',
          'DTSTART:20260501T090000Z',
          'DTEND:20260501T100000Z',
          'END:VEVENT',
        ],
        [
          'BEGIN:VEVENT',
          'UID:c@t',
          'DTSTAMP:20260301T000000Z',
          'DTSTART:20260501T120000Z',
          'DTEND:20260501T130000Z',
          'END:VEVENT',
        ],
      ]
        .map((l) => l.join('\r\n'))
        .join('\r\n'),
    );
    const blocks = expandIcs([text], { from: at('2026-05-01T09:00:00Z'), to: at('2026-05-01T12:00:00Z') });
    assert.deepEqual(
      blocks.map((b) => new Date(b.start).toISOString()),
      ['2026-05-01T09:00:00.000Z'],
    );
  });

  test('a runaway rule is cut off after maxSteps instead of hanging', () => {
    const text = event(['UID:bomb@t', 'DTSTART:20000101T000000Z', 'DTEND:20000101T000001Z', 'RRULE:FREQ=SECONDLY']);
    const started = Date.now();
    const blocks = expandIcs([text], {
      from: at('2026-01-01T00:00:00Z'),
      to: at('2026-01-02T00:00:00Z'),
      maxSteps: 5000,
    });
    assert.equal(blocks.length, 0);
    // Uncut, the rule never ends: returning at all shows the cut; the bound only tells a failure
    // from a hang.
    assert.ok(Date.now() - started < 30_000);
  });

  test('many FREQ=SECONDLY events stop at the budget of the whole calendar: too complex', () => {
    // Each event alone stays under its own step limit; together they exceed the calendar's budget.
    const bomb = secondlyBomb(at('2026-01-01T00:00:00Z'), 50);
    const window = { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-02T00:00:00Z'), maxSteps: 2000 };
    assert.throws(
      () => expandIcs([bomb], { ...window, maxInstances: 1000 }),
      (err: Error) => {
        assert.ok(err instanceof CalendarTooComplexError);
        assert.equal(err.message, 'calendar too complex: more than 1,000 instances in the window');
        return true;
      },
    );
    // Steps before the window count too: the same bomb from the year 2000 has no instance in it.
    const old = secondlyBomb(at('2000-01-01T00:00:00Z'), 50);
    assert.throws(
      () => expandIcs([old], { ...window, maxTotalSteps: 5000 }),
      /^CalendarTooComplexError: calendar too complex: more than 5,000 recurrence steps$/,
    );
    // Within the budget the calendar expands as before.
    assert.equal(expandIcs([secondlyBomb(at('2026-01-01T23:59:00Z'), 1)], window).length, 60);
  });

  test('an invalid recurrence rule rejects the body with the reason, without quoting the body', () => {
    const text = event(['UID:bad@t', 'DTSTART:20260501T080000Z', 'RRULE:FREQ=WEEKLY;BYDAY=XX']);
    assert.throws(
      () => expandIcs([text], { from: at('2026-05-01T00:00:00Z'), to: at('2026-05-02T00:00:00Z') }),
      /^CalendarFormatError: malformed iCalendar: invalid BYDAY value$/,
    );
    assert.throws(
      () =>
        parseIcs(
          'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDB_PASSWORD secret-from-an-internal-page\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
        ),
      (err: Error) =>
        err instanceof CalendarFormatError && err.message === 'malformed iCalendar: a line is no property (NAME:value)',
    );
  });

  test('odd but parseable rules (INTERVAL=0, impossible dates) terminate', () => {
    for (const rule of ['FREQ=DAILY;INTERVAL=0', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30']) {
      const text = event(['UID:odd@t', 'DTSTART:20260101T000000Z', 'DTEND:20260101T010000Z', `RRULE:${rule}`]);
      const blocks = expandIcs([text], { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-05T00:00:00Z') });
      assert.ok(blocks.length <= 4, rule);
    }
  });
});

describe('ICS validation', () => {
  test('malformed input is rejected with a clear error', () => {
    assert.throws(
      () => parseIcs('<html>not a calendar</html>'),
      (err: Error) => {
        assert.ok(err instanceof CalendarFormatError);
        assert.match(err.message, /not an iCalendar body/);
        return true;
      },
    );
    assert.throws(() => parseIcs('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nthis is no property\r\n'), CalendarFormatError);
    assert.throws(() => parseIcs('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'), /malformed iCalendar/);
    assert.throws(() => parseIcs('BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'), CalendarFormatError);
  });

  test('bodies above the size limit are rejected before parsing', () => {
    const big = wrap(`X-PAD:${'x'.repeat(2000)}`);
    assert.throws(() => parseIcs(big, 1000), /exceeds 1000 bytes/);
    assert.doesNotThrow(() => parseIcs(big, 10_000));
  });

  test('show rules: CANCELLED is dropped, CDO status beats TRANSP, TRANSPARENT is free, TENTATIVE is tentative', () => {
    const show = (lines: string[]) => {
      const cal = parseIcs(event(['UID:x@t', 'DTSTART:20260101T000000Z', ...lines]));
      const ev = cal.getFirstSubcomponent('vevent');
      assert.ok(ev);
      return showOf(ev);
    };
    assert.equal(show([]), 'busy');
    assert.equal(show(['STATUS:CANCELLED', 'X-MICROSOFT-CDO-BUSYSTATUS:BUSY']), undefined);
    assert.equal(show(['TRANSP:TRANSPARENT']), 'free');
    assert.equal(show(['TRANSP:OPAQUE', 'STATUS:TENTATIVE']), 'tentative');
    assert.equal(show(['TRANSP:TRANSPARENT', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF']), 'out-of-office');
    assert.equal(show(['X-MICROSOFT-CDO-BUSYSTATUS:BUSY', 'TRANSP:TRANSPARENT']), 'busy');
    assert.equal(show(['X-MICROSOFT-CDO-INTENDEDSTATUS:FREE']), 'free');
    assert.equal(show(['STATUS:CONFIRMED']), 'busy');
  });

  test('wall-clock conversion handles both DST edges in Europe/Berlin', () => {
    const t = (y: number, mo: number, d: number, h: number) => ({
      year: y,
      month: mo,
      day: d,
      hour: h,
      minute: 0,
      second: 0,
    });
    assert.equal(
      new Date(wallClockToUtc(t(2026, 3, 29, 1), 'Europe/Berlin')).toISOString(),
      '2026-03-29T00:00:00.000Z',
    );
    assert.equal(
      new Date(wallClockToUtc(t(2026, 3, 29, 3), 'Europe/Berlin')).toISOString(),
      '2026-03-29T01:00:00.000Z',
    );
    assert.equal(
      new Date(wallClockToUtc(t(2026, 10, 25, 12), 'Europe/Berlin')).toISOString(),
      '2026-10-25T11:00:00.000Z',
    );
  });
});

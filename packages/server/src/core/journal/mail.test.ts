import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { User } from '../users/model.js';
import { missedCallMail } from './mail.js';
import type { JournalEntry } from './model.js';

const user: User = {
  id: 'u',
  tenantId: 't',
  local: 'anna',
  domain: 'm.test',
  displayName: 'Anna Adler',
  email: 'anna@m.test',
  numbers: [],
  role: 'user',
  disabledAt: null,
  createdAt: 0,
  updatedAt: 0,
};
const entry: JournalEntry = {
  id: 'e',
  tenantId: 't',
  userId: 'u',
  callId: 'c',
  direction: 'inbound',
  line: '201',
  remote: { number: '+4971155501', uri: null, userId: null, display: null, name: null, company: null, match: null },
  startedAt: Date.UTC(2026, 2, 2, 8, 5),
  answeredAt: null,
  endedAt: Date.UTC(2026, 2, 2, 8, 6),
  duration: 0,
  result: 'missed',
  by: null,
  memo: null,
  read: false,
  createdAt: 0,
};

test('an English mail for a caller the directory does not know: the number stands for the name', () => {
  const m = missedCallMail(entry, user, { language: 'en', timeZone: 'UTC' });
  assert.equal(m.to, 'anna@m.test');
  assert.equal(m.subject, 'Missed call from +4971155501');
  assert.equal(
    m.text,
    [
      'Hello Anna Adler,',
      '',
      'you missed a call:',
      '',
      'From:   +4971155501',
      'Number: +4971155501',
      'Time:   Monday, 2 March 2026 at 08:05 (UTC)',
      'Line:   201',
      '',
      '-- ',
      'Parley',
      '',
    ].join('\n'),
  );
});

test('a German mail with name and company; line breaks in a directory name stay out of the subject', () => {
  const named = { ...entry, remote: { ...entry.remote, name: 'Berger\r\nBcc: x@evil.test', company: 'Muster GmbH' } };
  const m = missedCallMail(named, user, { language: 'de', timeZone: 'Europe/Berlin' });
  assert.equal(m.subject, 'Verpasster Anruf von Berger Bcc: x@evil.test, Muster GmbH');
  assert.match(m.text, /^Zeit: +Montag, 2\. März 2026 um 09:05 \(Europe\/Berlin\)$/m);
});

test('a withheld number', () => {
  const m = missedCallMail({ ...entry, remote: { ...entry.remote, number: null } }, user, {
    language: 'de',
    timeZone: 'UTC',
  });
  assert.equal(m.subject, 'Verpasster Anruf von unbekannter Anrufer');
  assert.match(m.text, /^Nummer: +unterdrückt$/m);
});

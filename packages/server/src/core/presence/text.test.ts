import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatWhen, isTimeZone, pickLanguage, presenceText, type TextInput, type TextOptions } from './text.js';

/** Monday 2026-03-02 09:00 UTC = 10:00 in Berlin. */
const NOW = Date.UTC(2026, 2, 2, 9, 0);
const H = 3_600_000;
const base: TextInput = { availability: 'available', flags: [], until: null, since: null, note: null, context: null };
const berlin = (lang: 'en' | 'de'): TextOptions => ({ lang, timeZone: 'Europe/Berlin', now: NOW });

const rows: { in: Partial<TextInput>; en: string; de: string; tz?: string }[] = [
  { in: {}, en: 'available', de: 'verfügbar' },
  { in: { availability: 'offline' }, en: 'offline', de: 'offline' },
  {
    in: { availability: 'busy', flags: ['meeting'], until: NOW + 4.5 * H },
    en: 'busy – in a meeting until 14:30',
    de: 'beschäftigt – in einer Besprechung bis 14:30',
  },
  {
    in: { availability: 'busy', flags: ['meeting'], until: NOW + 4.5 * H },
    tz: 'UTC',
    en: 'busy – in a meeting until 13:30',
    de: 'beschäftigt – in einer Besprechung bis 13:30',
  },
  { in: { availability: 'busy', flags: ['on-call'] }, en: 'busy – on the phone', de: 'beschäftigt – am Telefon' },
  {
    in: { availability: 'busy', flags: ['ringing', 'on-call', 'meeting'] },
    en: 'busy – phone ringing',
    de: 'beschäftigt – Telefon klingelt',
  },
  {
    in: { availability: 'busy', flags: ['on-call', 'conference'] },
    en: 'busy – in a conference',
    de: 'beschäftigt – in einer Konferenz',
  },
  { in: { availability: 'dnd' }, en: 'do not disturb', de: 'bitte nicht stören' },
  {
    in: { availability: 'available', flags: ['forwarded'] },
    en: 'available – calls forwarded',
    de: 'verfügbar – Anrufe umgeleitet',
  },
  {
    in: { availability: 'dnd', flags: ['on-call', 'forwarded'], note: 'back at 3' },
    en: 'do not disturb – on the phone – calls forwarded – back at 3',
    de: 'bitte nicht stören – am Telefon – Anrufe umgeleitet – back at 3',
  },
  { in: { availability: 'offline', flags: ['forwarded'] }, en: 'offline', de: 'offline' },
  {
    in: { availability: 'dnd', until: NOW + 6 * H },
    en: 'do not disturb until 16:00',
    de: 'bitte nicht stören bis 16:00',
  },
  {
    in: { availability: 'away', flags: ['idle'], since: NOW + 12 * 60_000 },
    en: 'away since 10:12',
    de: 'abwesend seit 10:12',
  },
  {
    in: { availability: 'away', flags: ['out-of-office'], until: Date.UTC(2026, 2, 6, 23, 0) },
    en: 'away – out of office until Saturday',
    de: 'abwesend – außer Haus bis Samstag',
  },
  {
    in: { availability: 'away', flags: ['out-of-office'], until: Date.UTC(2026, 2, 4, 7, 0) },
    en: 'away – out of office until Wednesday 08:00',
    de: 'abwesend – außer Haus bis Mittwoch 08:00',
  },
  {
    in: { availability: 'away', flags: ['out-of-office'], until: Date.UTC(2026, 3, 19, 22, 0) },
    en: 'away – out of office until 20 April',
    de: 'abwesend – außer Haus bis 20. April',
  },
  {
    in: { availability: 'available', flags: ['meeting'] },
    en: 'available',
    de: 'verfügbar',
  },
  {
    in: { availability: 'available', flags: ['mobile', 'note'], note: 'on the train', context: 'business-trip' },
    en: 'available (mobile) – on a business trip – on the train',
    de: 'verfügbar (mobil) – auf Dienstreise – on the train',
  },
  {
    in: { availability: 'available', context: 'home-office' },
    en: 'available – working from home',
    de: 'verfügbar – im Homeoffice',
  },
  { in: { availability: 'offline', flags: ['mobile'], until: NOW + H }, en: 'offline', de: 'offline' },
  {
    in: { availability: 'away', flags: ['out-of-office'], until: Date.UTC(2026, 2, 8, 23, 0) },
    en: 'away – out of office until 9 March',
    de: 'abwesend – außer Haus bis 9. März',
  },
];

describe('presence text', () => {
  for (const row of rows) {
    test(`${row.en} / ${row.de}`, () => {
      const p = { ...base, ...row.in };
      assert.equal(presenceText(p, { ...berlin('en'), timeZone: row.tz ?? 'Europe/Berlin' }), row.en);
      assert.equal(presenceText(p, { ...berlin('de'), timeZone: row.tz ?? 'Europe/Berlin' }), row.de);
    });
  }

  test('formatWhen: today, this week, later', () => {
    assert.equal(formatWhen(NOW + H, berlin('en')), '11:00');
    assert.equal(formatWhen(NOW + 24 * H, berlin('en')), 'Tuesday 10:00');
    assert.equal(formatWhen(NOW + 24 * H, berlin('de')), 'Dienstag 10:00');
    assert.equal(formatWhen(NOW + 30 * 24 * H, berlin('de')), '1. April 11:00');
  });

  test('Accept-Language: quality, region subtags, fallback to English', () => {
    assert.equal(pickLanguage(undefined), 'en');
    assert.equal(pickLanguage('de-DE,de;q=0.9,en;q=0.8'), 'de');
    assert.equal(pickLanguage('fr-FR, en;q=0.5, de;q=0.7'), 'de');
    assert.equal(pickLanguage('fr'), 'en');
    assert.equal(pickLanguage('de;q=0, en'), 'en');
    assert.equal(pickLanguage('*'), 'en');
  });

  test('time zones are checked', () => {
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});

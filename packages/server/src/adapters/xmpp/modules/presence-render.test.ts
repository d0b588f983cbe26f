import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offlinePresence, type Presence } from '../../../core/presence/aggregate.js';
import { languageOf, renderPresence, showOf } from './presence-render.js';

const now = Date.UTC(2026, 2, 2, 9, 0);
const p = (o: Partial<Presence>): Presence => ({ ...offlinePresence, availability: 'available', ...o });

test('show: available none, away away (xa when out of office or on vacation), busy and dnd dnd, offline none', () => {
  const rows: [Partial<Presence>, string | null][] = [
    [{}, null],
    [{ availability: 'away' }, 'away'],
    [{ availability: 'away', flags: ['out-of-office'] }, 'xa'],
    [{ availability: 'away', context: 'vacation' }, 'xa'],
    [{ availability: 'busy', flags: ['on-call'] }, 'dnd'],
    [{ availability: 'busy', flags: ['meeting'] }, 'dnd'],
    [{ availability: 'dnd' }, 'dnd'],
    [{ availability: 'offline' }, null],
  ];
  for (const [input, show] of rows) assert.equal(showOf(p(input)), show, JSON.stringify(input));
});

test('languages: de and en by their primary tag, anything else English', () => {
  const rows: [string, string][] = [
    ['de', 'de'],
    ['de-AT', 'de'],
    ['EN-gb', 'en'],
    ['fr', 'en'],
    ['', 'en'],
  ];
  for (const [lang, want] of rows) assert.equal(languageOf(lang), want);
});

test('render: status in the language, idle since, offline as unavailable without status', () => {
  const o = { from: 'bob@acme.test', to: 'ann@acme.test/pc', timeZone: 'UTC', now };
  const idle = renderPresence(p({ availability: 'away', flags: ['idle'], since: now - 600_000 }), { ...o, lang: 'de' });
  assert.equal(
    idle.toString(),
    '<presence from="bob@acme.test" to="ann@acme.test/pc"><show>away</show><status xml:lang="de">abwesend seit 08:50</status><idle xmlns="urn:xmpp:idle:1" since="2026-03-02T08:50:00.000Z"/></presence>',
  );
  assert.equal(
    renderPresence(offlinePresence, { ...o, lang: 'en' }).toString(),
    '<presence from="bob@acme.test" to="ann@acme.test/pc" type="unavailable"/>',
  );
});

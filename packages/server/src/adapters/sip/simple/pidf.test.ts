import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xsdErrors } from '../../../../test/support/xsd.js';
import { offlinePresence, type Presence } from '../../../core/presence/aggregate.js';
import { visibleTo } from '../../../core/presence/watchers.js';
import { renderPidf, rpidActivities } from './pidf.js';
import { parseXmlBody } from './xml.js';

const now = Date.UTC(2026, 2, 2, 9, 0); // Monday 10:00 in Berlin
const at = (h: number, m = 0) => Date.UTC(2026, 2, 2, h - 1, m);
const p = (o: Partial<Presence>): Presence => ({ ...offlinePresence, availability: 'available', ...o });
const o = { entity: 'sip:alice@example.test', lang: 'en' as const, timeZone: 'Europe/Berlin', now };

const cases: { name: string; presence: Presence; activities: string[]; basic: string; note: string }[] = [
  { name: 'available', presence: p({}), activities: [], basic: 'open', note: 'available' },
  { name: 'offline', presence: offlinePresence, activities: [], basic: 'closed', note: 'offline' },
  {
    name: 'ringing',
    presence: p({ availability: 'busy', flags: ['ringing'] }),
    activities: ['on-the-phone'],
    basic: 'open',
    note: 'busy – phone ringing',
  },
  {
    name: 'on a call',
    presence: p({ availability: 'busy', flags: ['on-call'] }),
    activities: ['on-the-phone'],
    basic: 'open',
    note: 'busy – on the phone',
  },
  {
    name: 'meeting until',
    presence: p({ availability: 'busy', flags: ['meeting'], until: at(14, 30) }),
    activities: ['meeting'],
    basic: 'open',
    note: 'busy – in a meeting until 14:30',
  },
  {
    name: 'busy by hand',
    presence: p({ availability: 'busy' }),
    activities: ['busy'],
    basic: 'open',
    note: 'busy',
  },
  {
    name: 'dnd',
    presence: p({ availability: 'dnd', note: 'Dentist' }),
    activities: ['busy'],
    basic: 'open',
    note: 'do not disturb – Dentist',
  },
  {
    name: 'idle',
    presence: p({ availability: 'away', flags: ['idle'], since: at(9, 12) }),
    activities: ['away'],
    basic: 'open',
    note: 'away since 09:12',
  },
  {
    name: 'vacation',
    presence: p({ availability: 'away', context: 'vacation', until: Date.UTC(2026, 2, 9, 7) }),
    activities: ['vacation'],
    basic: 'open',
    note: 'away until 9 March 08:00 – on vacation',
  },
  {
    name: 'business trip on the phone',
    presence: p({ availability: 'busy', flags: ['on-call'], context: 'business-trip' }),
    activities: ['on-the-phone', 'travel'],
    basic: 'open',
    note: 'busy – on the phone – on a business trip',
  },
];

for (const c of cases) {
  test(`PIDF: ${c.name}`, async () => {
    assert.deepEqual(rpidActivities(c.presence), c.activities);
    const xml = renderPidf(c.presence, o);
    assert.deepEqual(await xsdErrors(xml, 'presence-all.xsd'), []);
    const doc = parseXmlBody(xml, { maxBytes: 65536, maxDepth: 10, maxElements: 100 });
    assert.equal(doc.attrs.entity, 'sip:alice@example.test');
    const tuple = doc.children.find((e) => e.name === 'tuple');
    assert.equal(tuple?.children[0]?.children[0]?.text, c.basic);
    assert.equal(tuple?.children.find((e) => e.name === 'note')?.text, c.note);
    const person = doc.children.find((e) => e.name === 'person');
    const acts = person?.children.find((e) => e.name === 'activities');
    assert.deepEqual(acts?.children.map((e) => e.name) ?? [], c.activities);
  });
}

test('PIDF: until, idle user-input and the next appointment as a timed status', async () => {
  const presence = p({
    availability: 'busy',
    flags: ['meeting', 'idle'],
    until: at(11),
    since: at(10),
    nextAppointment: { start: at(13), end: at(14), subject: 'Board <Q1> & "budget"' },
  });
  const xml = renderPidf(presence, o);
  assert.deepEqual(await xsdErrors(xml, 'presence-all.xsd'), []);
  assert.match(xml, /<rpid:activities until="2026-03-02T10:00:00.000Z"><rpid:meeting\/><\/rpid:activities>/);
  assert.match(xml, /<rpid:user-input last-input="2026-03-02T09:00:00.000Z">idle<\/rpid:user-input>/);
  assert.match(
    xml,
    /<ts:timed-status from="2026-03-02T12:00:00.000Z" until="2026-03-02T13:00:00.000Z"><rpid:activities><rpid:note>Board &lt;Q1&gt; &amp; &quot;budget&quot;<\/rpid:note><rpid:appointment\/>/,
  );
});

test('PIDF: a watcher gets only what its relation may see', async () => {
  const full = p({
    availability: 'busy',
    flags: ['meeting', 'note'],
    note: 'secret note',
    until: at(11),
    nextAppointment: { start: at(13), end: at(14), subject: 'Acquisition' },
  });
  const colleague = renderPidf(visibleTo(full, 'colleague'), o);
  assert.doesNotMatch(colleague, /Acquisition/);
  assert.match(colleague, /<ts:timed-status from=/);
  const external = renderPidf(visibleTo(full, 'external'), o);
  assert.doesNotMatch(external, /secret|meeting|<ts:timed-status|until=/);
  assert.match(external, /<note xml:lang="en">busy<\/note>/);
  const blocked = renderPidf(visibleTo(full, 'blocked'), o);
  assert.match(blocked, /<basic>closed<\/basic>/);
  assert.deepEqual(await xsdErrors(blocked, 'presence-all.xsd'), []);
});

test('PIDF: the note is in the watcher language and escaped, the entity too', async () => {
  const xml = renderPidf(p({ availability: 'dnd', note: 'a <b> & "c"\u0000' }), {
    ...o,
    entity: 'sip:o&apos@example.test',
    lang: 'de',
  });
  assert.match(xml, /<note xml:lang="de">bitte nicht stören – a &lt;b&gt; &amp; &quot;c&quot;<\/note>/);
  assert.match(xml, /entity="sip:o&amp;apos@example.test"/);
  assert.deepEqual(await xsdErrors(xml, 'presence-all.xsd'), []);
});

test('the schema check can fail', async () => {
  const xml = renderPidf(p({}), o).replace('<basic>open</basic>', '<basic>half-open</basic>');
  assert.notDeepEqual(await xsdErrors(xml, 'presence-all.xsd'), []);
});

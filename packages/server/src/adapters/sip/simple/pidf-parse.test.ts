import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { offlinePresence } from '../../../core/presence/aggregate.js';
import { renderPidf } from './pidf.js';
import { type ParsedPidf, parsePidf } from './pidf-parse.js';
import { XmlBodyError } from './xml.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../../../test/fixtures/simple', name), 'utf8');

const base: ParsedPidf = {
  entity: null,
  open: true,
  availability: null,
  onCall: false,
  idle: false,
  note: null,
  activities: [],
};

const vendors: [string, Partial<ParsedPidf>][] = [
  ['vendor-snom.pidf.xml', { entity: 'pres:2002@blitzzgod.com', open: false }],
  ['vendor-jitsi.pidf.xml', { entity: 'sip:2002@blitzzgod.com' }],
  ['vendor-microsip.pidf.xml', { entity: 'sip:5002@test.com' }],
  ['vendor-xlite.pidf.xml', { entity: 'sip:5000@blitzzgod.com' }],
  ['rfc3863-sec-namespace-example.pidf.xml', { entity: 'pres:someone@example.com' }],
  ['rfc4479-data-model-example.pidf.xml', { onCall: true, idle: true, activities: ['on-the-phone'] }],
  [
    'rfc4480-rpid-example.pidf.xml',
    {
      entity: 'pres:someone@example.com',
      availability: 'away',
      idle: true,
      note: 'Scoring 120',
      activities: ['away'],
    },
  ],
];

for (const [file, expect] of vendors) {
  test(`parse PIDF: ${file}`, () => {
    assert.deepEqual(parsePidf(fixture(file)), { ...base, ...expect });
  });
}

const doc = (person: string, tuple = '<status><basic>open</basic></status>') =>
  `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:a@x.test"><tuple id="t">${tuple}</tuple><dm:person id="p">${person}</dm:person></presence>`;

const mapped: [string, string, Partial<ParsedPidf>][] = [
  ['busy', '<r:activities><r:busy/></r:activities>', { availability: 'busy', activities: ['busy'] }],
  ['meeting', '<r:activities><r:meeting/></r:activities>', { availability: 'busy', activities: ['meeting'] }],
  ['vacation', '<r:activities><r:vacation/></r:activities>', { availability: 'away', activities: ['vacation'] }],
  [
    'dnd as other',
    '<r:activities><r:other>DND</r:other></r:activities>',
    { availability: 'dnd', activities: ['other'] },
  ],
  [
    'dnd as busy + note',
    '<r:activities><r:busy/></r:activities><dm:note>Do Not Disturb</dm:note>',
    { availability: 'dnd', activities: ['busy'] },
  ],
  [
    'on the phone and busy',
    '<r:activities><r:on-the-phone/><r:busy/></r:activities>',
    { onCall: true, availability: 'busy', activities: ['on-the-phone', 'busy'] },
  ],
  ['a state word is no note', '<dm:note>Online</dm:note>', {}],
  ['a real note', '<dm:note> at &lt;lunch&gt; &#x263A; </dm:note>', { note: 'at <lunch> ☺' }],
];

for (const [name, person, expect] of mapped) {
  test(`parse PIDF: ${name}`, () => {
    assert.deepEqual(parsePidf(doc(person)), { ...base, entity: 'sip:a@x.test', ...expect });
  });
}

test('parse PIDF: idle in the tuple, closed basic', () => {
  const r = parsePidf(doc('', '<status><basic>closed</basic></status><r:user-input>idle</r:user-input>'));
  assert.equal(r.open, false);
  assert.equal(r.idle, true);
});

test('parse PIDF: what we render reads back', () => {
  const xml = renderPidf(
    { ...offlinePresence, availability: 'away', flags: ['idle'], context: 'vacation', note: 'Sun' },
    { entity: 'sip:a@x.test', lang: 'en', timeZone: 'UTC', now: 0 },
  );
  const r = parsePidf(xml);
  assert.deepEqual([r.open, r.availability, r.idle, r.activities], [true, 'away', true, ['vacation']]);
});

const refused: [string, string, RegExp][] = [
  ['a DTD', `<!DOCTYPE presence [<!ENTITY x "y">]>${doc('')}`, /DTD/],
  ['an undeclared entity', doc('<dm:note>&x;</dm:note>'), /entity/],
  ['a processing instruction', doc('<?evil x?>'), /processing instruction/],
  ['too big', doc(`<dm:note>${'x'.repeat(20_000)}</dm:note>`), /bytes/],
  ['too deep', doc('<a>'.repeat(20) + '</a>'.repeat(20)), /deeper/],
  ['too many elements', doc('<r:x/>'.repeat(400)), /elements/],
  ['malformed', doc('<dm:note>'), /well-formed/],
  ['another document', '<dialog-info/>', /not a PIDF/],
];

for (const [name, body, message] of refused) {
  test(`parse PIDF refuses ${name}`, () => {
    assert.throws(
      () => parsePidf(body),
      (e: unknown) => e instanceof XmlBodyError && message.test(e.message),
    );
  });
}

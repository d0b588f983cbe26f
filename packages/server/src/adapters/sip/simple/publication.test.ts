import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDatagram } from '../message/index.js';
import { parsePidf } from './pidf-parse.js';
import { EventStateCompositor, type PublishRequest, publishRequestOf } from './publication.js';

const T = 5_000_000;
const alice = 'sip:alice@example.test';
const pidf = readFileSync(join(import.meta.dirname, '../../../../test/fixtures/simple/vendor-xlite.pidf.xml'), 'utf8');
const closed = readFileSync(join(import.meta.dirname, '../../../../test/fixtures/simple/vendor-snom.pidf.xml'), 'utf8');

/** A compositor whose state is the parsed `open`, with tags t1, t2, … */
const make = (maxPerResource = 8) => {
  let n = 0;
  return new EventStateCompositor(
    (body) => parsePidf(body).open,
    {
      events: ['presence'],
      contentTypes: ['application/pidf+xml'],
      defaultExpires: 3600,
      minExpires: 60,
      maxExpires: 7200,
      maxPerResource,
    },
    () => `t${++n}`,
  );
};
const req = (o: Partial<PublishRequest> = {}): PublishRequest => ({
  resource: alice,
  event: 'presence',
  ifMatch: undefined,
  expires: undefined,
  contentType: 'application/pidf+xml',
  body: pidf,
  ...o,
});
const headers = (r: { response: { headers: { name: string; value: string }[] } }) =>
  Object.fromEntries(r.response.headers.map((x) => [x.name, x.value]));

const refusals: [string, Partial<PublishRequest>, number, Record<string, string>][] = [
  ['another package', { event: 'dialog' }, 489, { 'Allow-Events': 'presence' }],
  ['no Event', { event: undefined }, 489, { 'Allow-Events': 'presence' }],
  ['an unknown entity-tag', { ifMatch: 'nope' }, 412, {}],
  ['an initial PUBLISH without body', { body: undefined }, 400, {}],
  ['removing nothing', { expires: 0 }, 400, {}],
  ['too short', { expires: 59 }, 423, { 'Min-Expires': '60' }],
  ['another format', { contentType: 'application/xpidf+xml' }, 415, { Accept: 'application/pidf+xml' }],
  ['a DTD', { body: `<!DOCTYPE x>${pidf}` }, 400, {}],
];

for (const [name, o, status, hs] of refusals) {
  test(`PUBLISH refused: ${name} → ${status}`, () => {
    const esc = make();
    const r = esc.publish(req(o), T);
    assert.equal(r.response.status, status);
    assert.deepEqual(headers(r), hs);
    assert.deepEqual(r.actions, []);
    assert.deepEqual(esc.of(alice), []);
  });
}

test('PUBLISH: initial, refresh, modify, remove — a new entity-tag each time, one stable id', () => {
  const esc = make();
  let r = esc.publish(req({ contentType: 'application/pidf+xml; charset=utf-8' }), T);
  assert.equal(r.response.status, 200);
  assert.deepEqual(headers(r), { 'SIP-ETag': 't2', Expires: '3600' });
  assert.deepEqual(r.actions, [
    { kind: 'put', resource: alice, id: 't1', state: true, expiresAt: T + 3_600_000 },
    { kind: 'deadline', at: T + 3_600_000 },
  ]);
  r = esc.publish(req({ ifMatch: 't2', body: undefined, expires: 600 }), T + 1000);
  assert.deepEqual(headers(r), { 'SIP-ETag': 't3', Expires: '600' });
  assert.deepEqual(r.actions[0], { kind: 'put', resource: alice, id: 't1', state: true, expiresAt: T + 601_000 });
  assert.equal(esc.publish(req({ ifMatch: 't2', body: undefined }), T + 2000).response.status, 412, 'old tag is spent');
  r = esc.publish(req({ ifMatch: 't3', body: closed, expires: 100_000 }), T + 3000);
  assert.deepEqual(headers(r), { 'SIP-ETag': 't4', Expires: '7200' });
  assert.deepEqual(r.actions[0], { kind: 'put', resource: alice, id: 't1', state: false, expiresAt: T + 7_203_000 });
  r = esc.publish(req({ ifMatch: 't4', body: undefined, expires: 0 }), T + 4000);
  assert.deepEqual(headers(r), { 'SIP-ETag': 't4', Expires: '0' });
  assert.deepEqual(r.actions, [{ kind: 'remove', resource: alice, id: 't1' }]);
  assert.deepEqual(esc.of(alice), []);
});

test('PUBLISH: an entity-tag of another resource does not match', () => {
  const esc = make();
  esc.publish(req(), T);
  assert.equal(
    esc.publish(req({ resource: 'sip:bob@example.test', ifMatch: 't2', body: undefined }), T).response.status,
    412,
  );
});

test('PUBLISH: expiry removes, and a refresh after it fails with 412', () => {
  const esc = make();
  esc.publish(req({ expires: 60 }), T);
  esc.publish(req({ expires: 120, resource: 'sip:bob@example.test' }), T);
  assert.deepEqual(esc.expire(T + 59_999), [{ kind: 'deadline', at: T + 60_000 }]);
  assert.deepEqual(esc.expire(T + 60_000), [
    { kind: 'remove', resource: alice, id: 't1' },
    { kind: 'deadline', at: T + 120_000 },
  ]);
  const late = esc.publish(req({ ifMatch: 't2', body: undefined }), T + 60_000);
  assert.equal(late.response.status, 412);
});

test('PUBLISH: beyond the per-resource cap the soonest to expire is evicted', () => {
  const esc = make(2);
  esc.publish(req({ expires: 600 }), T);
  esc.publish(req({ expires: 300 }), T);
  const r = esc.publish(req({ expires: 900 }), T);
  assert.deepEqual(r.actions.slice(0, 2), [
    { kind: 'remove', resource: alice, id: 't3' },
    { kind: 'put', resource: alice, id: 't5', state: true, expiresAt: T + 900_000 },
  ]);
  assert.deepEqual(
    esc.of(alice).map((p) => p.id),
    ['t1', 't5'],
  );
});

test('publishRequestOf reads a parsed PUBLISH', () => {
  const wire = [
    'PUBLISH sip:alice@example.test SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2',
    'From: <sip:alice@example.test>;tag=1',
    'To: <sip:alice@example.test>',
    'Call-ID: p1',
    'CSeq: 1 PUBLISH',
    'Max-Forwards: 70',
    'Event: presence',
    'SIP-If-Match: abc',
    'Expires: 600',
    'Content-Type: application/pidf+xml',
    `Content-Length: ${Buffer.byteLength(pidf)}`,
    '',
    pidf,
  ].join('\r\n');
  const m = parseDatagram(Buffer.from(wire));
  assert.equal(m.kind, 'request');
  if (m.kind !== 'request') return;
  assert.deepEqual(publishRequestOf(m, alice), {
    resource: alice,
    event: 'presence',
    ifMatch: 'abc',
    expires: 600,
    contentType: 'application/pidf+xml',
    body: pidf,
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { x } from '../xml/element.js';
import { BidiRoutes, type BidiStream, bidiFeature, bidiRequest, isBidiRequest, offersBidi } from './bidi.js';

test('XEP-0288: the feature and the request, and what is neither', () => {
  const table: [string, ReturnType<typeof x>, boolean, boolean][] = [
    ['the request', bidiRequest(), true, false],
    ['the feature itself', bidiFeature(), false, false],
    ['features with bidi', x('stream:features', {}, bidiFeature()), false, true],
    ['features with the request’s namespace', x('stream:features', {}, bidiRequest()), false, false],
    [
      'features without',
      x('stream:features', {}, x('dialback', { xmlns: 'urn:xmpp:features:dialback' })),
      false,
      false,
    ],
    ['bidi of another namespace', x('bidi', { xmlns: 'urn:example' }), false, false],
  ];
  for (const [what, el, request, offers] of table) {
    assert.equal(isBidiRequest(el), request, what);
    assert.equal(offersBidi(el), offers, what);
  }
  assert.equal(bidiRequest().toString(), '<bidi xmlns="urn:xmpp:bidi"/>');
  assert.equal(bidiFeature().toString(), '<bidi xmlns="urn:xmpp:features:bidi"/>');
});

test('bidi routes: by (local, remote) in any case, gone with their stream or when pruned', async () => {
  const routes = new BidiRoutes();
  const one: BidiStream = { send: () => undefined };
  const two: BidiStream = { send: () => undefined };
  routes.add('a.test', 'remote.test', one);
  routes.add('conference.a.test', 'remote.test', one);
  routes.add('a.test', 'other.test', two);
  assert.equal(routes.get('A.test', 'Remote.TEST'), one);
  assert.equal(routes.get('remote.test', 'a.test'), undefined, 'the pair has a direction');
  assert.equal(routes.get('a.test', 'other.test'), two);
  await routes.prune(async (_local, remote) => remote === 'other.test');
  assert.equal(routes.get('a.test', 'other.test'), undefined);
  assert.equal(routes.get('a.test', 'remote.test'), one);
  routes.remove(one);
  assert.equal(routes.get('a.test', 'remote.test'), undefined);
  assert.equal(routes.get('conference.a.test', 'remote.test'), undefined);
});

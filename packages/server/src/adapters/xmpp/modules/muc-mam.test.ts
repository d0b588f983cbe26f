import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StanzaError } from '../errors.js';
import { x } from '../xml/element.js';
import { fin, PAGE_DEFAULT, PAGE_MAX, parseMamForm, parseRsm, RSM } from './muc-mam.js';

test('RSM requests (XEP-0059)', () => {
  const set = (...c: ReturnType<typeof x>[]) => x('set', { xmlns: RSM }, c);
  assert.deepEqual(parseRsm(undefined), { max: PAGE_DEFAULT });
  assert.deepEqual(parseRsm(set(x('max', {}, '10'), x('after', {}, 'id1'))), { max: 10, after: 'id1' });
  assert.deepEqual(parseRsm(set(x('max', {}, '99999'), x('before', {}))), { max: PAGE_MAX, before: '' });
  assert.deepEqual(parseRsm(set(x('before', {}, 'id2'))), { max: PAGE_DEFAULT, before: 'id2' });
  assert.throws(
    () => parseRsm(set(x('max', {}, 'ten'))),
    (e) => e instanceof StanzaError && e.condition === 'bad-request',
  );
});

test('MAM query forms (XEP-0313 §4.1)', () => {
  const form = (fields: Record<string, string>) =>
    x(
      'x',
      { xmlns: 'jabber:x:data', type: 'submit' },
      Object.entries(fields).map(([k, v]) => x('field', { var: k }, x('value', {}, v))),
    );
  assert.deepEqual(parseMamForm(undefined), {});
  assert.deepEqual(parseMamForm(form({ FORM_TYPE: 'urn:xmpp:mam:2', start: '2026-12-05T10:00:00Z', with: 'a@b' })), {
    start: Date.parse('2026-12-05T10:00:00Z'),
    with: 'a@b',
  });
  assert.throws(
    () => parseMamForm(form({ end: 'soon' })),
    (e) => e instanceof StanzaError && e.condition === 'bad-request',
  );
});

test('fin carries the page ids and completeness', () => {
  assert.equal(
    fin({ complete: true, first: 'a', last: 'b' }).toString(),
    '<fin xmlns="urn:xmpp:mam:2" complete="true"><set xmlns="http://jabber.org/protocol/rsm"><first>a</first><last>b</last></set></fin>',
  );
  assert.equal(
    fin({ complete: false }).toString(),
    '<fin xmlns="urn:xmpp:mam:2"><set xmlns="http://jabber.org/protocol/rsm"/></fin>',
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { DATA_FORMS } from './disco-info.js';
import { type ConfigPatch, configForm, FIXED, parseConfig, ROOMCONFIG } from './muc-config.js';

const submit = (fields: Record<string, string>, formType: string | null = ROOMCONFIG): XmlElement =>
  x(
    'x',
    { xmlns: DATA_FORMS, type: 'submit' },
    formType !== null && x('field', { var: 'FORM_TYPE' }, x('value', {}, formType)),
    Object.entries(fields).map(([v, value]) => x('field', { var: v }, x('value', {}, value))),
  );

test('a submitted room configuration: what it changes in the group, what it may not ask', () => {
  const cases: [string, XmlElement, ConfigPatch | string][] = [
    ['instant room (empty submit)', submit({}, null), {}],
    [
      'name and description',
      submit({ 'muc#roomconfig_roomname': 'Team', 'muc#roomconfig_roomdesc': ' Plans ' }),
      { name: 'Team', topic: 'Plans' },
    ],
    [
      'empty clears',
      submit({ 'muc#roomconfig_roomname': '', 'muc#roomconfig_roomdesc': '' }),
      { name: null, topic: null },
    ],
    [
      'what the rooms are anyway',
      submit({
        'muc#roomconfig_membersonly': 'true',
        'muc#roomconfig_persistentroom': '1',
        'muc#roomconfig_whois': 'anyone',
        'muc#roomconfig_publicroom': 'false',
      }),
      {},
    ],
    ['not members-only', submit({ 'muc#roomconfig_membersonly': '0' }), 'members-only'],
    ['not persistent', submit({ 'muc#roomconfig_persistentroom': 'false' }), 'destroys'],
    ['semi-anonymous', submit({ 'muc#roomconfig_whois': 'moderators' }), 'addresses'],
    ['a password', submit({ 'muc#roomconfig_passwordprotectedroom': '1' }), 'passwords'],
    ['an unknown field', submit({ 'muc#roomconfig_maxusers': '10' }), 'muc#roomconfig_maxusers is not offered here'],
    ['a name of the object prototype', submit({ constructor: '1' }), 'constructor is not offered here'],
    ['another form type', submit({}, 'urn:other'), 'of type'],
    ['a name too long', submit({ 'muc#roomconfig_roomname': 'n'.repeat(201) }), 'at most 200'],
  ];
  for (const [name, form, want] of cases) {
    if (typeof want !== 'string') {
      assert.deepEqual(parseConfig(form), want, name);
      continue;
    }
    assert.throws(
      () => parseConfig(form),
      (e) => e instanceof StanzaError && e.condition === 'not-acceptable' && e.message.includes(want),
      name,
    );
  }
});

test('the configuration form shows the name, the description and every fixed property, and takes itself back', () => {
  const form = configForm('Team', 'Plans').child('x', DATA_FORMS) as XmlElement;
  const values = new Map(form.elements('field').map((f) => [f.attrs.var, f.childText('value')]));
  assert.equal(values.get('FORM_TYPE'), ROOMCONFIG);
  assert.equal(values.get('muc#roomconfig_roomname'), 'Team');
  assert.equal(values.get('muc#roomconfig_roomdesc'), 'Plans');
  for (const [v, f] of Object.entries(FIXED)) assert.equal(values.get(v), f.value, v);
  // A client that submits the form as it came (Gajim) changes nothing it was not asked to.
  const back = x('x', { xmlns: DATA_FORMS, type: 'submit' }, form.elements('field'));
  assert.deepEqual(parseConfig(back), { name: 'Team', topic: 'Plans' });
});

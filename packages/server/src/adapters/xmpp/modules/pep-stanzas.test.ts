import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { PUBSUB } from './avatar-pep.js';
import { DATA_FORMS } from './disco-info.js';
import {
  configForm,
  eventOf,
  itemsResult,
  type PepRequest,
  PUBSUB_OWNER,
  parsePep,
  payloadOf,
  storedPayload,
} from './pep-stanzas.js';

const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const DEVICES = 'eu.siacs.conversations.axolotl.devicelist';
const pubsub = (...ops: XmlElement[]) => x('pubsub', { xmlns: PUBSUB }, ...ops);
const owner = (...ops: XmlElement[]) => x('pubsub', { xmlns: PUBSUB_OWNER }, ...ops);
const form = (formType: string, fields: Record<string, string>) =>
  x(
    'x',
    { xmlns: DATA_FORMS, type: 'submit' },
    x('field', { var: 'FORM_TYPE', type: 'hidden' }, x('value', {}, formType)),
    Object.entries(fields).map(([name, value]) => x('field', { var: name }, x('value', {}, value))),
  );
const options = (fields: Record<string, string>) => x('publish-options', {}, form(`${PUBSUB}#publish-options`, fields));
const conference = x('conference', { xmlns: BOOKMARKS, autojoin: 'true', name: 'Team' });

test('what a pubsub or pubsub#owner IQ to an account asks', () => {
  const cases: [string, 'get' | 'set', XmlElement, PepRequest][] = [
    [
      'all items',
      'get',
      pubsub(x('items', { node: DEVICES })),
      { kind: 'items', node: DEVICES, ids: undefined, max: undefined },
    ],
    [
      'items by id, newest two',
      'get',
      pubsub(x('items', { node: BOOKMARKS, max_items: '2' }, x('item', { id: 'a' }), x('item', { id: 'b' }))),
      { kind: 'items', node: BOOKMARKS, ids: ['a', 'b'], max: 2 },
    ],
    [
      'publish without options',
      'set',
      pubsub(x('publish', { node: DEVICES }, x('item', { id: 'current' }, x('list', { xmlns: DEVICES })))),
      { kind: 'publish', node: DEVICES, id: 'current', payload: x('list', { xmlns: DEVICES }), options: undefined },
    ],
    [
      'publish with the options bookmarks ask for (XEP-0402 §3)',
      'set',
      pubsub(
        x('publish', { node: BOOKMARKS }, x('item', { id: 'room@conference.acme.test' }, conference)),
        options({
          'pubsub#persist_items': 'true',
          'pubsub#max_items': 'max',
          'pubsub#send_last_published_item': 'never',
          'pubsub#access_model': 'whitelist',
        }),
      ),
      {
        kind: 'publish',
        node: BOOKMARKS,
        id: 'room@conference.acme.test',
        payload: conference,
        options: { maxItems: 'max', sendLast: 'never', access: 'whitelist' },
      },
    ],
    [
      'publish, no item id',
      'set',
      pubsub(x('publish', { node: 'n' }, x('item', {}, conference))),
      { kind: 'publish', node: 'n', id: undefined, payload: conference, options: undefined },
    ],
    [
      'retract with notify',
      'set',
      pubsub(x('retract', { node: BOOKMARKS, notify: '1' }, x('item', { id: 'r' }))),
      { kind: 'retract', node: BOOKMARKS, ids: ['r'], notify: true },
    ],
    ['configure form', 'get', owner(x('configure', { node: 'n' })), { kind: 'configure', node: 'n', form: undefined }],
    [
      'configure submitted',
      'set',
      owner(x('configure', { node: 'n' }, form(`${PUBSUB}#node_config`, { 'pubsub#access_model': 'open' }))),
      { kind: 'configure', node: 'n', form: { access: 'open' } },
    ],
    ['default', 'get', owner(x('default')), { kind: 'default' }],
    ['purge', 'set', owner(x('purge', { node: 'n' })), { kind: 'purge', node: 'n' }],
    ['delete', 'set', owner(x('delete', { node: 'n' })), { kind: 'delete', node: 'n' }],
  ];
  for (const [what, type, payload, expected] of cases) assert.deepEqual(parsePep(type, payload), expected, what);

  const refused: [string, 'get' | 'set', XmlElement, string, string | undefined][] = [
    ['empty', 'get', pubsub(), 'bad-request', undefined],
    ['items without node', 'get', pubsub(x('items')), 'bad-request', 'nodeid-required'],
    ['max_items not a number', 'get', pubsub(x('items', { node: 'n', max_items: 'all' })), 'bad-request', undefined],
    ['publish without item', 'set', pubsub(x('publish', { node: 'n' })), 'bad-request', 'item-required'],
    [
      'two items',
      'set',
      pubsub(x('publish', { node: 'n' }, x('item', {}, conference), x('item', {}, conference))),
      'bad-request',
      'invalid-payload',
    ],
    [
      'an option not supported',
      'set',
      pubsub(x('publish', { node: 'n' }, x('item', {}, conference)), options({ 'pubsub#type': 'x' })),
      'conflict',
      'precondition-not-met',
    ],
    [
      'items not persisted',
      'set',
      pubsub(x('publish', { node: 'n' }, x('item', {}, conference)), options({ 'pubsub#persist_items': '0' })),
      'conflict',
      'precondition-not-met',
    ],
    ['retract without id', 'set', pubsub(x('retract', { node: 'n' }, x('item'))), 'bad-request', 'item-required'],
    ['subscribe', 'set', pubsub(x('subscribe', { node: 'n', jid: 'a@b' })), 'feature-not-implemented', 'unsupported'],
    ['create', 'set', owner(x('create', { node: 'n' })), 'feature-not-implemented', 'unsupported'],
    ['publish as a get', 'get', pubsub(x('publish', { node: 'n' })), 'feature-not-implemented', 'unsupported'],
    [
      'configure with an unknown field',
      'set',
      owner(x('configure', { node: 'n' }, form(`${PUBSUB}#node_config`, { 'pubsub#title': 'x' }))),
      'not-acceptable',
      undefined,
    ],
  ];
  for (const [what, type, payload, condition, app] of refused) {
    assert.throws(
      () => parsePep(type, payload),
      (e) => e instanceof StanzaError && e.condition === condition && e.appCondition?.name === app,
      what,
    );
  }
});

test('a payload is kept as serialised XML with its namespace, and reads back as it was', () => {
  const payload = x(
    'list',
    { xmlns: DEVICES },
    x('device', { id: '1234' }),
    x('device', { id: '5678', label: 'A & B' }),
  );
  const kept = storedPayload(payload);
  assert.equal(kept, `<list xmlns="${DEVICES}"><device id="1234"/><device id="5678" label="A &amp; B"/></list>`);
  assert.deepEqual(payloadOf(kept), payload);
  // A payload in the pubsub namespace itself keeps it declared.
  assert.equal(storedPayload(x('foo')), `<foo xmlns="${PUBSUB}"/>`);
});

test('items oldest first, the configuration as a form, events of each change', () => {
  const items = [
    { id: 'b', payload: '<x xmlns="urn:t">2</x>', publishedAt: 2 },
    { id: 'a', payload: '<x xmlns="urn:t">1</x>', publishedAt: 1 },
  ];
  assert.equal(
    String(itemsResult('n', items)),
    `<pubsub xmlns="${PUBSUB}"><items node="n"><item id="a"><x xmlns="urn:t">1</x></item><item id="b"><x xmlns="urn:t">2</x></item></items></pubsub>`,
  );
  const configured = configForm({ access: 'whitelist', maxItems: 256, sendLast: 'never' }, 'n');
  const fields = new Map(
    configured
      .child('configure')
      ?.child('x', DATA_FORMS)
      ?.elements('field')
      .map((f) => [f.attrs.var, f.childText('value')]),
  );
  assert.equal(configured.child('configure')?.attrs.node, 'n');
  assert.equal(fields.get('FORM_TYPE'), `${PUBSUB}#node_config`);
  assert.equal(fields.get('pubsub#access_model'), 'whitelist');
  assert.equal(fields.get('pubsub#max_items'), '256');
  assert.equal(fields.get('pubsub#persist_items'), 'true');
  assert.ok(configForm({ access: 'presence', maxItems: 1, sendLast: 'on_sub_and_presence' }).child('default'));

  const event = (change: Parameters<typeof eventOf>[2]) => String(eventOf('ann@acme.test', 'n', change));
  const head = `<message from="ann@acme.test" type="headline"><event xmlns="http://jabber.org/protocol/pubsub#event">`;
  assert.equal(
    event({ published: items[1] as (typeof items)[number] }),
    `${head}<items node="n"><item id="a"><x xmlns="urn:t">1</x></item></items></event></message>`,
  );
  assert.equal(
    event({ retracted: ['a', 'b'] }),
    `${head}<items node="n"><retract id="a"/><retract id="b"/></items></event></message>`,
  );
  assert.equal(event({ cleared: 'purged' }), `${head}<purge node="n"/></event></message>`);
  assert.equal(event({ cleared: 'deleted' }), `${head}<delete node="n"/></event></message>`);
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { StanzaError } from '../errors.js';
import { x } from '../xml/element.js';
import {
  AVATAR_DATA,
  AVATAR_METADATA,
  itemsOf,
  metadataEvent,
  PUBSUB,
  type PubsubRequest,
  parsePubsub,
} from './avatar-pep.js';
import { fileUrl, parseFileUrl } from './file-urls.js';

const png = Buffer.from('not really a png');
const id = createHash('sha1').update(png).digest('hex');
const publish = (node: string, itemId: string | undefined, ...payload: ReturnType<typeof x>[]) =>
  x('pubsub', { xmlns: PUBSUB }, x('publish', { node }, x('item', { id: itemId }, ...payload)));
const info = (attrs: Record<string, string>) => x('info', attrs);

test('what a pubsub get or publish asks of the avatar nodes', () => {
  const ok: [string, 'get' | 'set', ReturnType<typeof x>, PubsubRequest][] = [
    [
      'metadata items',
      'get',
      x('pubsub', { xmlns: PUBSUB }, x('items', { node: AVATAR_METADATA })),
      { kind: 'items', node: AVATAR_METADATA, itemId: undefined },
    ],
    [
      'one data item',
      'get',
      x('pubsub', { xmlns: PUBSUB }, x('items', { node: AVATAR_DATA }, x('item', { id }))),
      { kind: 'items', node: AVATAR_DATA, itemId: id },
    ],
    ['no node', 'get', x('pubsub', { xmlns: PUBSUB }, x('subscriptions')), { kind: 'other', node: undefined }],
    [
      'data',
      'set',
      publish(AVATAR_DATA, id.toUpperCase(), x('data', { xmlns: AVATAR_DATA }, png.toString('base64'))),
      { kind: 'data', id, bytes: png },
    ],
    [
      'metadata',
      'set',
      publish(
        AVATAR_METADATA,
        id,
        x('metadata', { xmlns: AVATAR_METADATA }, info({ id, type: 'image/png', bytes: '16' })),
      ),
      { kind: 'metadata', info: { id, type: 'image/png', bytes: 16 } },
    ],
    [
      'metadata: an info with a url is elsewhere',
      'set',
      publish(
        AVATAR_METADATA,
        id,
        x(
          'metadata',
          { xmlns: AVATAR_METADATA },
          info({ id: 'b', type: 'image/png', url: 'https://x/a.png' }),
          info({ id, type: 'image/gif' }),
        ),
      ),
      { kind: 'metadata', info: { id, type: 'image/gif', bytes: Number.NaN } },
    ],
    [
      'empty metadata: none',
      'set',
      publish(AVATAR_METADATA, 'current', x('metadata', { xmlns: AVATAR_METADATA })),
      { kind: 'metadata', info: undefined },
    ],
    ['another node', 'set', publish('urn:xmpp:bookmarks:1', 'x'), { kind: 'other', node: 'urn:xmpp:bookmarks:1' }],
  ];
  for (const [what, type, payload, expected] of ok) assert.deepEqual(parsePubsub(type, payload), expected, what);
  const bad: [string, ReturnType<typeof x>][] = [
    ['data without id', publish(AVATAR_DATA, undefined, x('data', { xmlns: AVATAR_DATA }, png.toString('base64')))],
    [
      'id not the SHA-1',
      publish(AVATAR_DATA, 'f'.repeat(40), x('data', { xmlns: AVATAR_DATA }, png.toString('base64'))),
    ],
    ['not base64', publish(AVATAR_DATA, id, x('data', { xmlns: AVATAR_DATA }, '<&>'))],
    ['metadata missing', publish(AVATAR_METADATA, id)],
    ['info without type', publish(AVATAR_METADATA, id, x('metadata', { xmlns: AVATAR_METADATA }, info({ id })))],
  ];
  for (const [what, payload] of bad) {
    assert.throws(
      () => parsePubsub('set', payload),
      (e) => e instanceof StanzaError && e.condition === 'bad-request',
      what,
    );
  }
});

test('items and events show the avatar by its SHA-1', () => {
  const a = { sha1: id, contentType: 'image/png', bytes: png };
  const data = itemsOf(AVATAR_DATA, a).child('items')?.child('item');
  assert.equal(data?.attrs.id, id);
  assert.equal(data?.child('data', AVATAR_DATA)?.text(), png.toString('base64'));
  assert.throws(
    () => itemsOf(AVATAR_DATA, a, 'other'),
    (e) => e instanceof StanzaError && e.condition === 'item-not-found',
  );
  const meta = itemsOf(AVATAR_METADATA, a).child('items')?.child('item')?.child('metadata')?.child('info');
  assert.deepEqual(meta?.attrs, { id, type: 'image/png', bytes: '16' });
  const gone = metadataEvent('a@d', 'b@d/r', null);
  assert.equal(
    String(gone),
    `<message from="a@d" to="b@d/r" type="headline"><event xmlns="http://jabber.org/protocol/pubsub#event"><items node="${AVATAR_METADATA}"><item id="current"><metadata xmlns="${AVATAR_METADATA}"/></item></items></event></message>`,
  );
});

test('file URLs: ours parse back, others do not', () => {
  const base = 'https://p.example.test';
  const url = fileUrl(base, { tenantId: 't', id: 'i', token: 'k', name: 'a b/c.txt' });
  assert.equal(url, 'https://p.example.test/files/t/i/k/a%20b%2Fc.txt');
  assert.deepEqual(parseFileUrl(base, url), { tenantId: 't', id: 'i', token: 'k' });
  for (const other of [
    'https://elsewhere.test/files/t/i/k/a',
    `${base}/api/v1/attachments/i`,
    `${base}/files/t/i/k`,
    `${base}/files/t/i/k/a/b`,
  ]) {
    assert.equal(parseFileUrl(base, other), undefined, other);
  }
});

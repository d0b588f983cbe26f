import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { StanzaError } from '../errors.js';
import { x } from '../xml/element.js';
import {
  AVATAR_DATA,
  AVATAR_METADATA,
  type AvatarPublish,
  itemsOf,
  metadataEvent,
  parseAvatarPublish,
} from './avatar-pep.js';
import { fileUrl, parseFileUrl } from './file-urls.js';

const png = Buffer.from('not really a png');
const id = createHash('sha1').update(png).digest('hex');
const info = (attrs: Record<string, string>) => x('info', attrs);
const data = (base64: string) => x('data', { xmlns: AVATAR_DATA }, base64);

test('what a publish to an avatar node asks', () => {
  const ok: [string, string, string | undefined, ReturnType<typeof x>, AvatarPublish][] = [
    ['data', AVATAR_DATA, id.toUpperCase(), data(png.toString('base64')), { kind: 'data', id, bytes: png }],
    [
      'metadata',
      AVATAR_METADATA,
      id,
      x('metadata', { xmlns: AVATAR_METADATA }, info({ id, type: 'image/png', bytes: '16' })),
      { kind: 'metadata', info: { id, type: 'image/png', bytes: 16 } },
    ],
    [
      'metadata: an info with a url is elsewhere',
      AVATAR_METADATA,
      id,
      x(
        'metadata',
        { xmlns: AVATAR_METADATA },
        info({ id: 'b', type: 'image/png', url: 'https://x/a.png' }),
        info({ id, type: 'image/gif' }),
      ),
      { kind: 'metadata', info: { id, type: 'image/gif', bytes: Number.NaN } },
    ],
    [
      'empty metadata: none',
      AVATAR_METADATA,
      'current',
      x('metadata', { xmlns: AVATAR_METADATA }),
      { kind: 'metadata', info: undefined },
    ],
  ];
  for (const [what, node, itemId, payload, expected] of ok) {
    assert.deepEqual(parseAvatarPublish(node, itemId, payload), expected, what);
  }
  const bad: [string, string, string | undefined, ReturnType<typeof x>][] = [
    ['data without id', AVATAR_DATA, undefined, data(png.toString('base64'))],
    ['id not the SHA-1', AVATAR_DATA, 'f'.repeat(40), data(png.toString('base64'))],
    ['not base64', AVATAR_DATA, id, data('<&>')],
    ['not data', AVATAR_DATA, id, x('metadata', { xmlns: AVATAR_METADATA })],
    ['metadata missing', AVATAR_METADATA, id, x('data', { xmlns: AVATAR_DATA })],
    ['info without type', AVATAR_METADATA, id, x('metadata', { xmlns: AVATAR_METADATA }, info({ id }))],
  ];
  for (const [what, node, itemId, payload] of bad) {
    assert.throws(
      () => parseAvatarPublish(node, itemId, payload),
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

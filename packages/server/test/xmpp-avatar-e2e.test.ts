// Avatars end to end over the real listeners: the web-app user's picture reaches a standard XMPP
// client (@xmpp/client over STARTTLS) as the XEP-0153 hash in presence, the vCard PHOTO and the
// XEP-0084 items; the client's own publication becomes the picture the web API serves.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Element, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, WAIT_MS, type XmppClient, xmppLogin } from './support/xmpp-login.js';

const PUBSUB = 'http://jabber.org/protocol/pubsub';
const DATA = 'urn:xmpp:avatar:data';
const METADATA = 'urn:xmpp:avatar:metadata';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('bob')]);
const GIF = Buffer.from('GIF89a from the client');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('avatars between the web app and an XMPP client', () => {
  let server: TestServer;
  let web: Awaited<ReturnType<TestServer['user']>>;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  let xmpp: XmppClient;
  const presences: Element[] = [];

  const iq = (type: string, to: string | undefined, payload: Element) =>
    xmpp.iqCaller.request(xml('iq', { type, to }, payload), WAIT_MS);

  before(async () => {
    server = await startTestServer();
    web = await server.user('bob@example.test');
    alice = await server.user('alice@example.test', { password: 'alice-password-1' });
    xmpp = await xmppLogin(server, { username: 'alice', password: alice.password, resource: 'desk' });
    xmpp.on('stanza', (s: Element) => {
      if (s.is('presence') && s.attrs.from === 'bob@example.test') presences.push(s);
    });
    await xmpp.send(xml('presence'));
    // Bob is on the phone, so his presence (not offline) reaches Alice's client.
    await server.core.presence.setLineState(web.tenantId, web.userId, 'line-1', 'connected');
  });
  after(async () => {
    await xmpp?.stop().catch(() => undefined);
    await server?.stop();
  });

  test("the web user's picture: XEP-0153 hash in presence, vCard PHOTO, XEP-0084 items", async () => {
    const res = await fetch(new URL('/api/v1/me/avatar', server.url), {
      method: 'PUT',
      headers: { authorization: `Bearer ${web.token}`, 'content-type': 'image/png' },
      body: PNG,
    });
    assert.equal(res.status, 200);
    const hash = await eventually(async () => {
      const photo = presences.at(-1)?.getChild('x', 'vcard-temp:x:update')?.getChildText('photo');
      return photo ? photo : undefined;
    }, 'the hash in presence');
    assert.equal(hash, sha1(PNG));
    const card = (await iq('get', 'bob@example.test', xml('vCard', { xmlns: 'vcard-temp' }))).getChild('vCard');
    assert.deepEqual(Buffer.from(card?.getChild('PHOTO')?.getChildText('BINVAL') ?? '', 'base64'), PNG);
    const items = (node: string) => xml('pubsub', { xmlns: PUBSUB }, xml('items', { node }));
    const meta = await iq('get', 'bob@example.test', items(METADATA));
    const item = meta.getChild('pubsub', PUBSUB)?.getChild('items')?.getChild('item');
    assert.equal(item?.attrs.id, sha1(PNG));
    assert.equal(item?.getChild('metadata', METADATA)?.getChild('info')?.attrs.type, 'image/png');
    const data = await iq('get', 'bob@example.test', items(DATA));
    const base64 = data.getChild('pubsub', PUBSUB)?.getChild('items')?.getChild('item')?.getChildText('data');
    assert.deepEqual(Buffer.from(base64 ?? '', 'base64'), PNG);
  });

  test('the client publishes its avatar: the web API serves it', async () => {
    const id = sha1(GIF);
    const publish = (node: string, payload: Element) =>
      xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node }, xml('item', { id }, payload)));
    await iq('set', undefined, publish(DATA, xml('data', { xmlns: DATA }, GIF.toString('base64'))));
    await iq(
      'set',
      undefined,
      publish(
        METADATA,
        xml('metadata', { xmlns: METADATA }, xml('info', { id, type: 'image/gif', bytes: String(GIF.length) })),
      ),
    );
    const got = await fetch(new URL(`/api/v1/users/${alice.userId}/avatar`, server.url), {
      headers: { authorization: `Bearer ${web.token}` },
    });
    assert.equal(got.headers.get('content-type'), 'image/gif');
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), GIF);
  });
});

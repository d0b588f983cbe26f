// The newcomer's path end to end over the real listener: a standard client (@xmpp/client, over
// STARTTLS with SCRAM) and a web-app user (the REST API) see each other's presence and chat in
// the same conversation — every module behind the real router, nothing driven directly.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Element, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, WAIT_MS, type XmppClient, xmppLogin } from './support/xmpp-login.js';

/** The first stanza matching `match` the client receives from now on, within a generous bound. */
function next(xmpp: XmppClient, match: (e: Element) => boolean, what: string): Promise<Element> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      xmpp.off('stanza', on);
      reject(new Error(`no ${what} within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const on = (e: Element) => {
      if (!match(e)) return;
      clearTimeout(timer);
      xmpp.off('stanza', on);
      resolve(e);
    };
    xmpp.on('stanza', on);
  });
}

describe('XMPP client and web app', () => {
  let server: TestServer;
  let web: Awaited<ReturnType<TestServer['user']>>;
  let xmpp: XmppClient;
  let alice: Awaited<ReturnType<TestServer['user']>>;

  before(async () => {
    server = await startTestServer();
    web = await server.user('bob@example.test');
    alice = await server.user('alice@example.test', { password: 'alice-password-1' });
    xmpp = await xmppLogin(server, { username: 'alice', password: alice.password, resource: 'desk' });
  });
  after(async () => {
    await xmpp?.stop().catch(() => undefined);
    await server?.stop();
  });

  test('the roster holds the colleague; their phone call arrives as presence', async () => {
    const roster = await xmpp.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' }), undefined, WAIT_MS);
    const items = (roster as Element).getChildren('item').map((i: Element) => i.attrs.jid);
    assert.ok(items.includes('bob@example.test'), `roster: ${items.join(', ')}`);

    // Alice's initial presence makes her client a presence input of hers: she shows as available.
    await xmpp.send(xml('presence'));
    await eventually(
      async () =>
        (await server.core.presence.get(web.tenantId, alice.userId)).availability === 'available' ? true : undefined,
      'alice available',
    );
    const onPhone = next(
      xmpp,
      (e) => e.is('presence') && !!e.attrs.from?.startsWith('bob@example.test') && e.getChildText('show') === 'dnd',
      'bob on the phone',
    );
    await server.core.presence.setLineState(web.tenantId, web.userId, 'line-1', 'connected');
    const p = await onPhone;
    assert.match(p.getChildText('status') ?? '', /on the phone/);
  });

  test('a web-app message arrives at the client, and the client’s answer shows in the web app', async () => {
    const conversation = await web.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    const incoming = next(xmpp, (e) => e.is('message') && e.getChildText('body') === 'Hello from the web', 'message');
    await web.api.request('messages.send', {
      params: { id: conversation.id },
      body: { text: 'Hello from the web', clientId: 'w-1' },
    });
    const m = await incoming;
    assert.equal(m.attrs.type, 'chat');
    assert.equal(m.attrs.from?.split('/')[0], 'bob@example.test');

    await xmpp.send(
      xml('message', { to: 'bob@example.test', type: 'chat', id: 'r1' }, xml('body', {}, 'Hi Bob, from Gajim')),
    );
    const answer = await eventually(async () => {
      const { messages } = await web.api.request('messages.list', { params: { id: conversation.id }, query: {} });
      return messages.find((x: { text: string }) => x.text === 'Hi Bob, from Gajim');
    }, 'the answer in the web app');
    assert.equal(answer.sender, 'alice@example.test');
  });
});

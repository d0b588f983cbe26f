// The newcomer's path end to end over the real listener: a standard client (@xmpp/client, over
// STARTTLS with SCRAM) and a web-app user (the REST API) see each other's presence and chat in
// the same conversation, the client pages that conversation's history (MAM) and joins the web
// app's group as a room (MUC) — every module behind the real router, nothing driven directly.
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
  let conversation: { id: string };

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
    conversation = await web.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
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

  test('the client pages the conversation’s history with MAM (XEP-0313)', async () => {
    const MAM = 'urn:xmpp:mam:2';
    const bodies: string[] = [];
    const collect = (e: Element) => {
      const forwarded = e.getChild('result', MAM)?.getChild('forwarded', 'urn:xmpp:forward:0');
      const body = forwarded?.getChild('message')?.getChildText('body');
      if (body) bodies.push(body);
    };
    xmpp.on('stanza', collect);
    const form = xml(
      'x',
      { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, MAM)),
      xml('field', { var: 'with' }, xml('value', {}, 'bob@example.test')),
    );
    const fin = await xmpp.iqCaller.request(
      xml('iq', { type: 'set', id: 'mam1' }, xml('query', { xmlns: MAM, queryid: 'q1' }, form)),
      WAIT_MS,
    );
    xmpp.off('stanza', collect);
    assert.equal(fin.getChild('fin', MAM)?.attrs.complete, 'true');
    // Results come before the IQ's answer (XEP-0313 §4.2): both sides of the conversation, oldest first.
    assert.deepEqual(bodies, ['Hello from the web', 'Hi Bob, from Gajim']);
  });

  test('the client joins the web app’s group as a room and sees a message said there', async () => {
    const MUC = 'http://jabber.org/protocol/muc';
    const group = await web.api.request('conversations.create', {
      body: { members: ['alice@example.test'], name: 'Team', kind: 'group' },
    });
    const room = `${group.id}@conference.example.test`;
    const self = next(
      xmpp,
      (e) =>
        e.is('presence') &&
        !!e
          .getChild('x', `${MUC}#user`)
          ?.getChildren('status')
          .some((c: Element) => c.attrs.code === '110'),
      'her own presence in the room',
    );
    await xmpp.send(xml('presence', { to: `${room}/alice` }, xml('x', { xmlns: MUC })));
    assert.equal((await self).attrs.from?.split('/')[0], room);
    const said = next(xmpp, (e) => e.attrs.type === 'groupchat' && e.getChildText('body') === 'Welcome', 'the message');
    await web.api.request('messages.send', { params: { id: group.id }, body: { text: 'Welcome', clientId: 'g-1' } });
    // The nick is the member’s name in the web app.
    assert.equal((await said).attrs.from, `${room}/Bob`);
  });
});

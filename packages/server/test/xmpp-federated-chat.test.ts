// 1:1 conversations with users of other servers in the core (issue 15): a remote user's message
// to a user who is only in the web app is kept (conversation list, history, MAM); the user's reply
// over REST is routed to the remote server once; corrections, retractions, reactions, receipts
// and chat states map both ways, and the remote user's receipts are kept; blocked domains are refused. The modules run over a test
// server's core; what goes to another server is what the router routes (`h.routed`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { blockingModule } from '../src/adapters/xmpp/modules/blocking.js';
import { carbonsModule } from '../src/adapters/xmpp/modules/carbons.js';
import { ChatModule } from '../src/adapters/xmpp/modules/chat.js';
import { NS } from '../src/adapters/xmpp/modules/chat-stanzas.js';
import { MamModule } from '../src/adapters/xmpp/modules/mam.js';
import { DATA_NS, MAM_NS } from '../src/adapters/xmpp/modules/mam-query.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';
import { eventually, type Harness, startModules } from './support/xmpp-modules.js';

const REMOTE = 'rita@far.test';
const chat = (id: string, ...children: XmlElement[]) =>
  x('message', { to: 'alice@example.test', type: 'chat', id }, ...children);
const body = (text: string) => x('body', {}, text);

describe('1:1s with users of other servers in the core', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let h: Harness;
  let conversationId = '';
  const fromRemote = (stanza: XmlElement) => h.inbound(stanza, { from: `${REMOTE}/laptop` });
  /** What was routed to the remote user since the last call. */
  const routed = async (n: number) => {
    await eventually(() => h.routed.length >= n, `${n} stanzas to ${REMOTE}`);
    return h.routed.splice(0);
  };
  const history = async () =>
    (await alice.api.request('messages.list', { params: { id: conversationId }, query: { limit: 50 } })).messages;

  before(async () => {
    ({ t, alice, bob } = await startWithPeople());
    h = await startModules(() => [blockingModule(), carbonsModule, new ChatModule(), new MamModule()], undefined, {
      core: t.core,
    });
    await t.core.federation.setDomain(alice.tenantId, 'evil.test', 'blocked');
  });
  after(async () => {
    await h.close();
    await t.stop();
  });

  test("a remote user's message to a user with no XMPP session is kept: the conversation list names them", async () => {
    await fromRemote(chat('r1', body('hello from far'), x('request', { xmlns: NS.receipts })));
    assert.deepEqual(h.routed, [], 'no error goes back (no service-unavailable)');
    const { conversations } = await alice.api.request('conversations.list', { query: {} });
    const c = conversations.find((c) => c.external === REMOTE);
    assert.ok(c, 'the 1:1 is in the list, named by the remote address');
    assert.equal(c.kind, 'direct');
    assert.deepEqual(
      c.members.map((m) => m.address),
      ['alice@example.test'],
    );
    assert.equal(c.unread, 1);
    assert.equal(c.lastMessage?.sender, REMOTE);
    assert.equal(c.lastMessage?.senderId, REMOTE);
    assert.equal(c.lastMessage?.external, true);
    conversationId = c.id;
    // The same stanza again (a retry) is the same message.
    await fromRemote(chat('r1', body('hello from far')));
    assert.equal((await history()).length, 1);
  });

  test('reading sends a marker; the reply over REST goes to the remote user once; typing a chat state', async () => {
    const [theirs] = await history();
    await alice.api.request('conversations.receipts', {
      params: { id: conversationId },
      body: { readSeq: theirs?.seq ?? 0 },
    });
    const [marker] = await routed(1);
    assert.equal(marker?.child('displayed', NS.markers)?.attrs.id, 'r1');

    const m = await alice.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'hi Rita', clientId: 'web-1' },
    });
    const [out] = await routed(1);
    assert.equal(out?.attrs.from, 'alice@example.test');
    assert.equal(out?.attrs.to, REMOTE);
    assert.equal(out?.attrs.id, 'web-1');
    assert.equal(out?.childText('body'), 'hi Rita');
    assert.equal(m.external, false);

    await alice.api.request('conversations.typing', { params: { id: conversationId }, body: { typing: true } });
    const [state] = await routed(1);
    assert.ok(state?.child('composing', NS.chatStates));
    assert.equal(state?.attrs.to, REMOTE);
  });

  test("the remote user's corrections, reactions and retractions change their messages; a receipt reaches the web app's events", async () => {
    await fromRemote(chat('r2', body('typo'), x('markable', { xmlns: NS.markers })));
    await fromRemote(chat('r3', body('no typo'), x('replace', { xmlns: NS.correct, id: 'r2' })));
    await fromRemote(chat('r4', x('reactions', { xmlns: NS.reactions, id: 'web-1' }, x('reaction', {}, '👍'))));
    await fromRemote(chat('r5', x('retract', { xmlns: NS.retract, id: 'r1' })));
    const byClient = new Map((await history()).map((m) => [m.clientId, m]));
    assert.equal(byClient.get('r2')?.text, 'no typo');
    assert.ok(byClient.get('r2')?.editedAt);
    assert.deepEqual(byClient.get('web-1')?.reactions, [{ emoji: '👍', userIds: [REMOTE] }]);
    assert.ok(byClient.get('r1')?.deletedAt, 'retracted');
    assert.equal(byClient.size, 3, 'corrections and reactions are no new messages');
    // They may not change the user's messages.
    await fromRemote(chat('r6', body('hijack'), x('replace', { xmlns: NS.correct, id: 'web-1' })));
    assert.equal(h.routed.at(-1)?.child('error')?.elements()[0]?.name, 'forbidden');
    assert.equal(byClient.get('web-1')?.text, 'hi Rita');
    h.routed.length = 0;
  });

  test('MAM serves the 1:1 with the remote user to a session that binds later; its messages reach the session', async () => {
    const gajim = await h.bind('alice@example.test', 'gajim');
    const field = (name: string, value: string) => x('field', { var: name }, x('value', {}, value));
    const iq = x(
      'iq',
      { type: 'set', id: 'q1' },
      x(
        'query',
        { xmlns: MAM_NS, queryid: 'q1' },
        x('x', { xmlns: DATA_NS, type: 'submit' }, field('FORM_TYPE', MAM_NS), field('with', REMOTE)),
      ),
    );
    assert.equal(await h.send(gajim, iq), undefined);
    await gajim.next((s) => s.name === 'iq' && s.attrs.id === 'q1', 'the fin');
    const inner = gajim.sent
      .map((s) => s.child('result', MAM_NS)?.child('forwarded', NS.forward)?.child('message'))
      .filter((m) => m !== undefined);
    assert.deepEqual(
      inner.map((m) => [m.attrs.from, m.attrs.to, m.childText('body')]),
      [
        [REMOTE, 'alice@example.test', undefined],
        ['alice@example.test', REMOTE, 'hi Rita'],
        [REMOTE, 'alice@example.test', 'no typo'],
      ],
    );
    await fromRemote(chat('r7', body('you are online')));
    const live = await gajim.next((s) => s.childText('body') === 'you are online', 'the live message');
    assert.equal(live.attrs.from, `${REMOTE}/laptop`);
    // The session's own message goes through the core to the remote user, from its full JID.
    await h.inbound(x('message', { to: REMOTE, type: 'chat', id: 'g1' }, body('from gajim')), { session: gajim });
    const [out] = await routed(1);
    assert.deepEqual(
      [out?.attrs.from, out?.attrs.to, out?.childText('body')],
      ['alice@example.test/gajim', REMOTE, 'from gajim'],
    );
    assert.equal((await history()).find((m) => m.clientId === 'g1')?.text, 'from gajim');
  });

  test("the remote user's receipts and markers are kept (after a reload too), only for the user's messages of that 1:1", async () => {
    const stored = async () =>
      (await alice.api.request('conversations.get', { params: { id: conversationId } })).externalReceipt;
    const seqOf = async (clientId: string) => (await history()).find((m) => m.clientId === clientId)?.seq ?? -1;
    const before = await stored();
    assert.ok(before && before.readSeq < (await seqOf('web-1')));
    await fromRemote(chat('k1', x('received', { xmlns: NS.receipts, id: 'web-1' })));
    assert.deepEqual(await stored(), { deliveredSeq: await seqOf('web-1'), readSeq: before.readSeq });
    await fromRemote(chat('k2', x('displayed', { xmlns: NS.markers, id: 'g1' })));
    const read = { deliveredSeq: await seqOf('g1'), readSeq: await seqOf('g1') };
    assert.deepEqual(await stored(), read);
    const { conversations } = await alice.api.request('conversations.list', { query: {} });
    assert.deepEqual(conversations.find((c) => c.id === conversationId)?.externalReceipt, read, 'in the list too');

    // Not for a message of another conversation, nor one of theirs, nor backwards; no error goes back.
    const withBob = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const forBob = async (clientId: string) =>
      alice.api.request('messages.send', { params: { id: withBob.id }, body: { text: 'for bob', clientId } });
    let elsewhere = await forBob('b-0');
    while (elsewhere.seq <= read.readSeq + 1) elsewhere = await forBob(`b-${elsewhere.seq}`);
    await fromRemote(chat('k3', x('displayed', { xmlns: NS.markers, id: elsewhere.id })));
    await fromRemote(chat('k4', x('displayed', { xmlns: NS.markers, id: elsewhere.clientId })));
    await fromRemote(chat('r8', body('mine')));
    await fromRemote(chat('k5', x('displayed', { xmlns: NS.markers, id: 'r8' })));
    await fromRemote(chat('k6', x('received', { xmlns: NS.receipts, id: 'web-1' })));
    assert.deepEqual(await stored(), read);
    assert.deepEqual(h.routed, []);
    const bobs = await bob.api.request('conversations.get', { params: { id: withBob.id } });
    assert.equal(bobs.externalReceipt, null);
  });

  test('a 1:1 with a remote address starts over REST; a blocked domain is refused; an unknown local address stays an error; a group takes a remote member', async () => {
    const c = await alice.api.request('conversations.create', { body: { members: ['otto@other-far.test'] } });
    assert.equal(c.external, 'otto@other-far.test');
    assert.equal(c.kind, 'direct');
    const again = await alice.api.request('conversations.create', { body: { members: ['otto@other-far.test'] } });
    assert.equal(again.id, c.id);
    await assert.rejects(alice.api.request('conversations.create', { body: { members: ['bad@evil.test'] } }), {
      status: 403,
      code: 'PARLEY_ERR_DOMAIN_BLOCKED',
    });
    await assert.rejects(alice.api.request('conversations.create', { body: { members: ['nobody@example.test'] } }), {
      status: 400,
    });
    // In a group, a remote address is a member of another server (xmpp-muc-federated.test.ts).
    const g = await alice.api.request('conversations.create', {
      body: { members: ['otto@other-far.test'], kind: 'group' },
    });
    assert.deepEqual(
      g.members.map((m) => [m.address, m.external]),
      [
        ['alice@example.test', false],
        ['otto@other-far.test', true],
      ],
    );
  });
});

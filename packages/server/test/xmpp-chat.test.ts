import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { carbonsModule } from '../src/adapters/xmpp/modules/carbons.js';
import { ChatModule } from '../src/adapters/xmpp/modules/chat.js';
import { NS } from '../src/adapters/xmpp/modules/chat-stanzas.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { parseJid } from '../src/lib/jid.js';
import { listen } from './support/events.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const chat = (to: string, id: string, ...children: Parameters<typeof x>[2][]) =>
  x('message', { type: 'chat', to, id }, ...children);
const body = (text: string) => x('body', {}, text);
const withBody = (text: string) => (s: XmlElement) => s.childText('body') === text;
const condition = (reply: XmlElement | undefined) => reply?.child('error')?.elements()[0]?.name;

describe('XMPP 1:1 chat over the core conversations', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let h: Harness;
  let gajim: TestSession;
  let phone: TestSession;
  let bobDino: TestSession;
  let conversationId: string;

  before(async () => {
    ({ t, alice, bob } = await startWithPeople());
    h = await startModules(() => [carbonsModule, new ChatModule()], undefined, { core: t.core });
    gajim = await h.bind('alice@example.test', 'gajim');
    phone = await h.bind('alice@example.test', 'phone');
    bobDino = await h.bind('bob@example.test', 'dino');
    const c = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    conversationId = c.id;
  });
  after(async () => {
    await h.close();
    await t.stop();
  });

  const list = async (who: Person) =>
    (await who.api.request('messages.list', { params: { id: conversationId }, query: {} })).messages;

  test('a message from a client lands in the 1:1 the web app shows; the peer gets it with stanza-id and origin-id', async () => {
    const socket = await listen(t.url, bob.token);
    try {
      await h.send(
        gajim,
        chat('bob@example.test', 'm-1', body('Hello from Gajim'), x('origin-id', { xmlns: NS.sid, id: 'o-1' })),
      );
      const live = await socket.next('message.created', (e) => e.message.text === 'Hello from Gajim');
      assert.equal(live.conversationId, conversationId);
      assert.equal(live.message.clientId, 'o-1');
      assert.equal(live.message.sender, 'alice@example.test');
      const got = await bobDino.next(withBody('Hello from Gajim'));
      assert.equal(got.attrs.type, 'chat');
      assert.equal(got.attrs.from, 'alice@example.test/gajim');
      assert.equal(got.attrs.to, 'bob@example.test/dino');
      assert.equal(got.attrs.id, 'o-1');
      assert.deepEqual(got.child('stanza-id', NS.sid)?.attrs, {
        xmlns: NS.sid,
        id: live.message.id,
        by: 'bob@example.test',
      });
      assert.equal(got.child('origin-id', NS.sid)?.attrs.id, 'o-1');
      assert.ok(got.child('request', NS.receipts) && got.child('markable', NS.markers));
    } finally {
      socket.close();
    }
  });

  test('a message from the web app reaches every session of the recipient; carbons go to the sender’s enabled sessions only', async () => {
    await h.send(phone, x('iq', { type: 'set', id: 'c1' }, x('enable', { xmlns: NS.carbons })));
    await phone.next((s) => s.attrs.id === 'c1' && s.attrs.type === 'result');
    await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'From the web', clientId: 'w-1' },
    });
    for (const s of [gajim, phone]) {
      const got = await s.next(withBody('From the web'));
      assert.equal(got.attrs.from, 'bob@example.test');
      assert.equal(got.attrs.id, 'w-1');
    }
    await h.send(gajim, chat('bob@example.test', 'm-2', body('seen on the phone')));
    const copy = await phone.next((s) => s.child('sent', NS.carbons) !== undefined);
    const inner = copy.child('sent', NS.carbons)?.child('forwarded', NS.forward)?.child('message');
    assert.equal(copy.attrs.from, 'alice@example.test');
    assert.equal(inner?.childText('body'), 'seen on the phone');
    assert.equal(inner?.attrs.from, 'alice@example.test/gajim');
    assert.equal(inner?.attrs.to, 'bob@example.test');
    await bobDino.next(withBody('seen on the phone'));
    // The sending session gets no echo, and <private/> keeps the copy away.
    await h.send(gajim, chat('bob@example.test', 'm-3', body('private'), x('private', { xmlns: NS.carbons })));
    await bobDino.next(withBody('private'));
    await h.send(gajim, chat('bob@example.test', 'm-4', body('after private')));
    await phone.next(
      (s) => s.child('sent', NS.carbons)?.child('forwarded')?.child('message')?.childText('body') === 'after private',
    );
    assert.equal(phone.sent.filter((s) => String(s).includes('>private<')).length, 0);
    assert.equal(gajim.sent.filter((s) => s.childText('body')?.startsWith('seen')).length, 0);
  });

  test('a message to a full JID goes to that resource; the others get received carbons', async () => {
    await h.send(bobDino, chat('alice@example.test/gajim', 'b-1', body('only to Gajim')));
    await gajim.next(withBody('only to Gajim'));
    const copy = await phone.next((s) => s.child('received', NS.carbons) !== undefined);
    assert.equal(
      copy.child('received', NS.carbons)?.child('forwarded')?.child('message')?.attrs.to,
      'alice@example.test/gajim',
    );
    assert.equal(phone.sent.filter(withBody('only to Gajim')).length, 0);
  });

  test('unknown local users get service-unavailable; other tenants go to the router, other servers through the core', async () => {
    // A message the core keeps nothing of (a XEP-0249 invitation) is left to the router's delivery.
    const invite = x(
      'message',
      { to: 'bob@example.test', id: 'i-1' },
      x('x', { xmlns: 'jabber:x:conference', jid: 'room@conference.example.test' }),
    );
    const taken = await Promise.all(
      h.ctx.modules.map((m) =>
        m.handle?.({ stanza: invite, from: gajim.jid, to: parseJid('bob@example.test'), session: gajim }),
      ),
    );
    assert.deepEqual(taken, [undefined, false]);
    const reply = await h.send(gajim, chat('nobody@example.test', 'n-1', body('hello?')));
    assert.equal(condition(reply), 'service-unavailable');
    await h.send(gajim, chat('mallory@other.test', 'n-2', body('hi Mallory')));
    await h.send(gajim, chat('someone@elsewhere.example', 'n-3', body('hi remote')));
    await eventually(() => h.routed.length >= 2, 'the message to the other server');
    assert.deepEqual(
      h.routed.map((s) => [s.attrs.to, s.attrs.from]),
      [
        ['mallory@other.test', 'alice@example.test/gajim'],
        ['someone@elsewhere.example', 'alice@example.test/gajim'],
      ],
    );
  });

  test('receipts and markers move the core receipts, and the web app’s receipts come back as markers', async () => {
    const sent = await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'read me', clientId: 'w-2' },
    });
    await gajim.next(withBody('read me'));
    await h.send(gajim, chat('bob@example.test', 'r-1', x('received', { xmlns: NS.receipts, id: 'w-2' })));
    await h.send(gajim, chat('bob@example.test', 'r-2', x('displayed', { xmlns: NS.markers, id: 'w-2' })));
    const c = await alice.api.request('conversations.get', { params: { id: conversationId } });
    assert.equal(c.readSeq, sent.seq);
    assert.equal(c.deliveredSeq, sent.seq);
    // Alice's phone (carbons on) learns that she read it elsewhere.
    const displayedId = (s: XmlElement) =>
      s.child('sent', NS.carbons)?.child('forwarded')?.child('message')?.child('displayed', NS.markers)?.attrs.id;
    const ownMarker = await phone.next((s) => displayedId(s) === 'w-2');
    assert.equal(
      ownMarker.child('sent', NS.carbons)?.child('forwarded')?.child('message')?.attrs.to,
      'bob@example.test',
    );

    await h.send(gajim, chat('bob@example.test', 'o-read', body('please read')));
    const mine = (await list(bob)).find((m) => m.clientId === 'o-read');
    await bob.api.request('conversations.receipts', { params: { id: conversationId }, body: { readSeq: mine?.seq } });
    const marker = await gajim.next((s) => s.child('displayed', NS.markers) !== undefined);
    assert.equal(marker.child('displayed', NS.markers)?.attrs.id, 'o-read');
    assert.equal(marker.attrs.from, 'bob@example.test');
  });

  test('chat states are typing notifications both ways', async () => {
    const socket = await listen(t.url, bob.token);
    try {
      await h.send(gajim, chat('bob@example.test', 't-1', x('composing', { xmlns: NS.chatStates })));
      assert.equal((await socket.next('typing', (e) => e.typing)).user, 'alice@example.test');
      await h.send(gajim, chat('bob@example.test', 't-2', x('paused', { xmlns: NS.chatStates })));
      await socket.next('typing', (e) => !e.typing);
    } finally {
      socket.close();
    }
    await bob.api.request('conversations.typing', { params: { id: conversationId }, body: { typing: true } });
    const state = await gajim.next((s) => s.child('composing', NS.chatStates) !== undefined);
    assert.equal(state.attrs.from, 'bob@example.test');
    assert.ok(state.child('no-store', NS.hints));
  });

  test('corrections and retractions edit and delete the sender’s own message; another’s is refused', async () => {
    await h.send(gajim, chat('bob@example.test', 'e-1', body('teh typo')));
    await bobDino.next(withBody('teh typo'));
    await h.send(
      gajim,
      chat('bob@example.test', 'e-2', body('the typo'), x('replace', { xmlns: NS.correct, id: 'e-1' })),
    );
    const fixed = await bobDino.next((s) => s.child('replace', NS.correct) !== undefined);
    assert.equal(fixed.child('replace', NS.correct)?.attrs.id, 'e-1');
    assert.equal(fixed.childText('body'), 'the typo');
    const stored = (await list(bob)).find((m) => m.clientId === 'e-1');
    assert.equal(stored?.text, 'the typo');
    assert.notEqual(stored?.editedAt, null);

    await h.send(gajim, chat('bob@example.test', 'e-3', x('retract', { xmlns: NS.retract, id: 'e-1' })));
    const gone = await bobDino.next((s) => s.child('retract', NS.retract) !== undefined);
    assert.equal(gone.child('retract', NS.retract)?.attrs.id, 'e-1');
    assert.notEqual((await list(bob)).find((m) => m.clientId === 'e-1')?.deletedAt, null);

    // Bob's message, named by the id Alice knows it by or by its core id: neither is hers to change.
    const bobs = await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'mine', clientId: 'w-3' },
    });
    const byClientKey = await h.send(
      gajim,
      chat('bob@example.test', 'x-1', body('hacked'), x('replace', { xmlns: NS.correct, id: 'w-3' })),
    );
    assert.equal(condition(byClientKey), 'item-not-found');
    const byCoreId = await h.send(
      gajim,
      chat('bob@example.test', 'x-2', x('retract', { xmlns: NS.retract, id: bobs.id })),
    );
    assert.equal(condition(byCoreId), 'forbidden');
    const untouched = (await list(bob)).find((m) => m.id === bobs.id);
    assert.equal(untouched?.text, 'mine');
    assert.equal(untouched?.deletedAt, null);
  });

  test('a correction, retraction or reaction keeps its origin on another node: <private/> and addressing', async () => {
    // A second adapter over the same core and bus: another node of a cluster, with nothing in memory.
    const other = await startModules(() => [carbonsModule, new ChatModule()], undefined, { core: t.core });
    try {
      const tablet = await other.bind('alice@example.test', 'tablet');
      await other.send(tablet, x('iq', { type: 'set', id: 'c2' }, x('enable', { xmlns: NS.carbons })));
      const sentCopy = (s: XmlElement) => s.child('sent', NS.carbons)?.child('forwarded', NS.forward)?.child('message');
      const toDino = (id: string, ...children: Parameters<typeof x>[2][]) =>
        chat('bob@example.test/dino', id, ...children);
      await h.send(gajim, toDino('n-1', body('origin test')));
      await tablet.next((s) => sentCopy(s)?.childText('body') === 'origin test');
      await h.send(gajim, toDino('n-2', body('origin fixed'), x('replace', { xmlns: NS.correct, id: 'n-1' })));
      const edit = sentCopy(await tablet.next((s) => sentCopy(s)?.child('replace', NS.correct) !== undefined));
      assert.deepEqual([edit?.attrs.from, edit?.attrs.to], ['alice@example.test/gajim', 'bob@example.test/dino']);
      const react = (id: string, emoji: string, ...more: Parameters<typeof x>[2][]) =>
        toDino(id, x('reactions', { xmlns: NS.reactions, id: 'n-1' }, x('reaction', {}, emoji)), ...more);
      await h.send(gajim, react('n-3', '🙈', x('private', { xmlns: NS.carbons })));
      await h.send(gajim, toDino('n-4', x('retract', { xmlns: NS.retract, id: 'n-1' })));
      const gone = sentCopy(await tablet.next((s) => sentCopy(s)?.child('retract', NS.retract) !== undefined));
      assert.deepEqual([gone?.attrs.from, gone?.attrs.to], ['alice@example.test/gajim', 'bob@example.test/dino']);
      assert.equal(
        tablet.sent.filter((s) => sentCopy(s)?.child('reactions', NS.reactions) !== undefined).length,
        0,
        'the private reaction made no copy',
      );
    } finally {
      await other.close();
    }
  });

  test('reactions set the sender’s reactions in the core and come back from the web app', async () => {
    const m = await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'lunch?', clientId: 'w-4' },
    });
    const react = (...emojis: string[]) =>
      chat(
        'bob@example.test',
        `re-${emojis.join('')}`,
        x('reactions', { xmlns: NS.reactions, id: 'w-4' }, ...emojis.map((e) => x('reaction', {}, e))),
      );
    await h.send(gajim, react('👍', '🍕'));
    await h.send(gajim, react('🍕'));
    const after = (await list(bob)).find((r) => r.id === m.id);
    assert.deepEqual(after?.reactions, [{ emoji: '🍕', userIds: [alice.userId] }]);
    const tooMany = await h.send(gajim, react(...Array.from({ length: 21 }, (_, i) => `e${i}`)));
    assert.equal(condition(tooMany), 'not-acceptable');

    await bob.api.request('messages.react', { params: { id: conversationId, messageId: m.id, emoji: '🎉' } });
    const got = await gajim.next((s) => s.child('reactions', NS.reactions)?.child('reaction')?.text() === '🎉');
    assert.equal(got.attrs.from, 'bob@example.test');
    assert.equal(got.child('reactions', NS.reactions)?.attrs.id, 'w-4');
  });

  test('replies name the message replied to, without the quoted fallback', async () => {
    const m = await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'where?', clientId: 'w-5' },
    });
    const quoted = '> where?\n';
    await h.send(
      gajim,
      chat(
        'bob@example.test',
        'rep-1',
        body(`${quoted}the usual place`),
        x('reply', { xmlns: NS.reply, id: 'w-5', to: 'bob@example.test' }),
        x('fallback', { xmlns: NS.fallback, for: NS.reply }, x('body', { start: '0', end: String(quoted.length) })),
      ),
    );
    const stored = (await list(bob)).find((r) => r.clientId === 'rep-1');
    assert.equal(stored?.text, 'the usual place');
    assert.equal(stored?.replyTo, m.id);
    const got = await bobDino.next(withBody('the usual place'));
    assert.deepEqual(got.child('reply', NS.reply)?.attrs, { xmlns: NS.reply, id: 'w-5', to: 'bob@example.test' });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscoModule } from '../src/adapters/xmpp/modules/disco.js';
import { MucModule } from '../src/adapters/xmpp/modules/muc.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const MUC = 'http://jabber.org/protocol/muc';
const USER = `${MUC}#user`;

/** Waits (up to 30 s) until the session was sent a stanza matching `match`, and takes everything sent so far. */
async function received(s: TestSession, match: (e: XmlElement) => boolean): Promise<XmlElement[]> {
  const deadline = Date.now() + 30_000;
  while (!s.sent.some(match)) {
    if (Date.now() > deadline) assert.fail(`never received; got ${s.sent.join('\n')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return s.take();
}

const codes = (p: XmlElement | undefined) =>
  p
    ?.child('x', USER)
    ?.elements('status')
    .map((c) => Number(c.attrs.code));

describe('XMPP MUC over group conversations', () => {
  let h: Harness;
  let alice: TestSession;
  let bob: TestSession;
  let carol: TestSession;
  let room: string;
  let groupId: string;
  const caller = (s: TestSession) => ({ tenantId: s.tenantId, userId: s.user.id });

  before(async () => {
    h = await startModules(() => [new DiscoModule(), new MucModule()]);
    alice = await h.bind('alice@example.test', 'phone');
    bob = await h.bind('bob@example.test', 'laptop');
    carol = await h.bind('carol@example.test', 'pc');
    const g = await h.core.messaging.conversations.create(caller(alice), {
      members: ['bob@example.test'],
      name: 'Team',
      topic: 'Plans',
    });
    groupId = g.id;
    room = `${g.id}@conference.example.test`;
    for (let i = 1; i <= 5; i++) {
      await h.core.messaging.send(caller(i % 2 ? alice : bob), g.id, { text: `old ${i}`, clientId: `old-${i}` });
    }
  });
  after(() => h.close());

  test('the server lists the service; the service lists the rooms the user is a member of', async () => {
    const items = await h.request(
      alice,
      x(
        'iq',
        { type: 'get', id: 'i1', to: 'example.test' },
        x('query', { xmlns: 'http://jabber.org/protocol/disco#items' }),
      ),
    );
    assert.deepEqual(items?.child('query')?.child('item')?.attrs, {
      jid: 'conference.example.test',
      name: 'Group chats',
    });
    const info = await h.request(
      alice,
      x(
        'iq',
        { type: 'get', id: 'i2', to: 'conference.example.test' },
        x('query', { xmlns: 'http://jabber.org/protocol/disco#info' }),
      ),
    );
    assert.deepEqual(info?.child('query')?.child('identity')?.attrs, {
      category: 'conference',
      type: 'text',
      name: 'Group chats',
    });
    const rooms = (s: TestSession) =>
      h.request(
        s,
        x(
          'iq',
          { type: 'get', id: 'i3', to: 'conference.example.test' },
          x('query', { xmlns: 'http://jabber.org/protocol/disco#items' }),
        ),
      );
    assert.deepEqual(
      (await rooms(bob))
        ?.child('query')
        ?.elements('item')
        .map((i) => i.attrs),
      [{ jid: room, name: 'Team' }],
    );
    assert.deepEqual((await rooms(carol))?.child('query')?.elements('item'), []);
  });

  test('room disco: members-only, non-anonymous, persistent, MAM, the room info form; non-members learn nothing', async () => {
    const info = await h.request(
      alice,
      x('iq', { type: 'get', id: 'r1', to: room }, x('query', { xmlns: 'http://jabber.org/protocol/disco#info' })),
    );
    const q = info?.child('query');
    assert.deepEqual(q?.child('identity')?.attrs, { category: 'conference', type: 'text', name: 'Team' });
    const features = q?.elements('feature').map((f) => f.attrs.var) ?? [];
    for (const f of [MUC, 'muc_persistent', 'muc_membersonly', 'muc_nonanonymous', 'urn:xmpp:mam:2'])
      assert.ok(features.includes(f), f);
    const fields = Object.fromEntries(
      q
        ?.child('x')
        ?.elements('field')
        .map((f) => [f.attrs.var, f.childText('value')]) ?? [],
    );
    assert.equal(fields.FORM_TYPE, `${MUC}#roominfo`);
    assert.equal(fields['muc#roominfo_occupants'], '2');
    assert.equal(fields['muc#roominfo_description'], 'Plans');
    const refused = await h.request(
      carol,
      x('iq', { type: 'get', id: 'r2', to: room }, x('query', { xmlns: 'http://jabber.org/protocol/disco#info' })),
    );
    assert.ok(refused?.child('error')?.child('registration-required'));
  });

  // Joining a room that does not exist creates it: xmpp-muc-rooms.test.ts.
  test('a non-member is refused with registration-required', async () => {
    for (const to of [`${room}/Carol`]) {
      await h.send(carol, x('presence', { to }, x('x', { xmlns: MUC })));
      const [err] = carol.take();
      assert.equal(err?.attrs.type, 'error');
      assert.ok(err?.child('error')?.child('registration-required'), to);
    }
  });

  test('join: the other members as occupants, self presence with 110/100/170 (+210 for an assigned nick), history, subject', async () => {
    await h.send(
      bob,
      x('presence', { to: `${room}/bobby` }, x('x', { xmlns: MUC }, x('history', { maxstanzas: '3' }))),
    );
    const got = bob.take();
    const [others, self, ...rest] = got;
    assert.equal(others?.attrs.from, `${room}/Alice`);
    assert.deepEqual(others?.child('x', USER)?.child('item')?.attrs, {
      affiliation: 'owner',
      role: 'moderator',
      jid: 'alice@example.test',
    });
    assert.equal(self?.attrs.from, `${room}/Bob`);
    assert.deepEqual(codes(self), [110, 100, 170, 210]);
    assert.deepEqual(self?.child('x', USER)?.child('item')?.attrs, {
      affiliation: 'member',
      role: 'participant',
      jid: 'bob@example.test/laptop',
    });
    const history = rest.slice(0, -1);
    assert.deepEqual(
      history.map((m) => m.childText('body')),
      ['old 3', 'old 4', 'old 5'],
    );
    assert.equal(history[0]?.attrs.from, `${room}/Alice`);
    assert.ok(history[0]?.child('delay', 'urn:xmpp:delay')?.attrs.stamp);
    assert.equal(history[0]?.child('stanza-id', 'urn:xmpp:sid:0')?.attrs.by, room);
    assert.equal(rest.at(-1)?.childText('subject'), 'Plans');
  });

  test('groupchat: an XMPP message is the group message the web app sees, and comes back to every joined occupant', async () => {
    await h.send(
      alice,
      x('presence', { to: `${room}/Alice` }, x('x', { xmlns: MUC }, x('history', { maxchars: '0' }))),
    );
    const join = alice.take();
    assert.equal(join.filter((s) => s.name === 'message').length, 1, 'only the subject');
    await h.send(alice, x('message', { to: room, type: 'groupchat', id: 'm1' }, x('body', {}, 'hello from XMPP')));
    const [echo] = await received(alice, (s) => s.childText('body') === 'hello from XMPP');
    assert.equal(echo?.attrs.id, 'm1');
    assert.equal(echo?.attrs.from, `${room}/Alice`);
    const [atBob] = await received(bob, (s) => s.childText('body') === 'hello from XMPP');
    const { messages } = await h.core.messaging.history(caller(bob), groupId, { limit: 1 });
    assert.equal(messages[0]?.text, 'hello from XMPP');
    assert.equal(atBob?.child('stanza-id')?.attrs.id, messages[0]?.id);
    // The web app's message reaches the XMPP occupants.
    await h.core.messaging.send(caller(bob), groupId, { text: 'from the web', clientId: 'web-1' });
    const [web] = await received(alice, (s) => s.childText('body') === 'from the web');
    assert.equal(web?.attrs.from, `${room}/Bob`);
    assert.equal(web?.attrs.type, 'groupchat');
    await received(bob, (s) => s.childText('body') === 'from the web');
  });

  test('self-ping (XEP-0410): a result with the joined nick, not-acceptable otherwise', async () => {
    const ping = (s: TestSession, to: string) =>
      h.request(s, x('iq', { type: 'get', id: `p-${to}`, to }, x('ping', { xmlns: 'urn:xmpp:ping' })));
    assert.equal((await ping(bob, `${room}/Bob`))?.attrs.type, 'result');
    assert.ok((await ping(bob, `${room}/Alice`))?.child('error')?.child('not-acceptable'));
    assert.ok((await ping(carol, `${room}/Carol`))?.child('error')?.child('not-acceptable'));
    assert.equal((await ping(carol, 'conference.example.test'))?.attrs.type, 'result');
  });

  test("a nick change is refused (nicks are the members' names); private messages are refused", async () => {
    await h.send(bob, x('presence', { to: `${room}/Robert` }));
    const [err] = bob.take();
    assert.ok(err?.child('error')?.child('not-acceptable'));
    await h.send(bob, x('message', { to: `${room}/Alice`, type: 'chat', id: 'pm' }, x('body', {}, 'psst')));
    const [pm] = bob.take();
    assert.ok(pm?.child('error')?.child('not-acceptable'));
  });

  test('members coming and going show as occupants; the subject follows the topic', async () => {
    await h.core.messaging.conversations.addMembers(caller(alice), groupId, ['carol@example.test']);
    const [came] = await received(bob, (s) => s.attrs.from === `${room}/Carol`);
    assert.equal(came?.attrs.type, undefined);
    await h.core.messaging.conversations.update(caller(alice), groupId, { topic: 'New plans' });
    await received(bob, (s) => s.childText('subject') === 'New plans');
    await h.core.messaging.conversations.removeMember(caller(alice), groupId, carol.user.id);
    const [went] = await received(bob, (s) => s.attrs.from === `${room}/Carol` && s.attrs.type === 'unavailable');
    assert.deepEqual(codes(went), [321]);
  });

  test('a subject from XMPP is the group topic: owners may set it, members are forbidden', async () => {
    await h.send(alice, x('message', { to: room, type: 'groupchat', id: 's1' }, x('subject', {}, 'Set from XMPP')));
    await received(bob, (s) => s.childText('subject') === 'Set from XMPP');
    assert.equal((await h.core.messaging.conversations.get(caller(bob), groupId)).topic, 'Set from XMPP');
    alice.take();
    await h.send(bob, x('message', { to: room, type: 'groupchat', id: 's2' }, x('subject', {}, 'Mine')));
    const [refused] = bob.take();
    assert.equal(refused?.attrs.id, 's2');
    assert.ok(refused?.child('error')?.child('forbidden'));
  });

  test('MAM for the room: pages forwards and backwards with RSM', async () => {
    const query = async (set: XmlElement[]) => {
      const res = await h.request(
        alice,
        x(
          'iq',
          { type: 'set', id: 'mam', to: room },
          x(
            'query',
            { xmlns: 'urn:xmpp:mam:2', queryid: 'q' },
            x('set', { xmlns: 'http://jabber.org/protocol/rsm' }, set),
          ),
        ),
      );
      const results = alice.take().filter((s) => s.child('result'));
      return {
        fin: res?.child('fin'),
        bodies: results.map((r) => r.child('result')?.child('forwarded')?.child('message')?.childText('body')),
        results,
      };
    };
    const first = await query([x('max', {}, '3')]);
    assert.deepEqual(first.bodies, ['old 1', 'old 2', 'old 3']);
    assert.equal(first.fin?.attrs.complete, undefined);
    assert.equal(first.results[0]?.child('result')?.attrs.queryid, 'q');
    const next = await query([x('max', {}, '3'), x('after', {}, first.fin?.child('set')?.childText('last') ?? '')]);
    assert.deepEqual(next.bodies, ['old 4', 'old 5', 'hello from XMPP']);
    const rest = await query([x('max', {}, '3'), x('after', {}, next.fin?.child('set')?.childText('last') ?? '')]);
    assert.deepEqual(rest.bodies, ['from the web']);
    assert.equal(rest.fin?.attrs.complete, 'true');
    const last = await query([x('max', {}, '2'), x('before', {})]);
    assert.deepEqual(last.bodies, ['hello from XMPP', 'from the web']);
    const earlier = await query([
      x('max', {}, '10'),
      x('before', {}, last.fin?.child('set')?.childText('first') ?? ''),
    ]);
    assert.deepEqual(earlier.bodies, ['old 1', 'old 2', 'old 3', 'old 4', 'old 5']);
    assert.equal(earlier.fin?.attrs.complete, 'true');
    const unknown = await query([x('after', {}, 'no-such-id')]);
    assert.equal(unknown.fin, undefined);
  });

  test('leave: self unavailable with 110, and nothing more arrives', async () => {
    await h.send(bob, x('presence', { to: `${room}/Bob`, type: 'unavailable' }));
    const [left] = bob.take();
    assert.equal(left?.attrs.type, 'unavailable');
    assert.deepEqual(codes(left), [110]);
    await h.core.messaging.send(caller(alice), groupId, { text: 'after bob left', clientId: 'late' });
    await received(alice, (s) => s.childText('body') === 'after bob left');
    assert.deepEqual(bob.sent, []);
  });

  test("a session that ends leaves its rooms; the user's other joined session still gets the room", async () => {
    const tablet = await h.bind('alice@example.test', 'tablet');
    await h.send(tablet, x('presence', { to: `${room}/Alice` }, x('x', { xmlns: MUC })));
    tablet.take();
    await h.end(alice);
    await h.core.messaging.send(caller(bob), groupId, { text: 'after the phone went', clientId: 'gone' });
    await received(tablet, (s) => s.childText('body') === 'after the phone went');
    assert.deepEqual(
      h.routed.filter((s) => s.attrs.to === 'alice@example.test/phone'),
      [],
    );
  });
});

// The stanza modules towards users of other servers (issue 15): subscriptions, presence at the
// detail the domain's trust level allows, probes, remote contacts' presence, and 1:1 messages.
// Stanzas from a federated server enter as the router hands them over (no session); what goes to
// another server is what the modules route (`h.routed`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { blockingModule } from '../src/adapters/xmpp/modules/blocking.js';
import { carbonsModule } from '../src/adapters/xmpp/modules/carbons.js';
import { ChatModule } from '../src/adapters/xmpp/modules/chat.js';
import { pingModule } from '../src/adapters/xmpp/modules/ping.js';
import { presenceModule } from '../src/adapters/xmpp/modules/presence.js';
import { rosterModule } from '../src/adapters/xmpp/modules/roster.js';
import { subscriptionsModule } from '../src/adapters/xmpp/modules/subscriptions.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import type { User } from '../src/core/users/model.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const START = Date.UTC(2026, 2, 2, 9, 0);
const H = 3_600_000;
const CARBONS = 'urn:xmpp:carbons:2';

const routedTo = (h: Harness, jid: string) => h.routed.filter((s) => s.attrs.to === jid);
const presences = (s: TestSession, from: string) =>
  s.sent.filter((st) => st.name === 'presence' && st.attrs.from === from);
const kind = (p: XmlElement | undefined) => p && (p.attrs.type ?? 'available');

describe('XMPP modules towards users of other servers', () => {
  let h: Harness;
  let ann: User;
  let pc: TestSession;
  const fromRemote = (jid: string, stanza: XmlElement) => h.inbound(stanza, { from: jid });
  const state = async (jid: string) => {
    const i = await h.core.roster.get(ann.tenantId, ann.id, jid);
    return [i.subscription, i.pendingOut, i.pendingIn];
  };

  before(async () => {
    h = await startModules(
      () => [
        blockingModule(),
        rosterModule(),
        subscriptionsModule(),
        presenceModule(),
        carbonsModule,
        new ChatModule(),
        pingModule,
      ],
      START,
    );
    ann = await h.user('ann@acme.test');
    // far.test keeps the default level (public).
    await h.core.federation.setDomain(ann.tenantId, 'partner.test', 'business');
    await h.core.federation.setDomain(ann.tenantId, 'friends.test', 'trusted');
    await h.core.federation.setDomain(ann.tenantId, 'evil.test', 'blocked');
    pc = h.session(ann, 'pc');
    await h.inbound(x('presence'), { session: pc });
  });
  after(() => h.close());

  test('a request from a public or business domain waits for the user; a trusted one is approved at once; a blocked one is dropped', async () => {
    await fromRemote('pub@far.test', x('presence', { to: 'ann@acme.test', type: 'subscribe' }));
    await fromRemote('biz@partner.test/laptop', x('presence', { to: 'ann@acme.test', type: 'subscribe' }));
    assert.deepEqual(presences(pc, 'pub@far.test').map(kind), ['subscribe']);
    assert.deepEqual(presences(pc, 'biz@partner.test').map(kind), ['subscribe']);
    assert.deepEqual(await state('pub@far.test'), ['none', false, true]);
    assert.equal(h.routed.length, 0, 'nothing answered for the user');

    await fromRemote('tru@friends.test', x('presence', { to: 'ann@acme.test', type: 'subscribe' }));
    assert.deepEqual(presences(pc, 'tru@friends.test'), [], 'the user is not asked');
    assert.deepEqual(await state('tru@friends.test'), ['from', false, false]);
    assert.deepEqual(routedTo(h, 'tru@friends.test').map(kind), ['subscribed', 'available']);
    assert.equal(routedTo(h, 'tru@friends.test')[1]?.attrs.from, 'ann@acme.test');

    await fromRemote('bad@evil.test', x('presence', { to: 'ann@acme.test', type: 'subscribe' }));
    assert.deepEqual(presences(pc, 'bad@evil.test'), []);
    assert.deepEqual(await state('bad@evil.test'), ['none', false, false], 'nothing kept of it');
    await h.inbound(x('presence', { to: 'bad@evil.test', type: 'subscribe' }), { session: pc });
    assert.equal(routedTo(h, 'bad@evil.test').length, 0, 'no request goes to a blocked domain');
    const refused = pc.sent.at(-1);
    assert.equal(refused?.attrs.type, 'error');
    assert.ok(refused?.child('error')?.child('not-acceptable', 'urn:ietf:params:xml:ns:xmpp-stanzas'));

    // The user approves the others: each gets `subscribed` and the user's presence (RFC 6121 §3.1.5).
    h.routed.length = 0;
    await h.inbound(x('presence', { to: 'pub@far.test', type: 'subscribed' }), { session: pc });
    await h.inbound(x('presence', { to: 'biz@partner.test', type: 'subscribed' }), { session: pc });
    assert.deepEqual(await state('pub@far.test'), ['from', false, false]);
    assert.deepEqual(routedTo(h, 'pub@far.test').map(kind), ['subscribed', 'available']);
    assert.deepEqual(routedTo(h, 'biz@partner.test').map(kind), ['subscribed', 'available']);
  });

  test("the user's presence reaches each remote subscriber once, at the detail its domain's trust allows", async () => {
    h.routed.length = 0;
    await h.core.presence.setCalendar(ann.tenantId, ann.id, {
      blocks: [{ start: START - H, end: Date.UTC(2026, 2, 2, 14, 30), show: 'busy', subject: 'Budget' }],
      fetchedAt: START,
      stale: false,
    });
    await eventually(() => routedTo(h, 'tru@friends.test').length > 0, 'the change reaches the last subscriber');
    const status = (jid: string) => routedTo(h, jid).map((p) => [p.childText('show'), p.childText('status')]);
    assert.deepEqual(status('pub@far.test'), [['dnd', 'busy']], 'public: availability only');
    assert.deepEqual(status('biz@partner.test'), [['dnd', 'busy – in a meeting']], 'business: and flags');
    assert.deepEqual(status('tru@friends.test'), [['dnd', 'busy – in a meeting until 14:30']], 'trusted: a colleague');
    assert.equal(routedTo(h, 'bad@evil.test').length, 0);

    // A note: the trusted domain sees it, the business one its flag, the public one nothing new.
    h.routed.length = 0;
    await h.core.presence.setManual(ann.tenantId, ann.id, { note: 'back at 3' });
    await eventually(() => routedTo(h, 'tru@friends.test').length > 0, 'the note reaches the trusted subscriber');
    assert.equal(
      routedTo(h, 'tru@friends.test')[0]?.childText('status'),
      'busy – in a meeting until 14:30 – back at 3',
    );
    assert.deepEqual(
      h.routed.map((p) => p.attrs.to),
      ['biz@partner.test', 'tru@friends.test'],
    );
  });

  test('probes from other servers are answered as the trust level allows, and only for subscribers', async () => {
    h.routed.length = 0;
    await fromRemote('pub@far.test/phone', x('presence', { to: 'ann@acme.test', type: 'probe' }));
    await fromRemote('biz@partner.test', x('presence', { to: 'ann@acme.test', type: 'probe' }));
    await fromRemote('stranger@far.test', x('presence', { to: 'ann@acme.test', type: 'probe' }));
    await fromRemote('bad@evil.test', x('presence', { to: 'ann@acme.test', type: 'probe' }));
    assert.deepEqual(
      h.routed.map((p) => [p.attrs.from, p.attrs.to, p.childText('status')]),
      [
        ['ann@acme.test', 'pub@far.test', 'busy'],
        ['ann@acme.test', 'biz@partner.test', 'busy – in a meeting'],
      ],
    );
  });

  test("remote contacts' presence reaches the user's sessions; a later session gets what is known, else probes", async () => {
    await h.inbound(x('presence', { to: 'pub@far.test', type: 'subscribe' }), { session: pc });
    await h.inbound(x('presence', { to: 'biz@partner.test', type: 'subscribe' }), { session: pc });
    await fromRemote('pub@far.test', x('presence', { to: 'ann@acme.test', type: 'subscribed' }));
    await fromRemote('biz@partner.test', x('presence', { to: 'ann@acme.test', type: 'subscribed' }));
    assert.deepEqual(await state('pub@far.test'), ['both', false, false]);

    await fromRemote('pub@far.test/phone', x('presence', { to: 'ann@acme.test' }, x('show', {}, 'away')));
    await fromRemote('stranger@far.test/x', x('presence', { to: 'ann@acme.test' }));
    assert.equal(presences(pc, 'pub@far.test/phone').at(-1)?.childText('show'), 'away');
    assert.deepEqual(presences(pc, 'stranger@far.test/x'), [], 'no subscription to them: dropped');

    h.routed.length = 0;
    const phone = h.session(ann, 'phone');
    await h.inbound(x('presence'), { session: phone });
    const known = presences(phone, 'pub@far.test/phone');
    assert.equal(known.length, 1, 'what this node knows of pub, at once');
    assert.equal(known[0]?.attrs.to, 'ann@acme.test/phone');
    assert.equal(known[0]?.childText('show'), 'away');
    const probes = h.routed.filter((p) => p.attrs.type === 'probe').map((p) => [p.attrs.from, p.attrs.to]);
    assert.deepEqual(probes, [['ann@acme.test', 'biz@partner.test']], 'only the contact nothing is known of');

    await fromRemote('pub@far.test/phone', x('presence', { to: 'ann@acme.test', type: 'unavailable' }));
    assert.equal(kind(presences(phone, 'pub@far.test/phone').at(-1)), 'unavailable');
    h.routed.length = 0;
    const tablet = h.session(ann, 'tablet');
    await h.inbound(x('presence'), { session: tablet });
    assert.deepEqual(presences(tablet, 'pub@far.test/phone'), []);
    assert.ok(
      h.routed.some((p) => p.attrs.type === 'probe' && p.attrs.to === 'pub@far.test'),
      'gone: probed again',
    );
    await h.end(tablet);
  });

  test("1:1 messages are the core's 1:1 with the remote user: theirs to every session or the one named, with carbons; the user's routed there once, with carbons", async () => {
    const phone = [...h.ctx.sessions.ofUser(ann.tenantId, ann.id)].find(
      (s) => s.jid.resource === 'phone',
    ) as TestSession;
    await h.iq(phone, 'set', x('enable', { xmlns: CARBONS }));
    const withBody = (text: string) => (st: XmlElement) => st.name === 'message' && st.childText('body') === text;
    const carbonOf = (kind: string, text: string) => (st: XmlElement) =>
      st.child(kind, CARBONS)?.child('forwarded', 'urn:xmpp:forward:0')?.child('message')?.childText('body') === text;

    await fromRemote(
      'pub@far.test/phone',
      x('message', { to: 'ann@acme.test', type: 'chat', id: 'm1' }, x('body', {}, 'hi')),
    );
    for (const s of [pc, phone]) {
      const m = await s.next(withBody('hi'), 'the message');
      assert.equal(m.attrs.from, 'pub@far.test/phone');
      assert.equal(m.child('stanza-id', 'urn:xmpp:sid:0')?.attrs.by, 'ann@acme.test', 'archived by the user');
    }
    const [c] = await h.core.messaging.conversations.list({ tenantId: ann.tenantId, userId: ann.id });
    assert.equal(c?.external, 'pub@far.test', 'a 1:1 of the core, named by the remote address');
    assert.equal(c?.lastMessage?.sender, 'pub@far.test');
    assert.equal(c?.lastMessage?.externalSender, 'pub@far.test');

    await fromRemote(
      'pub@far.test/phone',
      x('message', { to: 'ann@acme.test/pc', type: 'chat', id: 'm2' }, x('body', {}, 'to your pc')),
    );
    await pc.next(withBody('to your pc'), 'the message to the resource');
    await phone.next(carbonOf('received', 'to your pc'), 'a received carbon');
    assert.equal(phone.sent.filter(withBody('to your pc')).length, 0, 'the other session has only the carbon');

    h.routed.length = 0;
    await h.inbound(x('message', { to: 'pub@far.test', type: 'chat', id: 'a1' }, x('body', {}, 'hello there')), {
      session: pc,
    });
    await eventually(() => h.routed.length > 0, 'the message to the remote user');
    await phone.next(carbonOf('sent', 'hello there'), 'a sent carbon');
    // Their receipt for it reaches the user's sessions (it is not stored).
    await fromRemote(
      'pub@far.test/phone',
      x(
        'message',
        { to: 'ann@acme.test/pc', id: 'r1' },
        x('displayed', { xmlns: 'urn:xmpp:chat-markers:0', id: 'a1' }),
      ),
    );
    await pc.next((st) => st.child('displayed', 'urn:xmpp:chat-markers:0')?.attrs.id === 'a1', 'the marker');
    await h.inbound(
      x(
        'message',
        { to: 'pub@far.test/phone', type: 'chat', id: 'a2' },
        x('composing', { xmlns: 'http://jabber.org/protocol/chatstates' }),
      ),
      { session: pc },
    );
    await eventually(() => h.routed.length > 1, 'the chat state');
    assert.deepEqual(
      h.routed.map((m) => [m.attrs.from, m.attrs.to, m.childText('body') ?? m.elements()[0]?.name, m.attrs.id]),
      [
        ['ann@acme.test/pc', 'pub@far.test', 'hello there', 'a1'],
        ['ann@acme.test', 'pub@far.test', 'composing', undefined],
      ],
    );

    const messages = (s: TestSession) => s.sent.filter((st) => st.name === 'message');
    // A blocked domain reaches no one: its message is refused, as is what it asks of the domain or its services.
    h.routed.length = 0;
    const before = messages(pc).length;
    await fromRemote(
      'bad@evil.test/x',
      x('message', { to: 'ann@acme.test', type: 'chat', id: 'e1' }, x('body', {}, 'spam')),
    );
    assert.equal(messages(pc).length, before);
    assert.deepEqual(
      h.routed.map((m) => [m.attrs.to, m.attrs.type, m.child('error')?.elements()[0]?.name]),
      [['bad@evil.test/x', 'error', 'service-unavailable']],
    );
    h.routed.length = 0;
    const ping = x('ping', { xmlns: 'urn:xmpp:ping' });
    await fromRemote('bad@evil.test/x', x('iq', { to: 'acme.test', type: 'get', id: 'p1' }, ping));
    await fromRemote('bad@evil.test/x', x('iq', { to: 'conference.acme.test', type: 'get', id: 'p2' }, ping));
    await fromRemote('pub@far.test/phone', x('iq', { to: 'acme.test', type: 'get', id: 'p3' }, ping));
    assert.deepEqual(
      h.routed.map((m) => [m.attrs.id, m.attrs.type]),
      [
        ['p1', 'error'],
        ['p2', 'error'],
        ['p3', 'result'],
      ],
      'the other domain is answered (XEP-0199 §4.3)',
    );
  });

  test('a trust level the admins change reaches the subscribers at once; an unsubscribe makes the user unavailable to its sender', async () => {
    h.routed.length = 0;
    await h.core.federation.setDomain(ann.tenantId, 'friends.test', 'public');
    await eventually(() => routedTo(h, 'tru@friends.test').length > 0, 'the trusted domain is public now');
    assert.equal(routedTo(h, 'tru@friends.test')[0]?.childText('status'), 'busy', 'no meeting, no note now');
    await h.core.federation.setDomain(ann.tenantId, 'partner.test', 'blocked');
    await eventually(() => routedTo(h, 'biz@partner.test').length > 1, 'the business domain is blocked now');
    assert.equal(kind(routedTo(h, 'biz@partner.test').at(-1)), 'unavailable');

    h.routed.length = 0;
    await h.core.presence.setManual(ann.tenantId, ann.id, { availability: 'dnd' });
    await eventually(() => routedTo(h, 'tru@friends.test').length > 0, 'dnd reaches the subscribers');
    assert.equal(routedTo(h, 'pub@far.test')[0]?.childText('status'), 'do not disturb');
    assert.deepEqual(routedTo(h, 'biz@partner.test'), [], 'a blocked domain hears nothing');

    h.routed.length = 0;
    await fromRemote('pub@far.test', x('presence', { to: 'ann@acme.test', type: 'unsubscribe' }));
    assert.deepEqual(await state('pub@far.test'), ['to', false, false]);
    assert.equal(kind(presences(pc, 'pub@far.test').at(-1)), 'unsubscribe');
    assert.deepEqual(routedTo(h, 'pub@far.test').map(kind), ['unavailable'], 'RFC 6121 §3.3.3');
  });
});

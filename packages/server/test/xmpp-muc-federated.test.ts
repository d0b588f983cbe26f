// Members of other servers in a Parley room (issue 15): a Parley user invites a remote JID (the
// core makes them a member of the group, the web app lists them with their address); over s2s
// they join with a nick of theirs (self-presence 110, the occupants, history, subject), another
// member's nick is refused (409 conflict), a non-member is refused (407 registration-required);
// their groupchat message is theirs in the core (REST history, the Parley XMPP occupant), a
// message of a Parley user reaches them from room/nick, they leave, and a removal over REST
// tells them (321). What goes to the other server is what the router routes (`h.routed`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MucModule } from '../src/adapters/xmpp/modules/muc.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const MUC = 'http://jabber.org/protocol/muc';
const USER = `${MUC}#user`;
const RITA = 'rita@far.test';
const codes = (p: XmlElement | undefined) =>
  p
    ?.child('x', USER)
    ?.elements('status')
    .map((c) => Number(c.attrs.code));

describe('members of other servers in a Parley room', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let h: Harness;
  let aliceXmpp: TestSession;
  let groupId = '';
  let room = '';
  /** What was routed to other servers since the last call, once `match` is among it. */
  const routed = async (match: (s: XmlElement) => boolean, what: string) => {
    await eventually(() => h.routed.some(match), what);
    return h.routed.splice(0);
  };
  const fromRemote = (jid: string, stanza: XmlElement) => h.inbound(stanza, { from: jid });
  const join = (jid: string, nick: string, history?: Record<string, string>) =>
    fromRemote(jid, x('presence', { to: `${room}/${nick}` }, x('x', { xmlns: MUC }, history && x('history', history))));
  const members = async () => (await alice.api.request('conversations.get', { params: { id: groupId } })).members;

  before(async () => {
    ({ t, alice, bob } = await startWithPeople());
    await t.core.federation.setDomain(alice.tenantId, 'evil.test', 'blocked');
    h = await startModules(() => [new MucModule()], undefined, { core: t.core });
    const g = await alice.api.request('conversations.create', {
      body: { members: ['bob@example.test'], name: 'Team', topic: 'Plans' },
    });
    groupId = g.id;
    room = `${g.id}@conference.example.test`;
    await alice.api.request('messages.send', { params: { id: groupId }, body: { text: 'before', clientId: 'b1' } });
    aliceXmpp = await h.bind('alice@example.test', 'phone');
    await h.inbound(x('presence', { to: `${room}/Alice` }, x('x', { xmlns: MUC })), { session: aliceXmpp });
    await aliceXmpp.next((s) => s.name === 'message' && s.child('subject') !== undefined, 'the subject');
    aliceXmpp.take();
  });
  after(async () => {
    await h.close();
    await t.stop();
  });

  test('a mediated invitation to a remote JID makes them a member; blocked domains and unknown local users are refused', async () => {
    const invite = (to: string) =>
      x('message', { to: room, id: `inv-${to}` }, x('x', { xmlns: USER }, x('invite', { to })));
    await h.inbound(invite(RITA), { session: aliceXmpp });
    const [sent] = await routed((s) => s.attrs.to === RITA, 'the invitation to the remote JID');
    assert.equal(sent?.attrs.from, room);
    assert.equal(sent?.child('x', USER)?.child('invite')?.attrs.from, 'alice@example.test');
    const rita = (await members()).find((m) => m.address === RITA);
    assert.deepEqual(
      [rita?.userId, rita?.external, rita?.displayName, rita?.label, rita?.role],
      [RITA, true, 'rita', `rita (${RITA})`, 'member'],
    );
    for (const to of ['eve@evil.test', 'nobody@example.test']) {
      await h.inbound(invite(to), { session: aliceXmpp });
      const error = await aliceXmpp.next((s) => s.attrs.type === 'error', `the refusal of ${to}`);
      // A blocked domain has its own code (PARLEY_ERR_DOMAIN_BLOCKED), not-acceptable over XMPP.
      const condition = to.endsWith('evil.test') ? 'not-acceptable' : 'bad-request';
      assert.equal(error.child('error')?.elements()[0]?.name, condition);
    }
    // REST adds one too (a plain member); the web app lists both.
    await alice.api.request('conversations.members.add', {
      params: { id: groupId },
      body: { members: ['sam@far.test'] },
    });
    assert.deepEqual(
      (await members()).filter((m) => m.external).map((m) => m.address),
      [RITA, 'sam@far.test'],
    );
  });

  test('a remote member joins with a nick of theirs: occupants, own presence with 110, history, subject', async () => {
    h.routed.splice(0);
    await join(`${RITA}/phone`, 'Rita', { maxstanzas: '5' });
    const got = await routed((s) => s.name === 'message' && s.child('subject') !== undefined, 'the subject');
    assert.ok(got.every((s) => s.attrs.to === `${RITA}/phone`));
    const presences = got.filter((s) => s.name === 'presence');
    const self = presences.find((p) => codes(p)?.includes(110));
    assert.equal(self?.attrs.from, `${room}/Rita`);
    assert.ok(codes(self)?.includes(100), 'non-anonymous');
    assert.ok(presences.some((p) => p.attrs.from === `${room}/Alice`));
    assert.equal(
      got.find((s) => s.childText('body') === 'before')?.attrs.from,
      `${room}/Alice`,
      'the history, from the nick',
    );
    assert.equal(got.at(-1)?.childText('subject'), 'Plans');
    // The core keeps the nick: the web app shows it, and Alice's client sees the member's new nick.
    assert.equal((await members()).find((m) => m.address === RITA)?.displayName, 'Rita');
    await aliceXmpp.next((s) => s.name === 'presence' && s.attrs.from === `${room}/Rita`, 'Rita under her nick');
  });

  test("another member's nick is refused (409); a non-member is refused (407)", async () => {
    h.routed.splice(0);
    await join('sam@far.test/pc', 'Rita');
    const [conflict] = await routed((s) => s.attrs.to === 'sam@far.test/pc', 'the refusal');
    assert.equal(conflict?.attrs.type, 'error');
    assert.equal(conflict?.child('error')?.elements()[0]?.name, 'conflict');
    await join('otto@far.test/pc', 'Otto');
    const [refused] = await routed((s) => s.attrs.to === 'otto@far.test/pc', 'the refusal');
    assert.equal(refused?.child('error')?.elements()[0]?.name, 'registration-required');
  });

  test('groupchat both ways: the remote message is theirs in the core; a Parley message reaches them from room/nick', async () => {
    h.routed.splice(0);
    aliceXmpp.take();
    await fromRemote(`${RITA}/phone`, x('message', { to: room, type: 'groupchat', id: 'r1' }, x('body', {}, 'hi all')));
    const seen = await aliceXmpp.next((s) => s.childText('body') === 'hi all', "Rita's message");
    assert.equal(seen.attrs.from, `${room}/Rita`);
    const echo = await routed((s) => s.childText('body') === 'hi all', 'the reflection to Rita');
    assert.equal(echo.find((s) => s.childText('body') === 'hi all')?.attrs.to, `${RITA}/phone`);
    const { messages } = await bob.api.request('messages.list', { params: { id: groupId }, query: { limit: 10 } });
    const m = messages.find((m) => m.text === 'hi all');
    assert.deepEqual([m?.sender, m?.senderId, m?.external], [RITA, RITA, true]);

    await alice.api.request('messages.send', { params: { id: groupId }, body: { text: 'hi Rita', clientId: 'a2' } });
    const out = await routed((s) => s.childText('body') === 'hi Rita', "Alice's message to Rita");
    const sent = out.filter((s) => s.childText('body') === 'hi Rita');
    assert.equal(sent.length, 1, 'once');
    assert.deepEqual(
      [sent[0]?.attrs.from, sent[0]?.attrs.to, sent[0]?.attrs.type],
      [`${room}/Alice`, `${RITA}/phone`, 'groupchat'],
    );
  });

  test('leaving, then a removal over REST, which tells a joined remote member (321)', async () => {
    h.routed.splice(0);
    await fromRemote(`${RITA}/phone`, x('presence', { to: `${room}/Rita`, type: 'unavailable' }));
    const [gone] = await routed((s) => s.attrs.type === 'unavailable', 'the own unavailable presence');
    assert.deepEqual(codes(gone), [110]);
    await alice.api.request('messages.send', { params: { id: groupId }, body: { text: 'after', clientId: 'a3' } });
    await aliceXmpp.next((s) => s.childText('body') === 'after', 'the next message');
    assert.equal(h.routed.filter((s) => s.childText('body') === 'after').length, 0, 'nothing after leaving');

    await join(`${RITA}/phone`, 'Rita');
    await routed((s) => s.child('subject') !== undefined, 'the join again');
    await alice.api.request('conversations.members.remove', { params: { id: groupId, userId: RITA } });
    const [removed] = await routed((s) => s.attrs.type === 'unavailable', 'the removal');
    assert.deepEqual(codes(removed), [110, 321]);
    assert.equal(
      (await members()).some((m) => m.address === RITA),
      false,
    );
  });
});

// XEP-0045 rooms made and run by XMPP clients over the core's groups: creation and configuration,
// invitations, affiliations, destruction, and corrections/retractions/reactions/replies both ways
// with the web app (the core's calls are what the web app's API makes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MucModule } from '../src/adapters/xmpp/modules/muc.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const MUC = 'http://jabber.org/protocol/muc';
const USER = `${MUC}#user`;
const OWNER = `${MUC}#owner`;
const ADMIN = `${MUC}#admin`;
const DATA = 'jabber:x:data';
const ROOM = 'team@conference.example.test';

const codes = (p: XmlElement | undefined) =>
  p
    ?.child('x', USER)
    ?.elements('status')
    .map((c) => Number(c.attrs.code)) ?? [];
const errorOf = (s: XmlElement | undefined) => s?.child('error')?.elements()[0]?.name;
const caller = (s: TestSession) => ({ tenantId: s.tenantId, userId: s.user.id });

describe('XMPP rooms made by clients, over the core groups', () => {
  let h: Harness;
  let alice: TestSession;
  let bob: TestSession;
  let carol: TestSession;
  let dave: TestSession;
  let groupId: string;

  /** Sends as the session; waits for the first stanza it is sent that matches, and takes all sent so far. */
  async function ask(s: TestSession, stanza: XmlElement, match: (e: XmlElement) => boolean): Promise<XmlElement> {
    s.sent.length = 0;
    await h.inbound(stanza, { session: s });
    return eventually(() => s.sent.find(match), `${s.id} got an answer to ${stanza}`);
  }
  const iq = (s: TestSession, type: 'get' | 'set', payload: XmlElement, to = ROOM) =>
    ask(s, x('iq', { type, id: `iq-${Math.random()}`, to }, payload), (e) => e.name === 'iq');
  const group = () => h.core.messaging.conversations.get(caller(alice), groupId);
  const roleOf = async (s: TestSession) => (await group()).members.find((m) => m.userId === s.user.id)?.role;
  const join = (s: TestSession, nick: string) =>
    ask(
      s,
      x('presence', { to: `${ROOM}/${nick}` }, x('x', { xmlns: MUC })),
      (e) => e.name === 'message' && e.child('subject') !== undefined,
    );

  before(async () => {
    h = await startModules(() => [new MucModule()]);
    const users = [];
    for (const n of ['alice', 'bob', 'carol', 'dave']) users.push(await h.user(`${n}@example.test`));
    [alice, bob, carol, dave] = users.map((u, i) => h.session(u, `r${i}`)) as [
      TestSession,
      TestSession,
      TestSession,
      TestSession,
    ];
  });
  after(() => h.close());

  test('disco of a room that does not exist: item-not-found', async () => {
    const r = await iq(alice, 'get', x('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
    assert.equal(errorOf(r), 'item-not-found');
  });

  test('joining a room that does not exist creates a group owned by the joiner (201); the web app lists it', async () => {
    const self = await ask(alice, x('presence', { to: `${ROOM}/Alice` }, x('x', { xmlns: MUC })), (e) =>
      codes(e).includes(110),
    );
    assert.deepEqual(codes(self), [110, 100, 170, 201]);
    assert.equal(self.child('x', USER)?.child('item')?.attrs.affiliation, 'owner');
    const list = await h.core.messaging.conversations.list(caller(alice));
    const g = list.find((c) => c.room === 'team');
    assert.ok(g);
    groupId = g.id;
    assert.equal(g.kind, 'group');
    assert.equal(g.name, 'team');
    assert.equal(g.role, 'owner');
  });

  test('an existing room name is no one else’s to create: a non-member is refused; a name a group cannot have likewise', async () => {
    const refused = await ask(
      carol,
      x('presence', { to: `${ROOM}/Carol` }, x('x', { xmlns: MUC })),
      (e) => e.attrs.type === 'error',
    );
    assert.equal(errorOf(refused), 'registration-required');
    const bad = await ask(
      carol,
      x('presence', { to: 'a+b@conference.example.test/Carol' }, x('x', { xmlns: MUC })),
      (e) => e.attrs.type === 'error',
    );
    assert.equal(errorOf(bad), 'bad-request');
    // A 1:1's id is no room, and no room name to take either.
    const direct = await h.core.messaging.conversations.create(caller(alice), { members: ['bob@example.test'] });
    for (const s of [alice, carol]) {
      const to = `${direct.id}@conference.example.test/Someone`;
      const refused = await ask(s, x('presence', { to }, x('x', { xmlns: MUC })), (e) => e.attrs.type === 'error');
      assert.equal(errorOf(refused), 'registration-required');
    }
    assert.deepEqual((await h.core.messaging.conversations.list(caller(carol))).length, 0);
  });

  test('configuration: the form, name and description ↔ the group name and topic, what the core cannot do refused', async () => {
    const form = (await iq(alice, 'get', x('query', { xmlns: OWNER }))).child('query', OWNER)?.child('x', DATA);
    assert.equal(form?.attrs.type, 'form');
    const submit = (fields: Record<string, string>) =>
      x(
        'query',
        { xmlns: OWNER },
        x(
          'x',
          { xmlns: DATA, type: 'submit' },
          Object.entries(fields).map(([v, value]) => x('field', { var: v }, x('value', {}, value))),
        ),
      );
    const ok = await iq(
      alice,
      'set',
      submit({
        'muc#roomconfig_roomname': 'Team room',
        'muc#roomconfig_roomdesc': 'Plans',
        'muc#roomconfig_membersonly': '1',
        'muc#roomconfig_persistentroom': '1',
      }),
    );
    assert.equal(ok.attrs.type, 'result');
    assert.equal((await group()).name, 'Team room');
    assert.equal((await group()).topic, 'Plans');
    await eventually(() => alice.sent.find((s) => s.childText('subject') === 'Plans'), 'the new subject');
    const refused = await iq(alice, 'set', submit({ 'muc#roomconfig_membersonly': '0' }));
    assert.equal(errorOf(refused), 'not-acceptable');
    assert.match(refused.child('error')?.childText('text') ?? '', /members-only/);
    // The web app renames the group: occupants hear of a configuration change (104), the room's disco says so.
    alice.sent.length = 0;
    await h.core.messaging.conversations.update(caller(alice), groupId, { name: 'Renamed' });
    await eventually(() => alice.sent.find((m) => codes(m).includes(104)), 'status 104');
    const info = (await iq(alice, 'get', x('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))).child(
      'query',
    );
    assert.equal(info?.child('identity')?.attrs.name, 'Renamed');
    const features = info?.elements('feature').map((f) => f.attrs.var) ?? [];
    for (const f of [MUC, 'muc_membersonly', 'muc_persistent', 'muc_nonanonymous', 'muc_hidden'])
      assert.ok(features.includes(f), f);
    const fields = new Map(
      info
        ?.child('x', DATA)
        ?.elements('field')
        .map((f) => [f.attrs.var, f.childText('value')]),
    );
    assert.equal(fields.get('muc#roominfo_description'), 'Plans');
    assert.equal(fields.get('muc#roominfo_contactjid'), 'alice@example.test');
  });

  test('a mediated invitation adds the invitee to the group and reaches their sessions', async () => {
    bob.sent.length = 0;
    await h.inbound(
      x(
        'message',
        { to: ROOM },
        x('x', { xmlns: USER }, x('invite', { to: 'bob@example.test' }, x('reason', {}, 'join us'))),
      ),
      { session: alice },
    );
    const inv = await eventually(() => bob.sent.find((s) => s.child('x', USER)?.child('invite')), 'the invitation');
    assert.equal(inv.attrs.from, ROOM);
    assert.equal(inv.child('x', USER)?.child('invite')?.attrs.from, 'alice@example.test');
    assert.equal(inv.child('x', USER)?.child('invite')?.childText('reason'), 'join us');
    assert.equal(await roleOf(bob), 'member');
  });

  test('a direct invitation (XEP-0249) adds the invitee and is delivered as it is; a member may not invite', async () => {
    carol.sent.length = 0;
    await h.inbound(
      x(
        'message',
        { to: 'carol@example.test', id: 'd1' },
        x('x', { xmlns: 'jabber:x:conference', jid: ROOM, reason: 'hi' }),
      ),
      { session: alice },
    );
    const inv = await eventually(
      () => carol.sent.find((s) => s.child('x', 'jabber:x:conference')),
      'the direct invitation',
    );
    assert.equal(inv.attrs.from, 'alice@example.test/r0');
    assert.equal(await roleOf(carol), 'member');
    const refused = await ask(
      bob,
      x('message', { to: 'dave@example.test', id: 'd2' }, x('x', { xmlns: 'jabber:x:conference', jid: ROOM })),
      (e) => e.attrs.type === 'error',
    );
    assert.equal(errorOf(refused), 'forbidden');
    const mediated = await ask(
      bob,
      x('message', { to: ROOM, id: 'd3' }, x('x', { xmlns: USER }, x('invite', { to: 'dave@example.test' }))),
      (e) => e.attrs.type === 'error',
    );
    assert.equal(errorOf(mediated), 'forbidden');
    assert.equal(await roleOf(dave), undefined);
    assert.equal(dave.sent.length, 0);
  });

  test('declining a mediated invitation leaves the group; the inviter is told', async () => {
    await h.inbound(x('message', { to: ROOM }, x('x', { xmlns: USER }, x('invite', { to: 'dave@example.test' }))), {
      session: alice,
    });
    assert.equal(await roleOf(dave), 'member');
    alice.sent.length = 0;
    await h.inbound(
      x(
        'message',
        { to: ROOM },
        x('x', { xmlns: USER }, x('decline', { to: 'alice@example.test' }, x('reason', {}, 'busy'))),
      ),
      { session: dave },
    );
    assert.equal(await roleOf(dave), undefined);
    const told = await eventually(() => alice.sent.find((m) => m.child('x', USER)?.child('decline')), 'the decline');
    assert.equal(told.child('x', USER)?.child('decline')?.attrs.from, 'dave@example.test');
    assert.equal(told.child('x', USER)?.child('decline')?.childText('reason'), 'busy');
    dave.sent.length = 0;
  });

  test('a new room is locked until its owner configures it (§10.1.2); an instant room is an empty form; cancel destroys', async () => {
    const FRESH = 'fresh@conference.example.test';
    const form = (type: string) => x('query', { xmlns: OWNER }, x('x', { xmlns: DATA, type }));
    const enter = (s: TestSession, room: string, nick: string) =>
      ask(s, x('presence', { to: `${room}/${nick}` }, x('x', { xmlns: MUC })), (e) => e.name === 'presence');
    const made = await enter(alice, FRESH, 'Alice');
    assert.ok(codes(made).includes(201));
    const fresh = (await h.core.messaging.conversations.list(caller(alice))).find((c) => c.room === 'fresh');
    assert.ok(fresh);
    await h.core.messaging.conversations.addMembers(caller(alice), fresh.id, ['bob@example.test']);
    // A member is kept out while the room is locked …
    const kept = await enter(bob, FRESH, 'Bob');
    assert.equal(errorOf(kept), 'item-not-found');
    // … and let in once the owner accepts the room as it is (§10.1.2, an instant room), a member may not.
    assert.equal(errorOf(await iq(bob, 'set', form('submit'), FRESH)), 'forbidden');
    assert.equal((await iq(alice, 'set', form('submit'), FRESH)).attrs.type, 'result');
    const joined = await enter(bob, FRESH, 'Bob');
    assert.equal(joined.attrs.type, undefined);
    assert.equal(joined.attrs.from, `${FRESH}/Alice`);
    // Cancelling a new room's configuration destroys it (§10.1.3); the name is free again.
    const GONE = 'gone@conference.example.test';
    assert.ok(codes(await enter(alice, GONE, 'Alice')).includes(201));
    assert.equal((await iq(alice, 'set', form('cancel'), GONE)).attrs.type, 'result');
    const rooms = await h.core.messaging.conversations.list(caller(alice));
    assert.equal(
      rooms.find((c) => c.room === 'gone'),
      undefined,
    );
    // A group made in the web app is never locked.
    const web = await h.core.messaging.conversations.create(caller(alice), {
      members: ['bob@example.test'],
      kind: 'group',
      name: 'Web',
    });
    const webRoom = `${web.id}@conference.example.test`;
    const inWeb = await enter(bob, webRoom, 'Bob');
    assert.equal(inWeb.attrs.type, undefined);
  });

  test('affiliations: lists from the group, grants and removals through the core and its permissions', async () => {
    const list = async (affiliation: string) =>
      (await iq(alice, 'get', x('query', { xmlns: ADMIN }, x('item', { affiliation }))))
        .child('query', ADMIN)
        ?.elements('item')
        .map((i) => i.attrs.jid);
    assert.deepEqual(await list('member'), ['bob@example.test', 'carol@example.test']);
    assert.deepEqual(await list('outcast'), []);
    const set = (s: TestSession, item: Record<string, string>) =>
      iq(s, 'set', x('query', { xmlns: ADMIN }, x('item', item)));
    assert.equal((await set(alice, { jid: 'bob@example.test', affiliation: 'admin' })).attrs.type, 'result');
    assert.equal(await roleOf(bob), 'admin');
    assert.deepEqual(await list('admin'), ['bob@example.test']);
    // Only owners grant roles (the core says so), and roles follow affiliations.
    assert.equal(errorOf(await set(bob, { jid: 'carol@example.test', affiliation: 'owner' })), 'forbidden');
    assert.equal(errorOf(await set(alice, { nick: 'Carol', role: 'moderator' })), 'not-acceptable');
    // An admin adds a member by affiliation.
    assert.equal((await set(bob, { jid: 'dave@example.test', affiliation: 'member' })).attrs.type, 'result');
    assert.equal(await roleOf(dave), 'member');
    // A joined occupant who is kicked is removed from the group and told so (307, §8.2), and so are the others.
    await join(carol, 'Carol');
    carol.sent.length = 0;
    alice.sent.length = 0;
    const unavailable = (s: TestSession, nick: string) =>
      eventually(
        () => s.sent.find((p) => p.attrs.type === 'unavailable' && p.attrs.from === `${ROOM}/${nick}`),
        `${s.id} told ${nick} is gone`,
      );
    assert.equal((await set(bob, { nick: 'Carol', role: 'none' })).attrs.type, 'result');
    assert.equal(await roleOf(carol), undefined);
    assert.deepEqual(codes(await unavailable(carol, 'Carol')), [110, 307]);
    assert.deepEqual(codes(await unavailable(alice, 'Carol')), [307]);
    // A ban removes too (301 and the affiliation outcast, §9.1); an admin may not ban an admin.
    await join(dave, 'Dave');
    dave.sent.length = 0;
    assert.equal((await set(alice, { jid: 'dave@example.test', affiliation: 'outcast' })).attrs.type, 'result');
    assert.equal(await roleOf(dave), undefined);
    const banned = await unavailable(dave, 'Dave');
    assert.deepEqual(codes(banned), [110, 301]);
    assert.equal(banned.child('x', USER)?.child('item')?.attrs.affiliation, 'outcast');
    assert.deepEqual(codes(await unavailable(alice, 'Dave')), [301]);
    assert.equal(errorOf(await set(bob, { jid: 'alice@example.test', affiliation: 'none' })), 'forbidden');
  });

  test('corrections, retractions, reactions and replies: from XMPP to the group, and from the web app to the room', async () => {
    await join(bob, 'Bob');
    const bobs = bob.sent.find((p) => p.name === 'presence' && codes(p).includes(110));
    const said = await ask(
      alice,
      x('message', { to: ROOM, type: 'groupchat', id: 'm1' }, x('body', {}, 'helo')),
      (e) => e.childText('body') === 'helo',
    );
    const stanzaId = said.child('stanza-id', 'urn:xmpp:sid:0')?.attrs.id as string;
    const core = h.core.messaging;
    const one = () => core.message(caller(alice), groupId, stanzaId);
    // XEP-0308 by the message's id.
    bob.sent.length = 0;
    await h.inbound(
      x(
        'message',
        { to: ROOM, type: 'groupchat', id: 'm2' },
        x('body', {}, 'hello'),
        x('replace', { xmlns: 'urn:xmpp:message-correct:0', id: 'm1' }),
      ),
      { session: alice },
    );
    assert.equal((await one()).text, 'hello');
    const fix = await eventually(() => bob.sent.find((s) => s.child('replace')), 'the correction at bob');
    assert.equal(fix.attrs.type, 'groupchat');
    assert.equal(fix.child('replace')?.attrs.id, 'm1');
    assert.equal(fix.attrs.from, `${ROOM}/Alice`);
    // XEP-0444 by the room's stanza-id.
    await h.inbound(
      x(
        'message',
        { to: ROOM, type: 'groupchat', id: 'm3' },
        x('reactions', { xmlns: 'urn:xmpp:reactions:0', id: stanzaId }, x('reaction', {}, '👍')),
      ),
      { session: bob },
    );
    assert.deepEqual((await one()).reactions, [{ emoji: '👍', userIds: [bob.user.id] }]);
    const r = await eventually(() => alice.sent.find((s) => s.child('reactions')), 'the reaction at alice');
    assert.equal(r.attrs.from, `${ROOM}/Bob`);
    assert.equal(r.child('reactions')?.attrs.id, stanzaId);
    // XEP-0421: the reactor's occupant-id, the same as in their presence and their messages.
    const idOf = (e: XmlElement | undefined) => e?.child('occupant-id', 'urn:xmpp:occupant-id:0')?.attrs.id;
    assert.ok(idOf(r));
    assert.equal(idOf(r), idOf(bobs));
    assert.notEqual(idOf(r), idOf(said));
    // XEP-0461 by the stanza-id; the web app's reply carries it back.
    await h.inbound(
      x(
        'message',
        { to: ROOM, type: 'groupchat', id: 'm4' },
        x('body', {}, 'yes'),
        x('reply', { xmlns: 'urn:xmpp:reply:0', id: stanzaId }),
      ),
      { session: bob },
    );
    const replies = (await core.history(caller(alice), groupId, { limit: 1 })).messages;
    assert.equal(replies[0]?.replyTo, stanzaId);
    const web = await core.send(caller(bob), groupId, { text: 'from the web', clientId: 'w1', replyTo: stanzaId });
    const back = await eventually(
      () => alice.sent.find((s) => s.childText('body') === 'from the web'),
      'the web reply',
    );
    assert.equal(back.child('reply', 'urn:xmpp:reply:0')?.attrs.id, stanzaId);
    // The web app edits and deletes: corrections and retractions in the room.
    alice.sent.length = 0;
    await core.edit(caller(bob), groupId, web.id, 'from the web, edited');
    const edited = await eventually(() => alice.sent.find((s) => s.child('replace')), 'the web edit');
    assert.equal(edited.child('replace')?.attrs.id, 'w1');
    assert.equal(edited.childText('body'), 'from the web, edited');
    await core.remove(caller(bob), groupId, web.id);
    const retracted = await eventually(() => alice.sent.find((s) => s.child('retract')), 'the web deletion');
    assert.equal(retracted.child('retract')?.attrs.id, web.id);
    // XEP-0424 from XMPP by the stanza-id: the core's deletion.
    await h.inbound(
      x(
        'message',
        { to: ROOM, type: 'groupchat', id: 'm5' },
        x('retract', { xmlns: 'urn:xmpp:message-retract:1', id: stanzaId }),
      ),
      { session: alice },
    );
    assert.ok((await one()).deletedAt !== null);
    // XEP-0085: a chat state alone is the core's typing, which the web app's typing also becomes.
    alice.sent.length = 0;
    const states = 'http://jabber.org/protocol/chatstates';
    await h.inbound(x('message', { to: ROOM, type: 'groupchat' }, x('composing', { xmlns: states })), { session: bob });
    const typing = await eventually(() => alice.sent.find((m) => m.child('composing', states)), 'bob typing');
    assert.equal(typing.attrs.from, `${ROOM}/Bob`);
    assert.equal(typing.attrs.type, 'groupchat');
    await core.typing(caller(bob), groupId, false);
    await eventually(() => alice.sent.find((m) => m.child('paused', states)), 'bob stopped');
    assert.equal(bob.sent.filter((m) => m.child('composing', states)).length, 0, 'not to the typist');
    // XEP-0425: the owner moderates Bob's reply; the core deletes it and occupants see who did.
    const yes = replies[0]?.id as string;
    const moderate = x(
      'moderate',
      { xmlns: 'urn:xmpp:message-moderate:1', id: yes },
      x('retract', { xmlns: 'urn:xmpp:message-retract:1' }),
    );
    bob.sent.length = 0;
    assert.equal((await iq(alice, 'set', moderate)).attrs.type, 'result');
    assert.ok((await core.message(caller(alice), groupId, yes)).deletedAt !== null);
    const mod = await eventually(() => bob.sent.find((m) => m.child('retract')?.child('moderated')), 'the moderation');
    assert.equal(mod.attrs.from, ROOM);
    assert.equal(mod.child('retract')?.attrs.id, yes);
    assert.equal(mod.child('retract')?.child('moderated')?.attrs.by, `${ROOM}/Alice`);
    const bad = x('moderate', { xmlns: 'urn:xmpp:message-moderate:1', id: yes });
    assert.equal(errorOf(await iq(alice, 'set', bad)), 'bad-request');
  });

  test('destroying the room: only an owner; it dissolves the group and tells the occupants', async () => {
    assert.equal(errorOf(await iq(bob, 'set', x('query', { xmlns: OWNER }, x('destroy', {})))), 'forbidden');
    bob.sent.length = 0;
    assert.equal(
      (await iq(alice, 'set', x('query', { xmlns: OWNER }, x('destroy', {}, x('reason', {}, 'done'))))).attrs.type,
      'result',
    );
    const gone = await eventually(() => bob.sent.find((s) => s.attrs.type === 'unavailable'), 'bob told');
    assert.ok(gone.child('x', USER)?.child('destroy'));
    assert.equal(
      (await h.core.messaging.conversations.list(caller(alice))).find((c) => c.id === groupId),
      undefined,
    );
    // The room name is free again: joining makes a new group.
    const self = await ask(alice, x('presence', { to: `${ROOM}/Alice` }, x('x', { xmlns: MUC })), (e) =>
      codes(e).includes(110),
    );
    assert.ok(codes(self).includes(201));
  });
});

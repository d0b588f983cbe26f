// XEP-0163 PEP over XMPP (module level): the account's pubsub identity and features, nodes made by
// a first publish (publish-options as configuration, then as preconditions), items read as each
// node's access model allows (by colleagues here and by another server's users), events to the
// clients whose caps ask for them, retract/purge/delete and the owner's configuration forms.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toStanzaError } from '../src/adapters/xmpp/errors.js';
import { PUBSUB, PUBSUB_ERRORS, PUBSUB_EVENT } from '../src/adapters/xmpp/modules/avatar-pep.js';
import { DiscoModule } from '../src/adapters/xmpp/modules/disco.js';
import { CAPS, DATA_FORMS, DISCO_INFO } from '../src/adapters/xmpp/modules/disco-info.js';
import { PepModule } from '../src/adapters/xmpp/modules/pep.js';
import { PUBSUB_OWNER } from '../src/adapters/xmpp/modules/pep-stanzas.js';
import { presenceModule } from '../src/adapters/xmpp/modules/presence.js';
import { subscriptionsModule } from '../src/adapters/xmpp/modules/subscriptions.js';
import { type Child, type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import type { User } from '../src/core/users/model.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const DEVICES = 'eu.siacs.conversations.axolotl.devicelist';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const NICK = 'http://jabber.org/protocol/nick';

const pubsub = (...ops: Child[]) => x('pubsub', { xmlns: PUBSUB }, ...ops);
const items = (node: string) => pubsub(x('items', { node }));
const publish = (node: string, id: string | undefined, payload: XmlElement, options?: Record<string, string>) =>
  pubsub(
    x('publish', { node }, x('item', { id }, payload)),
    options &&
      x(
        'publish-options',
        {},
        x(
          'x',
          { xmlns: DATA_FORMS, type: 'submit' },
          x('field', { var: 'FORM_TYPE', type: 'hidden' }, x('value', {}, `${PUBSUB}#publish-options`)),
          Object.entries(options).map(([name, value]) => x('field', { var: name }, x('value', {}, value))),
        ),
      ),
  );
const devices = (...ids: string[]) =>
  x(
    'list',
    { xmlns: DEVICES },
    ids.map((id) => x('device', { id })),
  );
const conference = (name: string) => x('conference', { xmlns: BOOKMARKS, name, autojoin: 'true' });
const PRIVATE = {
  'pubsub#persist_items': 'true',
  'pubsub#max_items': 'max',
  'pubsub#send_last_published_item': 'never',
  'pubsub#access_model': 'whitelist',
};
const itemsIn = (s: XmlElement | undefined) =>
  (s?.name === 'pubsub' ? s : s?.child('pubsub', PUBSUB))?.child('items')?.elements('item') ?? [];

describe('XEP-0163 personal eventing: any node, as its access model allows', () => {
  let h: Harness;
  let ann: User;
  let annPc: TestSession;
  let annPhone: TestSession;
  let bobPc: TestSession;
  let n = 0;

  /** An IQ from `s` to `to`'s bare JID, and the reply (result or error). */
  async function ask(s: TestSession, to: string, type: string, payload: XmlElement): Promise<XmlElement> {
    const id = `p${++n}`;
    await h.inbound(x('iq', { type, id, to }, payload), { session: s });
    return s.next((r) => r.attrs.id === id, `reply ${id}`);
  }
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => 'answered',
      (e: unknown) => {
        const err = toStanzaError(e);
        return err.appCondition ? `${err.condition} ${err.appCondition.name}` : err.condition;
      },
    );
  /** A client's caps asking for these nodes' events, its caps question answered. */
  async function announce(s: TestSession, ver: string, notify: string[]) {
    await h.inbound(x('presence', {}, x('c', { xmlns: CAPS, hash: 'sha-1', node: 'urn:test', ver })), { session: s });
    const question = await s.next((q) => q.child('query', DISCO_INFO) !== undefined, 'caps question');
    await h.inbound(
      x(
        'iq',
        { type: 'result', id: question.attrs.id, to: 'acme.test' },
        x(
          'query',
          { xmlns: DISCO_INFO, node: `urn:test#${ver}` },
          notify.map((node) => x('feature', { var: `${node}+notify` })),
        ),
      ),
      { session: s },
    );
  }
  const eventFor = (s: TestSession, what: string) =>
    s.next((m) => m.name === 'message' && m.child('event', PUBSUB_EVENT) !== undefined, what);

  before(async () => {
    h = await startModules(() => [new DiscoModule(), new PepModule(), subscriptionsModule(), presenceModule()]);
    ann = await h.user('ann@acme.test');
    const bob = await h.user('bob@acme.test');
    annPc = h.session(ann, 'pc');
    annPhone = h.session(ann, 'phone');
    bobPc = h.session(bob, 'pc');
    await announce(annPc, 'all=', [DEVICES, BOOKMARKS, NICK]);
    await announce(annPhone, 'devices=', [DEVICES]);
    await announce(bobPc, 'all-too=', [DEVICES, BOOKMARKS, NICK]);
  });
  after(() => h.close());

  test('the account says it is a PEP service, with publish-options', async () => {
    const info = await h.iq(annPc, 'get', x('query', { xmlns: DISCO_INFO }), 'ann@acme.test');
    const identities = info?.elements('identity').map((i) => `${i.attrs.category}/${i.attrs.type}`);
    assert.ok(identities?.includes('pubsub/pep'), String(identities));
    const features = info?.elements('feature').map((f) => f.attrs.var) ?? [];
    for (const f of [
      'publish',
      'publish-options',
      'retrieve-items',
      'access-whitelist',
      'auto-create',
      'create-nodes',
    ]) {
      assert.ok(features.includes(`${PUBSUB}#${f}`), f);
    }
  });

  test('an OMEMO device list: published open, read by anyone, each new one an event where asked', async () => {
    const done = await h.iq(annPc, 'set', publish(DEVICES, 'current', devices('1'), { 'pubsub#access_model': 'open' }));
    assert.equal(done?.child('publish')?.child('item')?.attrs.id, 'current');
    for (const s of [annPc, annPhone, bobPc]) {
      const event = await eventFor(s, 'the device list event');
      assert.equal(event.attrs.from, 'ann@acme.test');
      assert.equal(event.attrs.to, `${s.jid.local}@acme.test/${s.jid.resource}`);
      const item = event.child('event', PUBSUB_EVENT)?.child('items')?.child('item');
      assert.equal(item?.child('list', DEVICES)?.child('device')?.attrs.id, '1');
    }
    // Another server's user reads it too (the node is open).
    await h.inbound(x('iq', { type: 'get', id: 'far1', to: 'ann@acme.test' }, items(DEVICES)), {
      from: 'eve@far.test/x',
    });
    const remote = await eventually(() => h.routed.find((s) => s.attrs.id === 'far1'), "eve's answer");
    assert.equal(remote.attrs.type, 'result', String(remote));
    assert.equal(itemsIn(remote)[0]?.child('list', DEVICES)?.elements('device').length, 1);
    // A new list replaces the old: one item.
    await h.iq(annPc, 'set', publish(DEVICES, 'current', devices('1', '2')));
    const read = await ask(bobPc, 'ann@acme.test', 'get', items(DEVICES));
    assert.deepEqual(
      itemsIn(read)
        .flatMap((i) => i.child('list', DEVICES)?.elements('device') ?? [])
        .map((d) => d.attrs.id),
      ['1', '2'],
    );
  });

  test('contacts on other servers with a presence subscription are told of changes at their bare JIDs, not of private nodes', async () => {
    // Fred at far.test has a subscription to ann's presence; eve at far.test has none.
    await h.core.roster.inbound(ann.tenantId, ann.id, 'fred@far.test', 'subscribe');
    await h.core.roster.outbound(ann.tenantId, ann.id, 'fred@far.test', 'subscribed');
    const from = h.routed.length;
    await h.iq(annPc, 'set', publish(NICK, 'current', x('nick', { xmlns: NICK }, 'Annie')));
    const told = await eventually(
      () => h.routed.slice(from).find((m) => m.attrs.to === 'fred@far.test' && m.child('event', PUBSUB_EVENT)),
      "fred's event",
    );
    assert.equal(told.attrs.from, 'ann@acme.test');
    assert.equal(told.child('event', PUBSUB_EVENT)?.child('items')?.child('item')?.childText('nick', NICK), 'Annie');
    await h.iq(annPc, 'set', publish('urn:example:private', 'p', x('secret', { xmlns: 'urn:example' }), PRIVATE));
    await h.iq(annPc, 'set', pubsub(x('retract', { node: NICK, notify: 'true' }, x('item', { id: 'current' }))));
    await eventually(
      () => h.routed.slice(from).find((m) => m.child('event', PUBSUB_EVENT)?.child('items')?.child('retract')),
      "fred's retraction",
    );
    for (const node of ['urn:example:private', NICK])
      await h.iq(annPc, 'set', x('pubsub', { xmlns: PUBSUB_OWNER }, x('delete', { node })));
    await eventually(
      () => h.routed.slice(from).find((m) => m.child('event', PUBSUB_EVENT)?.child('delete')),
      "fred's deletion",
    );
    const toFar = h.routed.slice(from).flatMap((m) => {
      const change = m.child('event', PUBSUB_EVENT)?.elements()[0];
      return change ? [[m.attrs.to, change.name, change.attrs.node]] : [];
    });
    assert.deepEqual(
      toFar,
      [
        ['fred@far.test', 'items', NICK],
        ['fred@far.test', 'items', NICK],
        ['fred@far.test', 'delete', NICK],
      ],
      'nothing of the private node, nothing to eve',
    );
  });

  test('someone the owner blocked is answered as if there were no such account', async () => {
    await h.core.presence.watchers.block(ann.tenantId, ann.id, 'bob@acme.test');
    try {
      const asked = await ask(bobPc, 'ann@acme.test', 'get', items(DEVICES));
      assert.equal(asked.child('error')?.elements()[0]?.name, 'service-unavailable');
    } finally {
      await h.core.presence.watchers.unblock(ann.tenantId, ann.id, 'bob@acme.test');
    }
  });

  test('bookmarks: private to the owner, several kept, preconditions held', async () => {
    for (const s of [annPc, bobPc]) s.take();
    await h.iq(annPc, 'set', publish(BOOKMARKS, 'team@conference.acme.test', conference('Team'), PRIVATE));
    await h.iq(annPc, 'set', publish(BOOKMARKS, 'ops@conference.acme.test', conference('Ops'), PRIVATE));
    const mine = await h.iq(annPc, 'get', items(BOOKMARKS));
    assert.deepEqual(
      itemsIn(mine).map((i) => [i.attrs.id, i.child('conference', BOOKMARKS)?.attrs.name]),
      [
        ['team@conference.acme.test', 'Team'],
        ['ops@conference.acme.test', 'Ops'],
      ],
    );
    await eventFor(annPc, "the owner's own event");
    const asked = await ask(bobPc, 'ann@acme.test', 'get', items(BOOKMARKS));
    assert.equal(asked.attrs.type, 'error');
    assert.ok(!bobPc.sent.some((m) => m.child('event', PUBSUB_EVENT)), 'no event to others of a private node');
    assert.equal(
      await refusal(
        h.iq(annPc, 'set', publish(BOOKMARKS, 'x', conference('X'), { ...PRIVATE, 'pubsub#access_model': 'open' })),
      ),
      'conflict precondition-not-met',
    );
    const form = await h.iq(annPc, 'get', x('pubsub', { xmlns: PUBSUB_OWNER }, x('configure', { node: BOOKMARKS })));
    const fields = new Map(
      form
        ?.child('configure')
        ?.child('x', DATA_FORMS)
        ?.elements('field')
        .map((f) => [f.attrs.var, f.childText('value')]),
    );
    assert.equal(fields.get('pubsub#access_model'), 'whitelist');
    assert.equal(fields.get('pubsub#send_last_published_item'), 'never');
  });

  test('create: an empty node with the configuration asked, made once; no instant nodes', async () => {
    const node = 'urn:example:status';
    const form = (fields: Record<string, string>) =>
      x(
        'configure',
        {},
        x(
          'x',
          { xmlns: DATA_FORMS, type: 'submit' },
          x('field', { var: 'FORM_TYPE', type: 'hidden' }, x('value', {}, `${PUBSUB}#node_config`)),
          Object.entries(fields).map(([name, value]) => x('field', { var: name }, x('value', {}, value))),
        ),
      );
    await h.iq(annPc, 'set', pubsub(x('create', { node }), form({ 'pubsub#access_model': 'open' })));
    const read = await ask(bobPc, 'ann@acme.test', 'get', items(node));
    assert.equal(read.attrs.type, 'result', 'open to a colleague');
    assert.deepEqual(itemsIn(read.child('pubsub', PUBSUB)), [], 'and empty');
    const rows: [string, XmlElement, string][] = [
      ['made once', pubsub(x('create', { node })), 'conflict'],
      ['an instant node', pubsub(x('create')), 'not-acceptable nodeid-required'],
      ['an avatar node', pubsub(x('create', { node: 'urn:xmpp:avatar:metadata' })), 'conflict'],
      ['a field it does not know', pubsub(x('create', { node: 'n' }), form({ 'pubsub#title': 'x' })), 'not-acceptable'],
      [
        'an access model it has not',
        pubsub(x('create', { node: 'n' }), form({ 'pubsub#access_model': 'x' })),
        'bad-request',
      ],
    ];
    for (const [what, payload, condition] of rows)
      assert.equal(await refusal(h.iq(annPc, 'set', payload)), condition, what);
    assert.equal(
      await refusal(h.iq(annPc, 'set', publish(node, 'a', conference('A'), { 'pubsub#access_model': 'whitelist' }))),
      'conflict precondition-not-met',
      'its configuration is a precondition of a publish',
    );
    await h.iq(annPc, 'set', x('pubsub', { xmlns: PUBSUB_OWNER }, x('delete', { node })));
  });

  test('retract, purge and delete, each an event; only the owner changes their nodes', async () => {
    for (const s of [annPc, bobPc]) s.take();
    await h.iq(annPc, 'set', publish(NICK, 'current', x('nick', { xmlns: NICK }, 'Ann')));
    const nick = await eventFor(bobPc, 'the nickname');
    assert.equal(nick.child('event', PUBSUB_EVENT)?.child('items')?.child('item')?.childText('nick', NICK), 'Ann');
    await h.iq(annPc, 'set', pubsub(x('retract', { node: NICK, notify: 'true' }, x('item', { id: 'current' }))));
    const retracted = await eventFor(bobPc, 'the retraction');
    assert.equal(retracted.child('event', PUBSUB_EVENT)?.child('items')?.child('retract')?.attrs.id, 'current');
    const refused = await ask(
      bobPc,
      'ann@acme.test',
      'set',
      publish(NICK, 'current', x('nick', { xmlns: NICK }, 'Bob')),
    );
    assert.equal(refused.child('error')?.elements()[0]?.name, 'forbidden');
    await h.iq(annPc, 'set', x('pubsub', { xmlns: PUBSUB_OWNER }, x('delete', { node: NICK })));
    const deleted = await eventFor(bobPc, 'the deletion');
    assert.equal(deleted.child('event', PUBSUB_EVENT)?.child('delete')?.attrs.node, NICK);
    assert.equal(await refusal(h.iq(annPc, 'get', items(NICK))), 'item-not-found');
    assert.equal(
      await refusal(h.iq(annPc, 'set', pubsub(x('subscribe', { node: NICK, jid: 'ann@acme.test' })))),
      'feature-not-implemented unsupported',
    );
    const error = await ask(annPc, 'ann@acme.test', 'set', pubsub(x('publish', { node: NICK })));
    assert.equal(error.child('error')?.child('item-required', PUBSUB_ERRORS)?.name, 'item-required');
  });

  test('a client that comes online gets the last item of each node it asks for and may read', async () => {
    const bob = await h.user('bob@acme.test');
    const bobPhone = h.session(bob, 'phone');
    await h.iq(bobPhone, 'set', publish(NICK, 'current', x('nick', { xmlns: NICK }, 'Bobby')));
    const tablet = h.session(ann, 'tablet');
    await announce(tablet, 'tablet=', [NICK, BOOKMARKS, DEVICES]);
    const got = async (what: string) => {
      const event = await eventFor(tablet, what);
      const items = event.child('event', PUBSUB_EVENT)?.child('items');
      return `${event.attrs.from} ${items?.attrs.node}`;
    };
    const last = [await got('a last item'), await got('another last item')].sort();
    assert.deepEqual(
      last,
      [`ann@acme.test ${DEVICES}`, `bob@acme.test ${NICK}`],
      'not the bookmarks: never sent on presence',
    );
    // The same caps again with a presence update: nothing is sent again.
    await h.inbound(
      x(
        'presence',
        {},
        x('show', {}, 'away'),
        x('c', { xmlns: CAPS, hash: 'sha-1', node: 'urn:test', ver: 'tablet=' }),
      ),
      { session: tablet },
    );
    // Caps already known: another client with them gets the items at once.
    const laptop = h.session(ann, 'laptop');
    await h.inbound(x('presence', {}, x('c', { xmlns: CAPS, hash: 'sha-1', node: 'urn:test', ver: 'tablet=' })), {
      session: laptop,
    });
    const nick = await laptop.next(
      (m) => m.attrs.from === 'bob@acme.test' && m.child('event', PUBSUB_EVENT)?.child('items')?.attrs.node === NICK,
      "bob's nickname",
    );
    assert.equal(nick.child('event', PUBSUB_EVENT)?.child('items')?.child('item')?.childText('nick', NICK), 'Bobby');
    assert.ok(
      !tablet.sent.some((m) => m.child('event', PUBSUB_EVENT)),
      `nothing more to the tablet: ${tablet.sent.join('\n')}`,
    );
  });
});

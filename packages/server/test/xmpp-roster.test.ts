import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StanzaError } from '../src/adapters/xmpp/errors.js';
import { rosterModule } from '../src/adapters/xmpp/modules/roster.js';
import { subscriptionsModule } from '../src/adapters/xmpp/modules/subscriptions.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import type { User } from '../src/core/users/model.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const NS = 'jabber:iq:roster';
const items = (q: XmlElement | undefined) =>
  (q?.elements('item') ?? []).map((i) => ({
    jid: i.attrs.jid,
    name: i.attrs.name,
    subscription: i.attrs.subscription,
    ask: i.attrs.ask,
    groups: i.elements('group').map((g) => g.text()),
  }));
const pushes = (s: TestSession) =>
  s.sent
    .filter((st) => st.name === 'iq' && st.attrs.type === 'set' && st.child('query', NS))
    .map((st) => st.child('query', NS) as XmlElement);

describe('roster (RFC 6121 §2)', () => {
  let h: Harness;
  let ann: User;
  let ben: User;
  before(async () => {
    h = await startModules(() => [rosterModule(), subscriptionsModule()]);
    ann = await h.user('ann@acme.test');
    ben = await h.user('ben@acme.test');
    await h.user('cid@acme.test');
    await h.user('zed@other.test');
    await h.core.tenants.update(ann.tenantId, { name: 'ACME' });
    await h.core.presence.watchers.createTeam(ann.tenantId, 'Sales', [ann.id, ben.id]);
    await h.core.contacts.setFavourites(ann.tenantId, ann.id, ['cid@acme.test']);
  });
  after(() => h.close());

  test('get: colleagues as shared items (tenant, team, favourites in the session language), both ways, no one of another tenant', async () => {
    const s = h.session(ann, 'pc', 'de');
    const q = await h.iq(s, 'get', x('query', { xmlns: NS }));
    assert.ok(q?.attrs.ver);
    assert.deepEqual(items(q), [
      { jid: 'ben@acme.test', name: 'Ben', subscription: 'both', ask: undefined, groups: ['ACME', 'Sales'] },
      { jid: 'cid@acme.test', name: 'Cid', subscription: 'both', ask: undefined, groups: ['ACME', 'Favoriten'] },
    ]);
    await h.end(s);
  });

  test('versioning: the same version gets an empty result, another the full roster; a change gets a new version', async () => {
    const s = h.session(ann, 'v');
    const first = await h.iq(s, 'get', x('query', { xmlns: NS }));
    const ver = first?.attrs.ver as string;
    assert.equal(await h.iq(s, 'get', x('query', { xmlns: NS, ver })), undefined);
    assert.equal(items(await h.iq(s, 'get', x('query', { xmlns: NS, ver: 'old' }))).length, 2);
    await h.iq(s, 'set', x('query', { xmlns: NS }, x('item', { jid: 'v@far.test' })));
    const push = await eventually(() => pushes(s)[0], 'a push');
    assert.notEqual(push.attrs.ver, ver);
    assert.equal((await h.iq(s, 'get', x('query', { xmlns: NS, ver: push.attrs.ver })))?.attrs.ver, undefined);
    await h.iq(s, 'set', x('query', { xmlns: NS }, x('item', { jid: 'v@far.test', subscription: 'remove' })));
    await h.end(s);
  });

  test('set and remove a personal contact: pushed to every resource that asked for the roster, not to others', async () => {
    const pc = h.session(ann, 'pc');
    const phone = h.session(ann, 'phone');
    const quiet = h.session(ann, 'quiet');
    await h.iq(pc, 'get', x('query', { xmlns: NS }));
    await h.iq(phone, 'get', x('query', { xmlns: NS }));
    const set = x('query', { xmlns: NS }, x('item', { jid: 'Dora@Far.test', name: 'Dora' }, x('group', {}, 'Friends')));
    assert.equal(await h.iq(pc, 'set', set), undefined);
    for (const s of [pc, phone]) {
      const push = await eventually(() => pushes(s)[0], `a push to ${s.id}`);
      assert.deepEqual(items(push), [
        { jid: 'dora@far.test', name: 'Dora', subscription: 'none', ask: undefined, groups: ['Friends'] },
      ]);
      assert.equal(push.attrs.ver, pushes(pc)[0]?.attrs.ver);
    }
    await h.iq(phone, 'set', x('query', { xmlns: NS }, x('item', { jid: 'dora@far.test', subscription: 'remove' })));
    const removal = await eventually(() => pushes(pc)[1], 'the removal push');
    assert.deepEqual(
      items(removal).map((i) => [i.jid, i.subscription]),
      [['dora@far.test', 'remove']],
    );
    assert.equal(pushes(quiet).length, 0, 'a resource that never asked gets no pushes');
    await h.iq(pc, 'get', x('query', { xmlns: NS }));
    for (const s of [pc, phone, quiet]) await h.end(s);
  });

  test('colleagues cannot be changed or removed (not-allowed); bad items are refused as RFC 6121 §2.3.3 says', async () => {
    const s = h.session(ann, 'x');
    const refuse = async (item: XmlElement | XmlElement[], condition: string) =>
      assert.rejects(h.iq(s, 'set', x('query', { xmlns: NS }, item)), (e: unknown) => {
        assert.ok(e instanceof StanzaError);
        assert.equal(e.condition, condition);
        return true;
      });
    await refuse(x('item', { jid: 'ben@acme.test', name: 'Benny' }), 'not-allowed');
    await refuse(x('item', { jid: 'ben@acme.test', subscription: 'remove' }), 'not-allowed');
    await refuse([x('item', { jid: 'a@far.test' }), x('item', { jid: 'b@far.test' })], 'bad-request');
    await refuse(x('item', { jid: 'a@far.test' }, x('group', {}, 'G'), x('group', {}, 'G')), 'bad-request');
    await refuse(x('item', { jid: 'a@far.test' }, x('group', {}, '')), 'not-acceptable');
    await refuse(x('item', { jid: 'not a jid@' }), 'bad-request');
    await assert.rejects(
      h.iq(s, 'set', x('query', { xmlns: NS }, x('item', { jid: 'nobody@far.test', subscription: 'remove' }))),
      // The core's PARLEY_ERR_NOT_FOUND, as the client gets it.
      (e) => e instanceof StanzaError && e.condition === 'item-not-found',
    );
    await h.end(s);
  });

  test('a new colleague and a changed favourite reach the roster as pushes', async () => {
    const s = h.session(ann, 'live');
    await h.iq(s, 'get', x('query', { xmlns: NS }));
    await h.user('eve@acme.test');
    const added = await eventually(() => pushes(s).find((p) => items(p)[0]?.jid === 'eve@acme.test'), 'eve pushed');
    assert.deepEqual(items(added)[0]?.groups, ['ACME']);
    await h.core.contacts.setFavourites(ann.tenantId, ann.id, ['cid@acme.test', 'eve@acme.test']);
    await eventually(
      () => pushes(s).find((p) => items(p)[0]?.jid === 'eve@acme.test' && items(p)[0]?.groups.includes('Favourites')),
      'eve as a favourite',
    );
    await h.end(s);
  });

  test('removing a contact with a subscription tells it: unsubscribe and unsubscribed (§2.5.2)', async () => {
    const s = h.session(ann, 'rm');
    await h.inbound(x('presence', { to: 'fay@far.test', type: 'subscribe' }), { session: s });
    await h.inbound(x('presence', { to: 'ann@acme.test', type: 'subscribed' }), { from: 'fay@far.test' });
    await h.inbound(x('presence', { to: 'ann@acme.test', type: 'subscribe' }), { from: 'fay@far.test' });
    await h.inbound(x('presence', { to: 'fay@far.test', type: 'subscribed' }), { session: s });
    h.routed.length = 0;
    await h.iq(s, 'set', x('query', { xmlns: NS }, x('item', { jid: 'fay@far.test', subscription: 'remove' })));
    assert.deepEqual(
      h.routed.filter((r) => r.attrs.to === 'fay@far.test').map((r) => r.attrs.type),
      ['unsubscribe', 'unsubscribed'],
    );
    assert.equal((await h.core.roster.get(ann.tenantId, ann.id, 'fay@far.test')).listed, false);
    await h.end(s);
  });
});

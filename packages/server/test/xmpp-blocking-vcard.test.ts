import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StanzaError } from '../src/adapters/xmpp/errors.js';
import { BLOCKING_NS, blockingModule } from '../src/adapters/xmpp/modules/blocking.js';
import { presenceModule } from '../src/adapters/xmpp/modules/presence.js';
import { subscriptionsModule } from '../src/adapters/xmpp/modules/subscriptions.js';
import { VCARD_NS, vcardModule } from '../src/adapters/xmpp/modules/vcard.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import type { User } from '../src/core/users/model.js';
import { formatJid } from '../src/lib/jid.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const jids = (e: XmlElement | undefined) => (e?.elements('item') ?? []).map((i) => i.attrs.jid);
const errorOf = (s: XmlElement | undefined) =>
  s
    ?.child('error')
    ?.elements()
    .map((e) => e.name);

describe('blocking (XEP-0191) and vCard (XEP-0054)', () => {
  let h: Harness;
  let ann: User;
  let bob: User;
  let annPc: TestSession;
  let annPhone: TestSession;
  let bobS: TestSession;
  before(async () => {
    h = await startModules(() => [blockingModule(), subscriptionsModule(), presenceModule(), vcardModule()]);
    ann = await h.user('ann@acme.test');
    bob = await h.user('bob@acme.test');
    await h.user('zed@other.test');
    await h.core.tenants.update(ann.tenantId, { name: 'ACME' });
    await h.core.users.update(ann.tenantId, ann.id, {
      displayName: 'Ann Lee',
      email: 'ann@mail.test',
      numbers: ['+4930123'],
    });
    annPc = h.session(ann, 'pc');
    annPhone = h.session(ann, 'phone');
    bobS = h.session(bob, 'pc');
  });
  after(() => h.close());

  test('block, list, unblock: the core keeps the blocks, every resource that asked gets the push', async () => {
    assert.deepEqual(jids(await h.iq(annPc, 'get', x('blocklist', { xmlns: BLOCKING_NS }))), []);
    assert.deepEqual(jids(await h.iq(annPhone, 'get', x('blocklist', { xmlns: BLOCKING_NS }))), []);
    await h.iq(
      annPc,
      'set',
      x('block', { xmlns: BLOCKING_NS }, x('item', { jid: 'bob@acme.test' }), x('item', { jid: 'spam@far.test' })),
    );
    assert.deepEqual(await h.core.presence.watchers.blocked(ann.tenantId, ann.id), ['bob@acme.test', 'spam@far.test']);
    assert.deepEqual(jids(await h.iq(annPhone, 'get', x('blocklist', { xmlns: BLOCKING_NS }))), [
      'bob@acme.test',
      'spam@far.test',
    ]);
    // One push per change in the core (a block of two JIDs may come as two pushes).
    const pushed = (s: TestSession, name: string) =>
      s.sent.filter((st) => st.child(name, BLOCKING_NS)).flatMap((st) => jids(st.child(name, BLOCKING_NS)));
    for (const s of [annPc, annPhone]) {
      await eventually(() => pushed(s, 'block').length === 2, 'the block pushes');
      assert.deepEqual(pushed(s, 'block').sort(), ['bob@acme.test', 'spam@far.test']);
      const push = s.sent.find((st) => st.child('block', BLOCKING_NS));
      assert.equal(push?.attrs.type, 'set');
      assert.equal(push?.attrs.to, formatJid(s.jid));
    }
    assert.ok(
      h.routed.some((r) => r.attrs.to === 'spam@far.test' && r.attrs.type === 'unavailable'),
      'a blocked JID elsewhere sees the user go offline',
    );
    await assert.rejects(
      h.iq(annPc, 'set', x('block', { xmlns: BLOCKING_NS })),
      (e) => e instanceof StanzaError && e.condition === 'bad-request',
    );
    await assert.rejects(
      h.iq(annPc, 'set', x('block', { xmlns: BLOCKING_NS }, x('item', { jid: '@' }))),
      (e) => e instanceof StanzaError && e.condition === 'jid-malformed',
    );
  });

  test('a blocked JID: its messages are refused, its presence dropped; the user cannot message it', async () => {
    await h.inbound(x('message', { to: 'ann@acme.test', id: 'm1', type: 'chat' }, x('body', {}, 'hi')), {
      session: bobS,
    });
    assert.deepEqual(errorOf(bobS.sent.at(-1)), ['service-unavailable']);
    assert.equal(bobS.sent.at(-1)?.attrs.id, 'm1');
    const before = annPc.sent.length;
    await h.inbound(x('presence', { to: 'ann@acme.test' }), { from: 'spam@far.test/x' });
    assert.equal(annPc.sent.length, before, 'presence from a blocked JID is dropped');
    assert.equal(h.routed.filter((r) => r.attrs.type === 'error').length, 0, 'without an error');
    await h.inbound(x('message', { to: 'bob@acme.test', id: 'm2' }, x('body', {}, 'hi')), { session: annPc });
    const refusal = annPc.sent.at(-1);
    assert.deepEqual(errorOf(refusal), ['not-acceptable', 'blocked']);
    assert.equal(refusal?.child('error')?.child('blocked')?.xmlns, 'urn:xmpp:blocking:errors');
  });

  test("a blocked colleague's vCard request is refused; unblocking everyone lets it through again", async () => {
    await h.inbound(x('iq', { to: 'ann@acme.test', type: 'get', id: 'v1' }, x('vCard', { xmlns: VCARD_NS })), {
      session: bobS,
    });
    assert.deepEqual(errorOf(bobS.sent.at(-1)), ['service-unavailable']);
    await h.iq(annPhone, 'set', x('unblock', { xmlns: BLOCKING_NS }));
    assert.deepEqual(await h.core.presence.watchers.blocked(ann.tenantId, ann.id), []);
    const unblocked = () =>
      annPc.sent
        .filter((st) => st.child('unblock', BLOCKING_NS))
        .flatMap((st) => jids(st.child('unblock', BLOCKING_NS)));
    await eventually(() => unblocked().length === 2, 'the unblock pushes of everyone blocked');
    assert.deepEqual(unblocked().sort(), ['bob@acme.test', 'spam@far.test']);
    // A block made elsewhere (the web app, another node) reaches the sessions that asked, as a push.
    await h.core.presence.watchers.block(ann.tenantId, ann.id, 'troll@far.test');
    await eventually(
      () => jids(annPhone.sent.at(-1)?.child('block', BLOCKING_NS)).includes('troll@far.test'),
      'the push of a block made in the core',
    );
    await h.core.presence.watchers.unblock(ann.tenantId, ann.id, 'troll@far.test');
    await eventually(
      () => jids(annPhone.sent.at(-1)?.child('unblock', BLOCKING_NS)).includes('troll@far.test'),
      'the push of an unblock made in the core',
    );
    await h.inbound(x('iq', { to: 'ann@acme.test', type: 'get', id: 'v2' }, x('vCard', { xmlns: VCARD_NS })), {
      session: bobS,
    });
    const card = bobS.sent.at(-1);
    assert.equal(card?.attrs.type, 'result');
    assert.equal(
      card?.child('vCard', VCARD_NS)?.toString(),
      '<vCard xmlns="vcard-temp"><FN>Ann Lee</FN><N><FAMILY>Lee</FAMILY><GIVEN>Ann</GIVEN></N><EMAIL><INTERNET/><PREF/><USERID>ann@mail.test</USERID></EMAIL><TEL><WORK/><VOICE/><NUMBER>+4930123</NUMBER></TEL><ORG><ORGNAME>ACME</ORGNAME></ORG><JABBERID>ann@acme.test</JABBERID></vCard>',
    );
  });

  test('vCard: own card; another tenant sees the name only; a set is not allowed', async () => {
    assert.equal((await h.iq(annPc, 'get', x('vCard', { xmlns: VCARD_NS })))?.childText('FN'), 'Ann Lee');
    await h.inbound(x('iq', { to: 'ann@acme.test', type: 'get', id: 'v3' }, x('vCard', { xmlns: VCARD_NS })), {
      from: 'zed@other.test/pc',
    });
    const card = h.routed.at(-1)?.child('vCard', VCARD_NS);
    assert.deepEqual(
      card?.elements().map((e) => e.name),
      ['FN', 'JABBERID'],
    );
    await assert.rejects(
      h.iq(annPc, 'set', x('vCard', { xmlns: VCARD_NS }, x('FN', {}, 'X'))),
      (e) => e instanceof StanzaError && e.condition === 'not-allowed',
    );
  });
});

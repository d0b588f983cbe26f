import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { presenceModule } from '../src/adapters/xmpp/modules/presence.js';
import { rosterModule } from '../src/adapters/xmpp/modules/roster.js';
import { subscriptionsModule } from '../src/adapters/xmpp/modules/subscriptions.js';
import { x } from '../src/adapters/xmpp/xml/element.js';
import type { User } from '../src/core/users/model.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const got = (s: TestSession, from: string) =>
  s.sent.filter((st) => st.name === 'presence' && st.attrs.from === from).map((st) => st.attrs.type ?? 'available');
const state = async (h: Harness, u: User, jid: string) => {
  const i = await h.core.roster.get(u.tenantId, u.id, jid);
  return [i.subscription, i.pendingOut, i.pendingIn, i.listed];
};

describe('subscriptions (RFC 6121 §3)', () => {
  let h: Harness;
  let ann: User;
  let bob: User;
  let zed: User;
  let yan: User;
  let annS: TestSession;
  let bobS: TestSession;
  let zedS: TestSession;
  before(async () => {
    h = await startModules(() => [rosterModule(), subscriptionsModule(), presenceModule()]);
    ann = await h.user('ann@acme.test');
    bob = await h.user('bob@acme.test');
    zed = await h.user('zed@other.test');
    yan = await h.user('yan@other.test');
    annS = h.session(ann, 'pc');
    bobS = h.session(bob, 'pc');
    zedS = h.session(zed, 'pc');
    for (const s of [annS, bobS, zedS]) await h.inbound(x('presence'), { session: s });
  });
  after(() => h.close());

  test('a colleague is approved at once, with their presence, and nothing is stored', async () => {
    await h.inbound(x('presence', { to: 'bob@acme.test', type: 'subscribe' }), { session: annS });
    assert.deepEqual(got(annS, 'bob@acme.test').slice(-2), ['subscribed', 'available']);
    assert.deepEqual(await state(h, ann, 'bob@acme.test'), ['none', false, false, false]);
    assert.deepEqual(
      got(bobS, 'ann@acme.test').filter((t) => t === 'subscribe'),
      [],
      'bob is not asked',
    );
  });

  test('a user of another tenant here: request, approval, both sides as RFC 6121 says', async () => {
    await h.inbound(x('presence', { to: 'zed@other.test', type: 'subscribe' }, x('status', {}, 'Ann from ACME')), {
      session: annS,
    });
    assert.deepEqual(await state(h, ann, 'zed@other.test'), ['none', true, false, true]);
    assert.deepEqual(await state(h, zed, 'ann@acme.test'), ['none', false, true, false]);
    const ask = zedS.sent.find((s) => s.attrs.type === 'subscribe');
    assert.equal(ask?.childText('status'), 'Ann from ACME');
    await h.inbound(x('presence', { to: 'ann@acme.test', type: 'subscribed' }), { session: zedS });
    assert.deepEqual(await state(h, ann, 'zed@other.test'), ['to', false, false, true]);
    assert.deepEqual(await state(h, zed, 'ann@acme.test'), ['from', false, false, true]);
    assert.deepEqual(got(annS, 'zed@other.test').slice(-2), ['subscribed', 'available'], "then zed's presence");
    await h.core.presence.setManual(zed.tenantId, zed.id, { availability: 'dnd' });
    await eventually(
      () => annS.sent.find((st) => st.attrs.from === 'zed@other.test' && st.childText('show') === 'dnd'),
      "zed's change reaches ann, subscribed to zed (availability only: another tenant)",
    );
    assert.equal(annS.sent.at(-1)?.childText('status'), 'do not disturb');
  });

  test('a request to someone offline is redelivered at their initial presence, once', async () => {
    await h.inbound(x('presence', { to: 'yan@other.test', type: 'subscribe' }, x('status', {}, 'hi')), {
      session: annS,
    });
    const yanS = h.session(yan, 'pc');
    await h.inbound(x('presence'), { session: yanS });
    await h.inbound(x('presence', {}, x('show', {}, 'away')), { session: yanS });
    const asks = yanS.sent.filter((s) => s.attrs.type === 'subscribe' && s.attrs.from === 'ann@acme.test');
    assert.equal(asks.length, 1);
    assert.equal(asks[0]?.childText('status'), 'hi');
  });

  test('a contact on another server: its request reaches the user, the approval and presence are routed to it', async () => {
    await h.inbound(x('presence', { to: 'ann@acme.test', type: 'subscribe' }), { from: 'far@remote.test' });
    assert.deepEqual(got(annS, 'far@remote.test'), ['subscribe']);
    h.routed.length = 0;
    await h.inbound(x('presence', { to: 'far@remote.test', type: 'subscribed' }), { session: annS });
    assert.deepEqual(
      h.routed.map((r) => [r.attrs.to, r.attrs.type ?? 'available']),
      [
        ['far@remote.test', 'subscribed'],
        ['far@remote.test', 'available'],
      ],
    );
    const shown = h.routed[1];
    assert.equal(shown?.childText('status'), 'available', 'what an external may see: availability only');
    await h.inbound(x('presence', { to: 'ann@acme.test', type: 'subscribe' }), { from: 'far@remote.test' });
    assert.equal(h.routed[2]?.attrs.type, 'subscribed', 'a repeated request is approved by the server');
    assert.deepEqual(got(annS, 'far@remote.test'), ['subscribe'], 'and not delivered again');
  });
});

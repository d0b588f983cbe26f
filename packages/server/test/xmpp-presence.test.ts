import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { presenceModule } from '../src/adapters/xmpp/modules/presence.js';
import { rosterModule } from '../src/adapters/xmpp/modules/roster.js';
import { subscriptionsModule } from '../src/adapters/xmpp/modules/subscriptions.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import type { User } from '../src/core/users/model.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const H = 3_600_000;
const START = Date.UTC(2026, 2, 2, 9, 0);

/** Presence stanzas `s` got from `from` (bare JID, or a full one). */
const from = (s: TestSession, jid: string) => s.sent.filter((st) => st.name === 'presence' && st.attrs.from === jid);
const view = (p: XmlElement | undefined) =>
  p && {
    type: p.attrs.type,
    show: p.childText('show'),
    status: p.childText('status'),
    lang: p.child('status')?.attrs['xml:lang'],
    idle: p.child('idle', 'urn:xmpp:idle:1')?.attrs.since,
  };

describe('presence (RFC 6121 §4) over the core', () => {
  let h: Harness;
  let ann: User;
  let bob: User;
  let dave: User;
  let erin: User;
  let annPc: TestSession;
  let annPhone: TestSession;
  let daveS: TestSession;
  let bobS: TestSession;
  before(async () => {
    h = await startModules(() => [rosterModule(), subscriptionsModule(), presenceModule()], START);
    ann = await h.user('ann@acme.test');
    bob = await h.user('bob@acme.test');
    dave = await h.user('dave@acme.test');
    erin = await h.user('erin@acme.test');
    await h.core.presence.watchers.block(bob.tenantId, bob.id, 'dave@acme.test');
    await h.core.presence.clientConnected(erin.tenantId, erin.id, 'e1', { mobile: false, sessionId: null });
    annPc = h.session(ann, 'pc', 'en');
    annPhone = h.session(ann, 'phone', 'de');
    daveS = h.session(dave, 'pc');
    for (const s of [annPc, annPhone, daveS]) await h.inbound(x('presence'), { session: s });
  });
  after(() => h.close());

  test('initial presence: every online colleague, in the session language; the user is online in the core', async () => {
    assert.deepEqual(view(from(annPc, 'erin@acme.test')[0]), {
      type: undefined,
      show: undefined,
      status: 'available',
      lang: 'en',
      idle: undefined,
    });
    assert.equal(view(from(annPhone, 'erin@acme.test')[0])?.status, 'verfügbar');
    assert.equal(from(annPc, 'bob@acme.test').length, 0, 'offline contacts are not sent');
    assert.equal((await h.core.presence.get(ann.tenantId, ann.id)).availability, 'available');
    assert.ok(from(annPhone, 'ann@acme.test/pc').length > 0, "the user's other resources get the client's presence");
  });

  test('on the phone and in a meeting until 14:30 reach each watcher in its language; a blocked watcher sees nothing', async () => {
    await h.core.presence.setLineState(bob.tenantId, bob.id, 'l1', 'connected');
    const en = await eventually(() => from(annPc, 'bob@acme.test')[0], 'bob on the phone (en)');
    assert.deepEqual(view(en), {
      type: undefined,
      show: 'dnd',
      status: 'busy – on the phone',
      lang: 'en',
      idle: undefined,
    });
    const de = await eventually(() => from(annPhone, 'bob@acme.test')[0], 'bob on the phone (de)');
    assert.equal(view(de)?.status, 'beschäftigt – am Telefon');
    assert.equal(view(de)?.lang, 'de');

    await h.core.presence.removeLine(bob.tenantId, bob.id, 'l1');
    await h.core.presence.setCalendar(bob.tenantId, bob.id, {
      blocks: [{ start: START - H, end: Date.UTC(2026, 2, 2, 14, 30), show: 'busy', subject: 'Budget' }],
      fetchedAt: START,
      stale: false,
    });
    const meeting = await eventually(
      () => from(annPc, 'bob@acme.test').find((p) => p.childText('status')?.includes('meeting')),
      'bob in a meeting',
    );
    assert.deepEqual(view(meeting), {
      type: undefined,
      show: 'dnd',
      status: 'busy – in a meeting until 14:30',
      lang: 'en',
      idle: undefined,
    });
    await eventually(
      () =>
        from(annPhone, 'bob@acme.test').find(
          (p) => p.childText('status') === 'beschäftigt – in einer Besprechung bis 14:30',
        ),
      'bob in a meeting (de)',
    );
    // Dave's watch has seen erin's later change, so whatever of bob came before it was left out.
    await h.core.presence.setManual(erin.tenantId, erin.id, { availability: 'busy' });
    await eventually(
      () => from(daveS, 'erin@acme.test').find((p) => p.childText('show') === 'dnd'),
      'erin busy at dave',
    );
    assert.deepEqual(from(daveS, 'bob@acme.test'), [], 'dave, blocked by bob, gets none of his presence');
  });

  test("the client's own show: away is idle (an input), dnd the user's manual state, unavailable takes the client away", async () => {
    bobS = h.session(bob, 'pc');
    await h.inbound(x('presence'), { session: bobS });
    h.clock.now = START + 60_000;
    await h.inbound(x('presence', {}, x('show', {}, 'away')), { session: annPc });
    await h.inbound(x('presence', {}, x('show', {}, 'away')), { session: annPhone });
    const away = await eventually(
      () => from(bobS, 'ann@acme.test').find((p) => p.childText('show') === 'away'),
      'ann away at bob',
    );
    assert.equal(view(away)?.idle, new Date(START + 60_000).toISOString());
    assert.equal(await h.core.presence.manual(ann.tenantId, ann.id), null, 'idle is no manual state');

    await h.inbound(x('presence', {}, x('show', {}, 'dnd')), { session: annPc });
    assert.equal((await h.core.presence.manual(ann.tenantId, ann.id))?.availability, 'dnd');
    await eventually(
      () => from(bobS, 'ann@acme.test').find((p) => p.childText('status') === 'do not disturb'),
      'ann dnd',
    );
    await h.inbound(x('presence'), { session: annPc });
    assert.equal(await h.core.presence.manual(ann.tenantId, ann.id), null, 'the session that set dnd clears it');

    await h.inbound(x('presence', { type: 'unavailable' }), { session: annPc });
    await h.end(annPhone);
    await eventually(
      () => from(bobS, 'ann@acme.test').find((p) => p.attrs.type === 'unavailable'),
      'ann offline at bob',
    );
    assert.equal((await h.core.presence.get(ann.tenantId, ann.id)).availability, 'offline');
  });
});

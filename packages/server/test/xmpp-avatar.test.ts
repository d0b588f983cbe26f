// Avatars from the user record over XMPP (module level): XEP-0084 items for others, publishing
// (data, then metadata) setting the core's avatar, +notify events to clients whose caps ask for
// them, XEP-0153 hashes in presence and XEP-0054 PHOTO in the vCard.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { toStanzaError } from '../src/adapters/xmpp/errors.js';
import {
  AVATAR_DATA,
  AVATAR_METADATA,
  AVATAR_NOTIFY,
  PUBSUB,
  PUBSUB_EVENT,
} from '../src/adapters/xmpp/modules/avatar-pep.js';
import { CAPS, DISCO_INFO } from '../src/adapters/xmpp/modules/disco-info.js';
import { PepModule } from '../src/adapters/xmpp/modules/pep.js';
import { presenceModule } from '../src/adapters/xmpp/modules/presence.js';
import { VCARD_UPDATE_NS } from '../src/adapters/xmpp/modules/presence-render.js';
import { subscriptionsModule } from '../src/adapters/xmpp/modules/subscriptions.js';
import { VCARD_NS, vcardModule } from '../src/adapters/xmpp/modules/vcard.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import type { User } from '../src/core/users/model.js';
import { eventually, type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a tiny png')]);
const GIF = Buffer.from('GIF89a and the rest');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

const items = (node: string, id?: string) =>
  x('pubsub', { xmlns: PUBSUB }, x('items', { node }, id !== undefined && x('item', { id })));
const publish = (node: string, id: string, payload: XmlElement) =>
  x('pubsub', { xmlns: PUBSUB }, x('publish', { node }, x('item', { id }, payload)));
const metadata = (id: string, type: string, bytes: number) =>
  x('metadata', { xmlns: AVATAR_METADATA }, x('info', { id, type, bytes: String(bytes) }));
const conditionOf = (s: XmlElement | undefined) => s?.child('error')?.elements()[0]?.name;

describe('XEP-0084 avatars, XEP-0153 hashes and vCard photos from the user record', () => {
  let h: Harness;
  let ann: User;
  let bob: User;
  let annPc: TestSession;
  let bobPc: TestSession;
  let bobOld: TestSession;
  let n = 0;

  /** An IQ from `s` to another user's bare JID, and the reply. */
  async function ask(s: TestSession, to: string, type: string, payload: XmlElement): Promise<XmlElement> {
    const id = `a${++n}`;
    await h.inbound(x('iq', { type, id, to }, payload), { session: s });
    return eventually(() => s.sent.find((r) => r.attrs.id === id), `reply ${id}`);
  }
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => 'answered',
      // As the router answers: a core refusal by its code.
      (e: unknown) => toStanzaError(e).condition,
    );

  before(async () => {
    h = await startModules(() => [new PepModule(), subscriptionsModule(), presenceModule(), vcardModule()]);
    ann = await h.user('ann@acme.test');
    bob = await h.user('bob@acme.test');
    annPc = h.session(ann, 'pc');
    bobPc = h.session(bob, 'pc');
    bobOld = h.session(bob, 'old');
    // Bob's pc announces caps with avatar notifications; his old client caps without them.
    await h.inbound(x('presence', {}, x('c', { xmlns: CAPS, hash: 'sha-1', node: 'urn:test', ver: 'notify=' })), {
      session: bobPc,
    });
    const question = await eventually(() => bobPc.sent.find((s) => s.child('query', DISCO_INFO)), 'caps question');
    assert.equal(question.child('query', DISCO_INFO)?.attrs.node, 'urn:test#notify=');
    await h.inbound(
      x(
        'iq',
        { type: 'result', id: question.attrs.id, to: 'acme.test' },
        x('query', { xmlns: DISCO_INFO, node: 'urn:test#notify=' }, x('feature', { var: AVATAR_NOTIFY })),
      ),
      { session: bobPc },
    );
    await h.inbound(x('presence', {}, x('c', { xmlns: CAPS, hash: 'sha-1', node: 'urn:test', ver: 'plain=' })), {
      session: bobOld,
    });
    const plain = await eventually(() => bobOld.sent.find((s) => s.child('query', DISCO_INFO)), 'caps question');
    await h.inbound(
      x('iq', { type: 'result', id: plain.attrs.id, to: 'acme.test' }, x('query', { xmlns: DISCO_INFO })),
      { session: bobOld },
    );
    await h.inbound(x('presence'), { session: annPc });
  });
  after(() => h.close());

  test('without an avatar: no items, no PHOTO, an empty XEP-0153 photo', async () => {
    assert.equal(conditionOf(await ask(bobPc, 'ann@acme.test', 'get', items(AVATAR_METADATA))), 'item-not-found');
    const vcard = await h.iq(annPc, 'get', x('vCard', { xmlns: VCARD_NS }));
    assert.equal(vcard?.child('PHOTO'), undefined);
    const p = bobPc.sent.find((s) => s.name === 'presence' && s.attrs.from === 'ann@acme.test');
    assert.equal(p?.child('x', VCARD_UPDATE_NS)?.child('photo')?.text(), '');
  });

  test('the web app sets it: PEP items for others, PHOTO in the vCard, the hash in presence, a notification where asked', async () => {
    const notified = bobPc.sent.length;
    const presenced = bobOld.sent.length;
    await h.core.avatars.set(ann.tenantId, ann.id, { contentType: 'image/png', bytes: PNG });
    const id = sha1(PNG);
    const event = await eventually(
      () => bobPc.sent.slice(notified).find((s) => s.child('event', PUBSUB_EVENT)),
      'the +notify event',
    );
    assert.equal(event.attrs.from, 'ann@acme.test');
    assert.equal(event.attrs.type, 'headline');
    const info = event.child('event', PUBSUB_EVENT)?.child('items')?.child('item')?.child('metadata')?.child('info');
    assert.deepEqual(info?.attrs, { id, type: 'image/png', bytes: String(PNG.length) });
    // The client whose caps did not ask gets no event, but the new hash in Ann's presence.
    const p = await eventually(
      () => bobOld.sent.slice(presenced).find((s) => s.name === 'presence' && s.attrs.from === 'ann@acme.test'),
      'presence with the new hash',
    );
    assert.equal(p.child('x', VCARD_UPDATE_NS)?.childText('photo'), id);
    assert.ok(!bobOld.sent.some((s) => s.child('event', PUBSUB_EVENT)));

    const meta = await ask(bobPc, 'ann@acme.test', 'get', items(AVATAR_METADATA));
    assert.equal(meta.attrs.from, 'ann@acme.test');
    assert.equal(meta.child('pubsub', PUBSUB)?.child('items')?.child('item')?.attrs.id, id);
    const data = await ask(bobPc, 'ann@acme.test', 'get', items(AVATAR_DATA, id));
    const base64 = data.child('pubsub', PUBSUB)?.child('items')?.child('item')?.child('data', AVATAR_DATA)?.text();
    assert.deepEqual(Buffer.from(base64 ?? '', 'base64'), PNG);
    assert.equal(
      conditionOf(await ask(bobPc, 'ann@acme.test', 'get', items(AVATAR_DATA, 'f'.repeat(40)))),
      'item-not-found',
    );

    const vcard = await h.iq(bobPc, 'get', x('vCard', { xmlns: VCARD_NS }));
    assert.equal(vcard?.child('PHOTO'), undefined, "Bob's own vCard has no photo");
    await h.inbound(x('iq', { type: 'get', id: 'v1', to: 'ann@acme.test' }, x('vCard', { xmlns: VCARD_NS })), {
      session: bobPc,
    });
    const annCard = await eventually(() => bobPc.sent.find((s) => s.attrs.id === 'v1'), 'vCard');
    const photo = annCard.child('vCard', VCARD_NS)?.child('PHOTO');
    assert.equal(photo?.childText('TYPE'), 'image/png');
    assert.deepEqual(Buffer.from(photo?.childText('BINVAL') ?? '', 'base64'), PNG);
  });

  test('the user publishes data then metadata: the core has the new avatar', async () => {
    const id = sha1(GIF);
    const data = x('data', { xmlns: AVATAR_DATA }, GIF.toString('base64'));
    const done = await h.iq(annPc, 'set', publish(AVATAR_DATA, id, data));
    assert.equal(done?.child('publish')?.child('item')?.attrs.id, id);
    await h.iq(annPc, 'set', publish(AVATAR_METADATA, id, metadata(id, 'image/gif', GIF.length)));
    const avatar = await h.core.avatars.get(ann.tenantId, ann.id);
    assert.deepEqual([avatar?.sha1, avatar?.contentType], [id, 'image/gif']);
    const own = await h.iq(annPc, 'get', items(AVATAR_METADATA));
    assert.equal(own?.child('items')?.child('item')?.attrs.id, id);
  });

  test('refused: a wrong id, metadata without its data, bytes not of the type, publishing to another user', async () => {
    const data = x('data', { xmlns: AVATAR_DATA }, PNG.toString('base64'));
    assert.equal(await refusal(h.iq(annPc, 'set', publish(AVATAR_DATA, 'f'.repeat(40), data))), 'bad-request');
    const unknown = 'e'.repeat(40);
    assert.equal(
      await refusal(h.iq(annPc, 'set', publish(AVATAR_METADATA, unknown, metadata(unknown, 'image/png', 3)))),
      'item-not-found',
    );
    const id = sha1(PNG);
    await h.iq(annPc, 'set', publish(AVATAR_DATA, id, data));
    assert.equal(
      await refusal(h.iq(annPc, 'set', publish(AVATAR_METADATA, id, metadata(id, 'image/jpeg', PNG.length)))),
      'bad-request',
    );
    assert.equal(conditionOf(await ask(bobPc, 'ann@acme.test', 'set', publish(AVATAR_DATA, id, data))), 'forbidden');
  });

  test('an empty metadata item removes the avatar; clients that asked learn it', async () => {
    const from = bobPc.sent.length;
    await h.iq(annPc, 'set', publish(AVATAR_METADATA, 'current', x('metadata', { xmlns: AVATAR_METADATA })));
    assert.equal(await h.core.avatars.get(ann.tenantId, ann.id), undefined);
    const event = await eventually(
      () => bobPc.sent.slice(from).find((s) => s.child('event', PUBSUB_EVENT)),
      'the removal event',
    );
    const gone = event.child('event', PUBSUB_EVENT)?.child('items')?.child('item')?.child('metadata');
    assert.equal(gone?.elements().length, 0);
  });
});

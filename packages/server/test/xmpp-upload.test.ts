// XEP-0363 HTTP File Upload over the core's attachments (module level; the HTTP PUT and GET are
// proven through the real server in xmpp-upload-e2e.test.ts): disco, slots, the XEP's errors, the
// slot's terms as the core enforces them, and a sent upload becoming the message's attachment, in
// a 1:1 and in a room.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ChatModule } from '../src/adapters/xmpp/modules/chat.js';
import { NS } from '../src/adapters/xmpp/modules/chat-stanzas.js';
import { DiscoModule } from '../src/adapters/xmpp/modules/disco.js';
import { DISCO_INFO, DISCO_ITEMS } from '../src/adapters/xmpp/modules/disco-info.js';
import { parseFileUrl } from '../src/adapters/xmpp/modules/file-urls.js';
import { MucModule } from '../src/adapters/xmpp/modules/muc.js';
import { UPLOAD_NS, UploadModule } from '../src/adapters/xmpp/modules/upload.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { SLOT_TTL_MS } from '../src/core/messaging/attachments.js';
import type { User } from '../src/core/users/model.js';
import { eventually, type Harness, HTTP_URL, startModules, type TestSession } from './support/xmpp-modules.js';

const SERVICE = 'upload.example.test';
const MAX = 4096;

const request = (attrs: Record<string, string>) => x('request', { xmlns: UPLOAD_NS, ...attrs });
const errorOf = (s: XmlElement | undefined) => s?.child('error');
const conditionOf = (s: XmlElement | undefined) => errorOf(s)?.elements()[0]?.name;

describe('XEP-0363 HTTP File Upload (module)', () => {
  let h: Harness;
  let dir: string;
  let alice: User;
  let bob: User;
  let gajim: TestSession;
  let dino: TestSession;
  let n = 0;

  /** An IQ to the upload service and the session's reply to it. */
  async function ask(s: TestSession, type: string, payload: XmlElement): Promise<XmlElement> {
    const id = `u${++n}`;
    await h.inbound(x('iq', { type, id, to: SERVICE }, payload), { session: s });
    return eventually(() => s.sent.find((r) => r.attrs.id === id), `reply ${id}`);
  }
  const slotFor = async (s: TestSession, attrs: Record<string, string>) => {
    const reply = await ask(s, 'get', request(attrs));
    assert.equal(reply.attrs.type, 'result', String(reply));
    const slot = reply.child('slot', UPLOAD_NS) as XmlElement;
    return { put: slot.child('put')?.attrs.url as string, get: slot.child('get')?.attrs.url as string };
  };
  /** The slot token and file of a PUT URL, as the HTTP API reads them. */
  const partsOf = (put: string) => {
    const [path, query] = put.split('?');
    const link = parseFileUrl(HTTP_URL, path as string) as { tenantId: string; id: string; token: string };
    const name = decodeURIComponent((path as string).split('/').pop() as string);
    return {
      at: { tenantId: link.tenantId, id: link.id, name },
      token: new URLSearchParams(query).get('slot') as string,
    };
  };

  before(async () => {
    h = await startModules(() => [new DiscoModule(), new UploadModule(), new ChatModule(), new MucModule()]);
    dir = await mkdtemp(join(tmpdir(), 'parley-upload-'));
    // The harness's configuration has no attachments folder or limits of its own: these are the test's.
    Object.assign(h.core.messaging.attachments.options, {
      dir,
      maxBytes: MAX,
      userQuotaMegabytes: 10_000 / 1024 / 1024,
    });
    alice = await h.user('alice@example.test');
    bob = await h.user('bob@example.test');
    gajim = h.session(alice, 'gajim');
    dino = h.session(bob, 'dino');
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the domain lists upload.DOMAIN; its disco#info has the XEP-0363 feature and the largest file', async () => {
    const items = await h.iq(gajim, 'get', x('query', { xmlns: DISCO_ITEMS }), 'example.test');
    assert.ok(items?.elements('item').some((i) => i.attrs.jid === SERVICE));
    const info = (await ask(gajim, 'get', x('query', { xmlns: DISCO_INFO }))).child('query', DISCO_INFO);
    assert.ok(info?.elements('feature').some((f) => f.attrs.var === UPLOAD_NS));
    assert.deepEqual(info?.child('identity')?.attrs, { category: 'store', type: 'file', name: 'HTTP File Upload' });
    const fields = info?.child('x', 'jabber:x:data')?.elements('field') ?? [];
    assert.equal(fields.find((f) => f.attrs.var === 'FORM_TYPE')?.childText('value'), UPLOAD_NS);
    assert.equal(fields.find((f) => f.attrs.var === 'max-file-size')?.childText('value'), String(MAX));
  });

  test('a slot: a PUT URL with a token and a GET URL on the HTTP listener for the file', async () => {
    const slot = await slotFor(gajim, { filename: 'plan one.pdf', size: '100', 'content-type': 'application/pdf' });
    assert.ok(slot.get.startsWith(`${HTTP_URL}/files/${alice.tenantId}/`));
    assert.ok(slot.get.endsWith('/plan%20one.pdf'));
    assert.ok(slot.put.startsWith(`${slot.get}?slot=`));
  });

  test('refusals per XEP-0363 §4: too large (with the limit), a type not accepted, quota, other users, bad requests', async () => {
    const big = await ask(
      gajim,
      'get',
      request({ filename: 'a.png', size: String(MAX + 1), 'content-type': 'image/png' }),
    );
    assert.equal(errorOf(big)?.attrs.type, 'modify');
    assert.equal(conditionOf(big), 'not-acceptable');
    assert.equal(errorOf(big)?.child('file-too-large', UPLOAD_NS)?.childText('max-file-size'), String(MAX));
    const exe = await ask(
      gajim,
      'get',
      request({ filename: 'a.exe', size: '10', 'content-type': 'application/x-msdownload' }),
    );
    assert.equal(conditionOf(exe), 'not-acceptable');
    assert.equal(errorOf(exe)?.child('file-too-large', UPLOAD_NS), undefined);
    for (const attrs of [
      { filename: 'a.png', size: 'ten', 'content-type': 'image/png' } as Record<string, string>,
      { size: '10', 'content-type': 'image/png' },
    ]) {
      assert.equal(conditionOf(await ask(gajim, 'get', request(attrs))), 'bad-request');
    }
    // Over the user's quota (10,000 bytes): resource-constraint, to wait for.
    for (const name of ['fill1.png', 'fill2.png']) {
      const files = h.core.messaging.attachments;
      const slot = await files.requestSlot(
        { tenantId: alice.tenantId, userId: alice.id },
        { name, size: MAX, contentType: 'image/png' },
      );
      await files.uploadToSlot(slot.grant, Buffer.alloc(MAX, 1));
    }
    const full = await ask(
      gajim,
      'get',
      request({ filename: 'b.png', size: String(MAX), 'content-type': 'image/png' }),
    );
    assert.equal(conditionOf(full), 'resource-constraint');
    assert.equal(errorOf(full)?.attrs.type, 'wait');
    // A user of another tenant may not use this domain's service.
    const eve = h.session(await h.user('eve@other.test'), 'x');
    assert.equal(
      conditionOf(await ask(eve, 'get', request({ filename: 'e.png', size: '1', 'content-type': 'image/png' }))),
      'forbidden',
    );
    assert.equal(
      conditionOf(await ask(gajim, 'set', request({ filename: 'e.png', size: '1', 'content-type': 'image/png' }))),
      'service-unavailable',
    );
  });

  test('the slot is the upload: exact size and type, single use, expiring, bound to its file', async () => {
    const files = h.core.messaging.attachments;
    const slot = await slotFor(dino, { filename: 'photo.png', size: '5', 'content-type': 'image/png' });
    const { at, token } = partsOf(slot.put);
    const declared = { contentType: 'image/png', length: 5 };
    const refused = async (p: Promise<unknown>) =>
      (await p.then(
        () => 'stored',
        (e: { code?: string }) => e.code,
      )) as string;
    assert.equal(await refused(files.slotGrant(at, token, { ...declared, length: 6 })), 'PARLEY_ERR_VALIDATION');
    assert.equal(
      await refused(files.slotGrant(at, token, { ...declared, contentType: 'image/gif' })),
      'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE',
    );
    assert.equal(await refused(files.slotGrant({ ...at, name: 'other.png' }, token, declared)), 'PARLEY_ERR_FORBIDDEN');
    assert.equal(await refused(files.slotGrant(at, `${token}x`, declared)), 'PARLEY_ERR_FORBIDDEN');
    const grant = await files.slotGrant(at, token, declared);
    assert.equal(await refused(files.uploadToSlot(grant, Buffer.from('four'))), 'PARLEY_ERR_VALIDATION');
    const stored = await files.uploadToSlot(grant, Buffer.from('12345'));
    assert.equal(stored.conversationId, null);
    assert.equal(stored.uploaderId, bob.id);
    // Replayed: refused before and after the body.
    assert.equal(await refused(files.slotGrant(at, token, declared)), 'PARLEY_ERR_CONFLICT');
    assert.equal(await refused(files.uploadToSlot(grant, Buffer.from('54321'))), 'PARLEY_ERR_CONFLICT');
    const read = await files.openShared(
      at.tenantId,
      at.id,
      (parseFileUrl(HTTP_URL, slot.get) as { token: string }).token,
    );
    assert.equal(read.attachment.sha256, stored.sha256);
    assert.equal(await refused(files.openShared(at.tenantId, at.id, 'AAAAAAAAAAAAAAAAAAAAAA')), 'PARLEY_ERR_NOT_FOUND');
    // Expired.
    const late = partsOf((await slotFor(dino, { filename: 'late.png', size: '5', 'content-type': 'image/png' })).put);
    h.clock.now += SLOT_TTL_MS;
    assert.equal(await refused(files.slotGrant(late.at, late.token, declared)), 'PARLEY_ERR_FORBIDDEN');
  });

  test("a message carrying the GET URL sends the upload as its attachment; the web app's files reach XMPP as links with OOB", async () => {
    const files = h.core.messaging.attachments;
    const slot = await slotFor(gajim, { filename: 'notes.txt', size: '5', 'content-type': 'text/plain' });
    const { at, token } = partsOf(slot.put);
    await files.uploadToSlot(
      await files.slotGrant(at, token, { contentType: 'text/plain', length: 5 }),
      Buffer.from('hello'),
    );
    await h.inbound(
      x(
        'message',
        { type: 'chat', to: 'bob@example.test', id: 'f1' },
        x('body', {}, slot.get),
        x('x', { xmlns: NS.oob }, x('url', {}, slot.get)),
      ),
      { session: gajim },
    );
    const got = await eventually(
      () => dino.sent.find((s) => s.name === 'message' && s.childText('body') === slot.get),
      'the file at bob',
    );
    assert.equal(got.child('x', NS.oob)?.childText('url'), slot.get);
    // The core's message has the file and no text: the web app shows it as an attachment.
    const bobCaller = { tenantId: bob.tenantId, userId: bob.id };
    const [conversation] = await h.core.messaging.conversations.list(bobCaller);
    const m = conversation?.lastMessage;
    assert.equal(m?.text, '');
    assert.deepEqual(
      m?.attachments.map((a) => [a.id, a.name, a.conversationId]),
      [[at.id, 'notes.txt', conversation?.id]],
    );
    // Bob may now read it as the web app does.
    assert.equal((await files.open(bobCaller, at.id)).attachment.size, 5);

    // Sent again, or someone else's link: just text.
    await h.inbound(
      x('message', { type: 'chat', to: 'alice@example.test', id: 'f2' }, x('body', {}, `look ${slot.get}`)),
      { session: dino },
    );
    await eventually(() => gajim.sent.find((s) => s.childText('body') === `look ${slot.get}`), 'the link as text');

    // The web app's upload to the 1:1, sent with text: the XMPP client gets the text and the file's link.
    const conversationId = conversation?.id as string;
    const web = await files.upload(bobCaller, conversationId, {
      name: 'web.png',
      contentType: 'image/png',
      bytes: Buffer.from('png!'),
    });
    await h.core.messaging.send(bobCaller, conversationId, {
      text: 'from the web',
      clientId: 'w1',
      attachments: [web.id],
    });
    const fromWeb = await eventually(
      () => gajim.sent.find((s) => s.childText('body')?.startsWith('from the web\n')),
      'web file',
    );
    const link = fromWeb.child('x', NS.oob)?.childText('url') as string;
    assert.equal(fromWeb.childText('body'), `from the web\n${link}`);
    const parsed = parseFileUrl(HTTP_URL, link);
    assert.ok(link.endsWith('/web.png'));
    assert.equal((await files.openShared(bob.tenantId, web.id, parsed?.token as string)).attachment.size, 4);
  });

  test("a groupchat message carrying the GET URL sends the upload as the group message's attachment", async () => {
    const files = h.core.messaging.attachments;
    const aliceCaller = { tenantId: alice.tenantId, userId: alice.id };
    const group = await h.core.messaging.conversations.create(aliceCaller, {
      members: ['bob@example.test'],
      kind: 'group',
      name: 'Files',
    });
    const room = `${group.id}@conference.example.test`;
    for (const [s, nick] of [
      [gajim, 'Alice'],
      [dino, 'Bob'],
    ] as const) {
      await h.inbound(x('presence', { to: `${room}/${nick}` }, x('x', { xmlns: 'http://jabber.org/protocol/muc' })), {
        session: s,
      });
      await eventually(() => s.sent.find((m) => m.attrs.from === room && m.child('subject')), `${nick} joined`);
    }
    const slot = await slotFor(gajim, { filename: 'plan.txt', size: '4', 'content-type': 'text/plain' });
    const { at, token } = partsOf(slot.put);
    await files.uploadToSlot(
      await files.slotGrant(at, token, { contentType: 'text/plain', length: 4 }),
      Buffer.from('plan'),
    );
    // The link as the whole body (no XEP-0066): still the sender's upload.
    await h.inbound(x('message', { type: 'groupchat', to: room, id: 'g1' }, x('body', {}, slot.get)), {
      session: gajim,
    });
    const got = await eventually(
      () => dino.sent.find((m) => m.attrs.type === 'groupchat' && m.childText('body') === slot.get),
      'the file in the room',
    );
    assert.equal(got.child('x', NS.oob)?.childText('url'), slot.get);
    const m = (await h.core.messaging.history(aliceCaller, group.id, { limit: 1 })).messages[0];
    assert.equal(m?.text, '');
    assert.deepEqual(
      m?.attachments.map((a) => [a.id, a.name, a.conversationId]),
      [[at.id, 'plan.txt', group.id]],
    );
  });
});

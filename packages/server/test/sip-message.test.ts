// SIP MESSAGE (RFC 3428) end to end on a real server: a phone's chat is the web app's 1:1
// conversation, both ways.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { headerValues } from '../src/adapters/sip/message/index.js';
import { startTestServer, type TestServer } from './support/server.js';
import { SipPhone } from './support/sip-phone.js';

const DOMAIN = 'im.test';
type User = Awaited<ReturnType<TestServer['user']>>;

describe('SIP MESSAGE: phones chat in the 1:1 conversations of the web app', () => {
  let t: TestServer;
  let alice: User;
  let bob: User;
  let alicePhone: SipPhone;
  let bobPhone: SipPhone;
  const phones: SipPhone[] = [];

  const phoneOf = async (user: User, local: string) => {
    const { device, password } = await t.core.devices.create(user.tenantId, user.userId, { name: `${local}'s phone` });
    const sip = t.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(sip);
    const phone = await SipPhone.open({
      server: { host: sip.host, port: sip.port },
      aor: `${local}@${DOMAIN}`,
      username: device.username,
      password,
    });
    phones.push(phone);
    assert.equal((await phone.register(600)).status, 200);
    return phone;
  };

  before(async () => {
    t = await startTestServer({
      'messaging.maxMessageLength': 100,
      'messaging.rateLimit.burst': 8,
      'messaging.rateLimit.perSecond': 0.01,
    });
    alice = await t.user(`alice@${DOMAIN}`);
    bob = await t.user(`bob@${DOMAIN}`);
    await t.core.users.update(alice.tenantId, alice.userId, { displayName: 'Alice Liddell' });
    alicePhone = await phoneOf(alice, 'alice');
    bobPhone = await phoneOf(bob, 'bob');
  });
  after(async () => {
    for (const phone of phones) phone.close();
    await t?.stop();
  });

  test('a MESSAGE without credentials is challenged (407)', async () => {
    const r = await alicePhone.message(`sip:bob@${DOMAIN}`, 'hello?', { auth: false });
    assert.equal(r.status, 407);
    assert.equal(headerValues(r.headers, 'Proxy-Authenticate').length, 1);
  });

  test('a MESSAGE to nobody of the tenant is 404 after authentication', async () => {
    assert.equal((await alicePhone.message(`sip:nobody@${DOMAIN}`, 'hello?')).status, 404);
  });

  test('a body other than text/plain is 415 with Accept', async () => {
    const r = await alicePhone.message(`sip:bob@${DOMAIN}`, '<b>hi</b>', { contentType: 'text/html' });
    assert.equal(r.status, 415);
    assert.deepEqual(headerValues(r.headers, 'Accept'), ['text/plain', 'message/cpim']);
  });

  test('a text longer than the core allows is 413', async () => {
    assert.equal((await alicePhone.message(`sip:bob@${DOMAIN}`, 'x'.repeat(101))).status, 413);
  });

  test("SIP to web and phone: the text is in the 1:1 the web app shows and on bob's phone", async () => {
    const text = 'Hello from the desk phone ✓';
    assert.equal((await alicePhone.message(`sip:bob@${DOMAIN}`, text)).status, 200);

    const { conversations } = await bob.api.request('conversations.list', { query: {} });
    const direct = conversations.find((c) => c.kind === 'direct');
    assert.ok(direct, 'the 1:1 was created');
    assert.deepEqual(direct.members.map((m) => m.address).sort(), [`alice@${DOMAIN}`, `bob@${DOMAIN}`]);
    const { messages } = await bob.api.request('messages.list', { params: { id: direct.id }, query: {} });
    assert.deepEqual(
      messages.map((m) => [m.sender, m.text]),
      [[`alice@${DOMAIN}`, text]],
    );

    const received = await bobPhone.nextMessage();
    assert.equal(received.body.toString('utf8'), text);
    assert.equal(received.from.displayName, 'Alice Liddell');
    assert.equal(`${received.from.uri.scheme}:${(received.from.uri as { user?: string }).user}`, 'sip:alice');
    assert.match(received.contentType ?? '', /^text\/plain;\s*charset=UTF-8$/i);
  });

  test("web to SIP: a message sent with the HTTP API arrives on the other's phone, and the sender's phone got no echo", async () => {
    const { id } = await bob.api.request('conversations.create', { body: { members: [`alice@${DOMAIN}`] } });
    await bob.api.request('messages.send', {
      params: { id },
      body: { text: 'Hi Alice, from the web', clientId: 'w1' },
    });
    // Alice's phone sent the first message of this 1:1; the first it receives is Bob's reply.
    const received = await alicePhone.nextMessage();
    assert.equal(received.body.toString('utf8'), 'Hi Alice, from the web');
    assert.equal(received.to.uri.scheme, 'sip');
    assert.match(headerValues(received.headers, 'From')[0] ?? '', /<sip:bob@im\.test>/);
  });

  test('an attachment reaches a phone as a line with its file name', async () => {
    const { id } = await bob.api.request('conversations.create', { body: { members: [`alice@${DOMAIN}`] } });
    const res = await fetch(new URL(`/api/v1/conversations/${id}/attachments?name=notes.txt`, t.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'text/plain' },
      body: 'the notes',
    });
    assert.equal(res.status, 201);
    const upload = (await res.json()) as { id: string };
    await bob.api.request('messages.send', {
      params: { id },
      body: { text: 'see the file', clientId: 'w2', attachments: [upload.id] },
    });
    assert.equal((await alicePhone.nextMessage()).body.toString('utf8'), 'see the file\n[file: notes.txt]');
  });

  test('a text/plain wrapped in CPIM (RFC 3862) is taken as its content', async () => {
    const cpim = [
      `From: <sip:alice@${DOMAIN}>`,
      `To: <sip:bob@${DOMAIN}>`,
      '',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'wrapped in CPIM',
    ].join('\r\n');
    assert.equal((await alicePhone.message(`sip:bob@${DOMAIN}`, cpim, { contentType: 'message/cpim' })).status, 200);
    assert.equal((await bobPhone.nextMessage()).body.toString('utf8'), 'wrapped in CPIM');
  });

  test('in a cluster only the node that registered a device sends to it (each device gets a message once)', async () => {
    const softphone = await phoneOf(bob, 'bob');
    const move = (node: string) =>
      t.core.registrations.update(bob.tenantId, bob.userId, (live) =>
        live.map((b) => (b.flow.port === softphone.local.port ? { ...b, node } : b)),
      );
    await move('another-node');
    assert.equal((await alicePhone.message(`sip:bob@${DOMAIN}`, 'for the desk phone')).status, 200);
    assert.equal((await bobPhone.nextMessage()).body.toString('utf8'), 'for the desk phone');
    await move(t.core.registrations.node);
    assert.equal((await alicePhone.message(`sip:bob@${DOMAIN}`, 'for both')).status, 200);
    assert.equal((await bobPhone.nextMessage()).body.toString('utf8'), 'for both');
    // The other node's binding got nothing from this one: the softphone's first message is the second.
    assert.equal((await softphone.nextMessage()).body.toString('utf8'), 'for both');
  });

  test('a sender over the rate limit gets 503 with Retry-After', async () => {
    let r = await alicePhone.message(`sip:bob@${DOMAIN}`, 'one more');
    for (let i = 0; i < 10 && r.status === 200; i++) r = await alicePhone.message(`sip:bob@${DOMAIN}`, `more ${i}`);
    assert.equal(r.status, 503);
    assert.ok(Number(headerValues(r.headers, 'Retry-After')[0]) >= 1);
  });
});

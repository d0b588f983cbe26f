// External components (XEP-0114) on a real socket: the handshake, routing both ways between a
// component and the tenant's users, and each refusal (unknown domain, wrong secret, a second
// connection, a spoofed `from`, another tenant, a component that is not connected).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';
import { RawXmpp } from './support/xmpp.js';

const SECRET = 'component-secret-0123';
const header = (domain: string) =>
  `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>`;

let server: TestServer;
let port: number;
let c2s: number;
const open: RawXmpp[] = [];

/** A raw connection to the component port that has sent its header and read the server's. */
async function component(domain: string): Promise<{ raw: RawXmpp; id: string }> {
  const raw = await RawXmpp.open(port);
  open.push(raw);
  raw.send(header(domain));
  const [, id = ''] = await raw.expect(/<stream:stream[^>]*\sid="([^"]+)"[^>]*>/);
  return { raw, id };
}

/** A component signed in as `domain`. */
async function connected(domain = 'bots.a.test'): Promise<RawXmpp> {
  const { raw, id } = await component(domain);
  raw.send(
    `<handshake>${createHash('sha1')
      .update(id + SECRET)
      .digest('hex')}</handshake>`,
  );
  await raw.expect('<handshake/>');
  return raw;
}

/** Ends a component's stream and waits for the server to close it (the domain is free again). */
async function disconnect(bot: RawXmpp): Promise<void> {
  bot.send('</stream:stream>');
  await bot.ended();
}

async function user(address: string, password: string, resource: string): Promise<RawXmpp> {
  const raw = await RawXmpp.open(c2s);
  open.push(raw);
  await raw.login(address, password, resource);
  raw.send('<presence/>');
  return raw;
}

before(async () => {
  server = await startTestServer({
    'xmpp.components': [
      { domain: 'bots.a.test', secret: SECRET },
      { domain: 'gateway.a.test', secret: SECRET },
      { domain: 'bots.nowhere.test', secret: SECRET },
    ],
    'xmpp.c2s.requireTls': true,
    'auth.throttle.maxFailures': 1,
    'auth.throttle.baseDelaySeconds': 60,
    'auth.throttle.maxDelaySeconds': 120,
  });
  port = server.listeners.find((l) => l.name === 'xmpp-component')?.port as number;
  c2s = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
});
after(async () => {
  for (const r of open) r.close();
  await server.stop();
});

describe('XMPP external components (XEP-0114)', () => {
  test('the listener is off without components', async () => {
    const plain = await startTestServer();
    try {
      assert.equal(
        plain.listeners.find((l) => l.name === 'xmpp-component'),
        undefined,
      );
    } finally {
      await plain.stop();
    }
  });

  test('a component and a user of its tenant exchange messages; the server lists and answers it', async () => {
    const alice = await server.user('alice@a.test');
    const bot = await connected();
    const client = await user('alice@a.test', alice.password, 'desk');
    // What a user sends to an address of the component's domain reaches the component as it is.
    client.send("<message to='helpdesk@bots.a.test' type='chat' id='m1'><body>printer broken</body></message>");
    const [toBot] = await bot.expect(/<message[^>]*>[\s\S]*?<\/message>/);
    assert.match(toBot, /from="alice@a\.test\/desk"/);
    assert.match(toBot, /<body>printer broken<\/body>/);
    // The component answers from any address of its domain, to the user's full or bare JID.
    bot.send(
      "<message from='helpdesk@bots.a.test/agent' to='alice@a.test/desk' type='chat' id='r1'><body>ticket 42</body></message>",
    );
    const [toUser] = await client.expect(/<message[^>]*from="helpdesk@bots\.a\.test\/agent"[\s\S]*?<\/message>/);
    assert.match(toUser, /ticket 42/);
    // IQs to the server itself: ping and disco (the server's items list the component).
    bot.send(
      "<iq from='bots.a.test' to='a.test' type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>",
    );
    const [items] = await bot.expect(/<iq[^>]*id="d1"[\s\S]*?<\/iq>/);
    assert.match(items, /type="result"/);
    assert.match(items, /jid="bots\.a\.test"/);
    // An IQ from a user to the component goes to the component, whose answer comes back.
    client.send("<iq to='bots.a.test' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>");
    const [iq] = await bot.expect(/<iq[^>]*id="v1"[^>]*>/);
    assert.match(iq, /from="alice@a\.test\/desk"/);
    bot.send(
      "<iq from='bots.a.test' to='alice@a.test/desk' type='result' id='v1'><query xmlns='jabber:iq:version'><name>bot</name></query></iq>",
    );
    await client.expect(/<iq[^>]*id="v1"[\s\S]*?<name>bot<\/name>/);
    await disconnect(bot);
  });

  test('a message to a user who is not online is refused back to the component', async () => {
    await server.user('bob@a.test');
    const bot = await connected('gateway.a.test');
    bot.send("<message from='x@gateway.a.test' to='bob@a.test' type='chat' id='off'><body>hi</body></message>");
    const [err] = await bot.expect(/<message[^>]*id="off"[\s\S]*?<\/message>/);
    assert.match(err, /type="error"/);
    assert.match(err, /service-unavailable/);
    await disconnect(bot);
  });

  test('a component reaches only its own tenant', async () => {
    await server.user('carol@b.test');
    const bot = await connected();
    bot.send("<message from='x@bots.a.test' to='carol@b.test' type='chat' id='other'><body>hi</body></message>");
    const [err] = await bot.expect(/<message[^>]*id="other"[\s\S]*?<\/message>/);
    assert.match(err, /not-allowed/);
    await disconnect(bot);
  });

  test('a user gets service-unavailable while the component is not connected', async () => {
    const dave = await server.user('dave@a.test');
    const client = await user('dave@a.test', dave.password, 'pc');
    client.send("<message to='echo@gateway.a.test' type='chat' id='gone'><body>anyone?</body></message>");
    const [err] = await client.expect(/<message[^>]*id="gone"[\s\S]*?<\/message>/);
    assert.match(err, /service-unavailable/);
  });

  test('a spoofed from ends the stream with invalid-from; a second connection gets conflict', async () => {
    const bot = await connected();
    const second = await component('bots.a.test');
    second.raw.send(
      `<handshake>${createHash('sha1')
        .update(second.id + SECRET)
        .digest('hex')}</handshake>`,
    );
    await second.raw.expect(/<conflict/);
    await second.raw.ended();
    bot.send("<message from='alice@a.test' to='bob@a.test' type='chat'><body>spoof</body></message>");
    await bot.expect(/<invalid-from/);
    await bot.ended();
  });

  test('an unknown domain, a domain of no tenant and a wrong secret are refused', async () => {
    const unknown = await RawXmpp.open(port);
    open.push(unknown);
    unknown.send(header('nobody.a.test'));
    await unknown.expect(/<host-unknown/);
    await unknown.ended();
    const orphan = await RawXmpp.open(port);
    open.push(orphan);
    orphan.send(header('bots.nowhere.test'));
    await orphan.expect(/<host-unknown/);
    const wrong = await component('gateway.a.test');
    wrong.raw.send(`<handshake>${createHash('sha1').update(`${wrong.id}guess`).digest('hex')}</handshake>`);
    await wrong.raw.expect(/<not-authorized/);
    await wrong.raw.ended();
    // Over the throttle's budget (one failure here), the next try is refused before any check.
    const again = await component('gateway.a.test');
    again.raw.send(
      `<handshake>${createHash('sha1')
        .update(again.id + SECRET)
        .digest('hex')}</handshake>`,
    );
    await again.raw.expect(/<policy-violation/);
  });
});

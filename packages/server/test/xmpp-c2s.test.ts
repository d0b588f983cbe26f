import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, type Element, xml } from '@xmpp/client';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './support/server.js';
import { b64, RawXmpp, streamHeader } from './support/xmpp.js';

// The server's certificate is self-signed for the test: @xmpp/client is told to accept it.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
// @xmpp/websocket uses the global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const PING = 'urn:xmpp:ping';
let server: TestServer;
let c2s: number;
let c2sTls: number;
let alice: { password: string };
let bob: { password: string };
let carol: { password: string };
const clients: ReturnType<typeof client>[] = [];

type Client = ReturnType<typeof client>;

/** An @xmpp/client signed in and bound (online). */
async function online(service: string, user: string, password: string, resource: string): Promise<Client> {
  const [username, domain] = user.split('@') as [string, string];
  const xmpp = client({ service, domain, username, password, resource });
  // Each step's bound (2 s by default) is too short on a loaded machine.
  xmpp.timeout = 20_000;
  xmpp.on('error', () => undefined);
  if (process.env.XMPP_TRACE) xmpp.on('element', (e) => console.log('IN', String(e).slice(0, 150)));
  if (process.env.XMPP_TRACE) xmpp.on('send', (e) => console.log('OUT', String(e).slice(0, 150)));
  clients.push(xmpp);
  await xmpp.start();
  return xmpp;
}

const ping = async (xmpp: Client) => {
  const result = await xmpp.iqCaller.get(xml('ping', { xmlns: PING }), 'a.test', 10_000);
  assert.equal(result, undefined);
};

before(async () => {
  server = await startTestServer({
    'auth.throttle.maxFailures': 1,
    // Long enough that no lock-out ends while a test runs, however slow the machine.
    'auth.throttle.baseDelaySeconds': 60,
    'auth.throttle.maxDelaySeconds': 120,
    'xmpp.limits.maxStanzaSize': 8192,
    'xmpp.limits.maxQueuedStanzas': 100,
  });
  c2s = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
  c2sTls = server.listeners.find((l) => l.name === 'xmpp-c2s-tls')?.port as number;
  alice = await server.user('alice@a.test');
  bob = await server.user('bob@a.test');
  carol = await server.user('carol@a.test');
});
after(async () => {
  for (const c of clients) await c.stop().catch(() => undefined);
  await server.stop();
});

describe('XMPP clients sign in, bind and ping', () => {
  test('@xmpp/client over STARTTLS (SCRAM-SHA-1)', async () => {
    const xmpp = await online(`xmpp://127.0.0.1:${c2s}`, 'alice@a.test', alice.password, 'tcp');
    assert.equal(xmpp.jid?.toString(), 'alice@a.test/tcp');
    await ping(xmpp);
  });

  test('@xmpp/client over direct TLS (XEP-0368)', async () => {
    const xmpp = await online(`xmpps://127.0.0.1:${c2sTls}`, 'alice@a.test', alice.password, 'tls');
    await ping(xmpp);
  });

  test('@xmpp/client over WebSocket (RFC 7395)', async () => {
    const ws = server.url.replace(/^http/, 'ws');
    const xmpp = await online(`${ws}/xmpp-websocket`, 'bob@a.test', bob.password, 'ws');
    assert.equal(xmpp.jid?.toString(), 'bob@a.test/ws');
    await ping(xmpp);
  });

  test('SCRAM-SHA-256 over STARTTLS, a generated resource, a message between two sessions', async () => {
    const raw = await RawXmpp.open(c2s);
    await raw.startTls('a.test');
    assert.match(await raw.scram('a.test', 'carol', carol.password), /^<success/);
    raw.send(streamHeader('a.test'));
    const [features] = await raw.expect(/<stream:features>[\s\S]*<\/stream:features>/);
    assert.match(features, /urn:ietf:params:xml:ns:xmpp-bind/);
    raw.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    const [, jid] = await raw.expect(/<jid>(carol@a\.test\/[^<]+)<\/jid>/);
    const bobWs = clients.find((c) => c.jid?.toString() === 'bob@a.test/ws') as Client;
    const received = new Promise<string>((resolve) =>
      bobWs.on('stanza', (s) => s.is('message') && resolve(s.toString())),
    );
    raw.send(`<message to='bob@a.test/ws' id='m1' type='chat'><body>hi</body></message>`);
    assert.match(await received, new RegExp(`from="${jid}"`));
    raw.close();
  });

  for (const binding of ['tls-exporter', 'tls-server-end-point', 'tls-unique'] as const) {
    test(`SCRAM-SHA-256-PLUS with ${binding}; a wrong binding is refused`, async () => {
      const raw = await RawXmpp.open(c2s);
      await raw.startTls('a.test');
      assert.match(await raw.scram('a.test', 'carol', carol.password, 'sha256', true, binding), /^<success/);
      raw.close();
      const other = await RawXmpp.open(c2sTls, { tls: true });
      other.send(streamHeader('a.test'));
      await other.expect('</stream:features>');
      other.send(
        `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1-PLUS'>${b64(`p=${binding},,n=carol,r=x`)}</auth>`,
      );
      const [challenge = ''] = await other.expect(/<challenge[^>]*>[^<]*<\/challenge>/);
      const nonce = /r=([^,]+)/.exec(Buffer.from(challenge.replace(/<[^>]+>/g, ''), 'base64').toString())?.[1];
      other.send(
        `<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${b64(`c=${b64(`p=${binding},,wrong`)},r=${nonce},p=${b64('proof')}`)}</response>`,
      );
      await other.expect(/<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized\/>/);
      other.close();
    });
  }

  test('a resource bound again: the new session wins, the old stream ends with conflict', async () => {
    const first = await RawXmpp.open(c2s);
    await first.login('carol@a.test', carol.password, 'same');
    const second = await RawXmpp.open(c2s);
    await second.login('carol@a.test', carol.password, 'same');
    await first.expect(/<conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
    await first.ended();
    second.send(`<iq type='get' id='p'><ping xmlns='${PING}'/></iq>`);
    await second.expect(/<iq type="result" id="p"/);
    second.close();
  });

  test('an IQ no module serves gets service-unavailable; the stream goes on', async () => {
    const raw = await RawXmpp.open(c2s);
    await raw.login('carol@a.test', carol.password, 'iq');
    raw.send("<iq type='get' id='v'><query xmlns='jabber:iq:nothing'/></iq>");
    await raw.expect(/<iq [^>]*id="v" type="error"><error type="cancel"><service-unavailable/);
    raw.send(`<iq type='get' id='p'><ping xmlns='${PING}'/></iq>`);
    await raw.expect(/<iq type="result" id="p"/);
    raw.close();
  });
});

describe('XEP-0198 stream management', () => {
  test('a dropped TCP connection is resumed; what was sent meanwhile arrives', async () => {
    const raw = await RawXmpp.open(c2s);
    const jid = await raw.login('carol@a.test', carol.password, 'phone');
    raw.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    const [, id] = await raw.expect(/<enabled xmlns="urn:xmpp:sm:3" id="([^"]+)" resume="true"/);
    raw.close();
    const aliceTcp = clients.find((c) => c.jid?.toString() === 'alice@a.test/tcp') as Client;
    await aliceTcp.send(xml('message', { to: jid, type: 'chat', id: 'while-away' }, xml('body', {}, 'missed?')));

    const again = await RawXmpp.open(c2s);
    await again.startTls('a.test');
    assert.match(await again.scram('a.test', 'carol', carol.password), /^<success/);
    again.send(streamHeader('a.test'));
    await again.expect('</stream:features>');
    again.send(`<resume xmlns='urn:xmpp:sm:3' previd='${id}' h='0'/>`);
    await again.expect(new RegExp(`<resumed xmlns="urn:xmpp:sm:3" previd="${id}" h="\\d+"/>`));
    await again.expect(/<message[^>]*id="while-away"/);
    again.send("<r xmlns='urn:xmpp:sm:3'/>");
    await again.expect(/<a xmlns="urn:xmpp:sm:3" h="\d+"\/>/);
    again.close();
  });

  test('@xmpp/client resumes its stream after losing the connection; what was sent meanwhile arrives', async () => {
    const xmpp = await online(`xmpp://127.0.0.1:${c2s}`, 'carol@a.test', carol.password, 'laptop');
    const sm = xmpp.streamManagement;
    const deadline = Date.now() + 20_000;
    while (!sm.id) {
      assert.ok(Date.now() < deadline, 'stream management was never enabled');
      await new Promise((r) => setTimeout(r, 10));
    }
    const resumed = new Promise((resolve) => sm.once('resumed', resolve));
    const bodies: string[] = [];
    const arrived = new Promise<void>((resolve) => {
      xmpp.on('stanza', (s: Element) => {
        const body = s.is('message') ? s.getChildText('body') : null;
        if (body !== null) bodies.push(body);
        if (body === 'while away') resolve();
      });
    });
    let bound = 0;
    xmpp.on('online', () => bound++);
    // The connection is lost without a closing stream; the client connects again and resumes.
    xmpp.socket?.socket?.destroy();
    const aliceTcp = clients.find((c) => c.jid?.toString() === 'alice@a.test/tcp') as Client;
    await aliceTcp.send(xml('message', { to: 'carol@a.test/laptop', type: 'chat' }, xml('body', {}, 'while away')));
    await resumed;
    await arrived;
    assert.deepEqual(bodies, ['while away'], 'once');
    assert.equal(bound, 0, 'resumed, not bound anew');
    assert.equal(xmpp.jid?.toString(), 'carol@a.test/laptop');
    await ping(xmpp);
  });

  test('an unknown resumption id fails with item-not-found', async () => {
    const raw = await RawXmpp.open(c2s);
    await raw.startTls('a.test');
    await raw.scram('a.test', 'carol', carol.password);
    raw.send(streamHeader('a.test'));
    await raw.expect('</stream:features>');
    raw.send("<resume xmlns='urn:xmpp:sm:3' previd='nope' h='0'/>");
    await raw.expect(/<failed xmlns="urn:xmpp:sm:3"><item-not-found/);
    raw.close();
  });
});

describe('bad input gets the RFC error, and everyone else keeps being served', () => {
  const bystander = () => clients.find((c) => c.jid?.toString() === 'alice@a.test/tcp') as Client;
  const cases: [name: string, condition: string, input: (raw: RawXmpp) => Promise<void>][] = [
    ['malformed XML', 'not-well-formed', async (raw) => raw.send(`${streamHeader('a.test')}<message><body></message>`)],
    [
      'a billion-laughs DTD',
      'restricted-xml',
      async (raw) =>
        raw.send(
          `<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;">]><lolz>&lol1;</lolz>`,
        ),
    ],
    [
      'an oversized stanza',
      'policy-violation',
      async (raw) => raw.send(`${streamHeader('a.test')}<message><body>${'x'.repeat(10_000)}</body></message>`),
    ],
    ['an unknown domain', 'host-unknown', async (raw) => raw.send(streamHeader('nowhere.test'))],
    [
      'a stanza flood',
      'policy-violation',
      async (raw) => {
        await raw.login('carol@a.test', carol.password, 'flood');
        raw.send(`<iq type='get' id='f'><ping xmlns='${PING}'/></iq>`.repeat(500));
      },
    ],
    [
      'a spoofed from',
      'invalid-from',
      async (raw) => {
        await raw.login('carol@a.test', carol.password, 'spoof');
        raw.send("<message from='alice@a.test/tcp' to='bob@a.test'><body>me, alice</body></message>");
      },
    ],
    [
      'a stanza before authentication',
      'policy-violation',
      async (raw) => raw.send(`${streamHeader('a.test')}<message to='bob@a.test'><body>hi</body></message>`),
    ],
  ];
  for (const [name, condition, input] of cases) {
    test(`${name}: ${condition}`, async () => {
      const raw = await RawXmpp.open(c2s);
      await input(raw);
      await raw.expect(new RegExp(`<stream:error><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>`));
      await raw.expect('</stream:stream>');
      await raw.ended();
      await ping(bystander());
    });
  }

  test('a wrong SCRAM proof is not-authorized and counts for the shared throttle: the HTTP login is throttled too', async () => {
    const raw = await RawXmpp.open(c2s);
    await raw.startTls('a.test');
    const victim = await server.user('dave@a.test');
    const answer = await raw.scram('a.test', 'dave', 'not the password');
    assert.match(answer, /<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized\/>/);
    // The throttle holds the account now: retries on the same stream (RFC 6120 §6.4.5) are refused
    // before any proof, and the third failure ends the stream.
    for (let i = 0; i < 2; i++) {
      raw.send(
        `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>${b64('n,,n=dave,r=abc')}</auth>`,
      );
      await raw.expect(/<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><temporary-auth-failure\/>/);
    }
    await raw.expect(/<stream:error><policy-violation/);
    await raw.ended();
    await assert.rejects(
      server.api.request('auth.login', { body: { user: 'dave@a.test', password: victim.password } }),
      (err: { code?: string }) => err.code === 'PARLEY_ERR_TOO_MANY_REQUESTS',
    );
    const again = await RawXmpp.open(c2s);
    await again.startTls('a.test');
    again.send(streamHeader('a.test'));
    await again.expect('</stream:features>');
    again.send(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>${b64('n,,n=dave,r=abc')}</auth>`,
    );
    await again.expect(/<temporary-auth-failure\/>/);
    again.close();
    await ping(bystander());
  });
});

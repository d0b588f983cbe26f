// XMPP over BOSH (XEP-0124, XEP-0206) at /http-bind on a real server, over real HTTP: SCRAM
// sign-in with the stream restart, messages with a web user (long polling), repeats, terminate,
// inactivity, and the requests it refuses (unknown sid, rid out of the window, too large, a DTD,
// too many sessions from one address) without harm to the session they name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Listener, listen } from './support/events.js';
import { scramClient } from './support/scram.js';
import { startTestServer, type TestServer } from './support/server.js';
import { b64 } from './support/xmpp.js';

const BOSH = 'http://jabber.org/protocol/httpbind';
const SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const DOMAIN = 'bosh.test';

/** A response: its HTTP status, headers and the text of its <body/>. */
interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const attr = (text: string, name: string) =>
  new RegExp(` ${name}="([^"]*)"`).exec(text.slice(0, text.indexOf('>')))?.[1];

async function post(url: string, text: string, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(`${url}/http-bind`, {
    method: 'POST',
    body: text,
    headers: { 'content-type': 'text/xml; charset=utf-8', ...headers },
  });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/** A BOSH client of one session: each request carries the next rid. */
class Bosh {
  sid = '';
  rid = 1_000_000 + Math.floor(Math.random() * 1_000_000);

  constructor(private readonly url: string) {}

  async create(attrs = "wait='60' hold='1'"): Promise<Answer> {
    const a = await post(
      this.url,
      `<body rid='${this.rid}' to='${DOMAIN}' xml:lang='en' ver='1.11' ${attrs} xmpp:version='1.0' xmlns='${BOSH}' xmlns:xmpp='urn:xmpp:xbosh'/>`,
    );
    this.sid = attr(a.text, 'sid') ?? '';
    return a;
  }

  /** A request with the next rid (`attrs` on the body, `payload` inside). */
  request(payload = '', attrs = ''): Promise<Answer> {
    this.rid += 1;
    return this.at(this.rid, payload, attrs);
  }

  at(rid: number, payload = '', attrs = ''): Promise<Answer> {
    return post(this.url, `<body rid='${rid}' sid='${this.sid}' ${attrs} xmlns='${BOSH}'>${payload}</body>`);
  }

  /** Sends `payload`, then polls until an answer matches `pattern` (a short `wait` may answer empty first). */
  async step(payload: string, pattern: RegExp, attrs = ''): Promise<string> {
    const a = await this.request(payload, attrs);
    return pattern.test(a.text) ? a.text : this.until(pattern);
  }

  /** SCRAM-SHA-256, the restart, and a bound resource; returns the full JID. */
  async signIn(user: string, password: string, resource: string, create?: string): Promise<string> {
    const created = await this.create(create);
    const features = /<mechanism>/.test(created.text) ? created.text : await this.until(/<mechanism>/);
    assert.match(features, /<mechanism>SCRAM-SHA-256<\/mechanism>/);
    const scram = scramClient('sha256', user, password);
    const auth = `<auth xmlns='${SASL}' mechanism='SCRAM-SHA-256'>${b64(scram.first)}</auth>`;
    const challenge = await this.step(auth, /<challenge/);
    const serverFirst = Buffer.from(/<challenge[^>]*>([^<]*)</.exec(challenge)?.[1] ?? '', 'base64').toString();
    const response = `<response xmlns='${SASL}'>${b64(scram.final(serverFirst))}</response>`;
    const success = await this.step(response, /<success/);
    const serverFinal = Buffer.from(/<success[^>]*>([^<]*)</.exec(success)?.[1] ?? '', 'base64').toString();
    assert.ok(scram.verify(serverFinal), success);
    const restart = `to='${DOMAIN}' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'`;
    assert.match(await this.step('', /urn:ietf:params:xml:ns:xmpp-bind/, restart), /<stream:features>/);
    const bind = `<iq type='set' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`;
    return /<jid>([^<]+)<\/jid>/.exec(await this.step(bind, /<jid>/))?.[1] ?? '';
  }

  /** Polls until an answer matches `pattern` (each poll is held until something arrives, or `wait`). */
  async until(pattern: RegExp, polls = 20): Promise<string> {
    for (let i = 0; i < polls; i++) {
      const a = await this.request();
      if (pattern.test(a.text)) return a.text;
      assert.doesNotMatch(a.text, /type="terminate"/);
    }
    throw new Error(`no answer matching ${pattern}`);
  }
}

describe('XMPP over BOSH at /http-bind', () => {
  let t: TestServer;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  let bob: Awaited<ReturnType<TestServer['user']>>;
  let events: Listener;
  /** Signs in only over BOSH (an event socket would make a user online in the web app too). */
  let dave: Awaited<ReturnType<TestServer['user']>>;
  let conversationId: string;

  before(async () => {
    t = await startTestServer({ 'xmpp.limits.maxStanzaSize': 8192, 'xmpp.bosh.inactivitySeconds': 3 });
    alice = await t.user(`alice@${DOMAIN}`);
    bob = await t.user(`bob@${DOMAIN}`);
    dave = await t.user(`dave@${DOMAIN}`);
    conversationId = (await bob.api.request('conversations.create', { body: { members: [`alice@${DOMAIN}`] } })).id;
    events = await listen(t.url, bob.token);
  });
  after(async () => {
    events?.close();
    await t?.stop();
  });

  test('the session creation answer: sid, capped wait and hold, requests, inactivity, restart logic, features', async () => {
    const bosh = new Bosh(t.url);
    const a = await bosh.create("wait='600' hold='3' content='text/xml; charset=utf-8'");
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.equal(a.headers.get('access-control-allow-origin'), '*');
    assert.match(bosh.sid, /^[\w-]{22}$/);
    assert.equal(attr(a.text, 'wait'), '60');
    assert.equal(attr(a.text, 'hold'), '1');
    assert.equal(attr(a.text, 'requests'), '2');
    assert.equal(attr(a.text, 'inactivity'), '3');
    assert.equal(attr(a.text, 'ver'), '1.11');
    assert.equal(attr(a.text, 'from'), DOMAIN);
    assert.equal(attr(a.text, 'xmpp:restartlogic'), 'true');
    assert.match(a.text, /<stream:features><mechanisms xmlns="urn:ietf:params:xml:ns:xmpp-sasl">/);
    assert.doesNotMatch(a.text, /PLAIN/, 'no PLAIN over plain HTTP');
    const other = new Bosh(t.url);
    await other.create();
    assert.notEqual(other.sid, bosh.sid);
  });

  test('a browser of another origin may: the CORS preflight', async () => {
    const r = await fetch(`${t.url}/http-bind`, {
      method: 'OPTIONS',
      headers: { origin: 'https://web.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(r.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
  });

  test('SCRAM sign-in, restart and bind; messages with a web user both ways, the reply by long polling; terminate', async () => {
    const bosh = new Bosh(t.url);
    const jid = await bosh.signIn('alice', alice.password, 'bosh');
    assert.equal(jid, `alice@${DOMAIN}/bosh`);
    await bosh.request("<presence xmlns='jabber:client'/>");
    await events.next(
      'presence.changed',
      (e) => e.user === `alice@${DOMAIN}` && e.presence.availability === 'available',
    );
    // A stanza without a namespace is jabber:client too (XEP-0206 §3's note).
    // Held until something is to be sent: the next request (the poll below) releases it.
    const sending = bosh.request(
      `<message to='bob@${DOMAIN}' type='chat' id='m1'><body>Hello over BOSH</body></message>`,
    );
    const created = await events.next('message.created', (e) => e.message.text === 'Hello over BOSH');
    assert.equal(created.conversationId, conversationId);
    assert.equal(created.message.sender, `alice@${DOMAIN}`);
    const poll = bosh.until(/Hello from the web/);
    await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'Hello from the web', clientId: 'web-1' },
    });
    const got = await poll;
    assert.doesNotMatch((await sending).text, /type="terminate"/);
    assert.match(got, /<message [^>]*xmlns="jabber:client"/);
    assert.match(got, new RegExp(`from="bob@${DOMAIN}`));

    const end = await bosh.request("<presence type='unavailable' xmlns='jabber:client'/>", "type='terminate'");
    assert.equal(attr(end.text, 'type'), 'terminate');
    assert.equal(attr(end.text, 'condition'), undefined);
    await events.next('presence.changed', (e) => e.user === `alice@${DOMAIN}` && e.presence.availability === 'offline');
    assert.equal(attr((await bosh.request()).text, 'type'), 'terminate', 'the session is over');
  });

  test('a repeated rid gets the same answer again (XEP-0124 §14.3)', async () => {
    const bosh = new Bosh(t.url);
    await bosh.create();
    const first = await bosh.request(`<auth xmlns='${SASL}' mechanism='SCRAM-SHA-1'>${b64('n,,n=alice,r=abc')}</auth>`);
    assert.match(first.text, /<challenge/);
    const again = await bosh.at(
      bosh.rid,
      `<auth xmlns='${SASL}' mechanism='SCRAM-SHA-1'>${b64('n,,n=alice,r=abc')}</auth>`,
    );
    assert.equal(again.text, first.text);
  });

  test('an unknown sid and a rid beyond the window end with item-not-found', async () => {
    const unknown = await post(t.url, `<body rid='5' sid='no-such-session' xmlns='${BOSH}'/>`);
    assert.equal(unknown.status, 200);
    assert.equal(attr(unknown.text, 'condition'), 'item-not-found');
    const bosh = new Bosh(t.url);
    await bosh.create();
    const far = await bosh.at(bosh.rid + 10);
    assert.equal(attr(far.text, 'type'), 'terminate');
    assert.equal(attr(far.text, 'condition'), 'item-not-found');
    assert.equal(attr((await bosh.request()).text, 'condition'), 'item-not-found', 'the session ended');
  });

  test('a body over the size limit, a DTD, or no XML is refused; the session it names goes on', async () => {
    const bosh = new Bosh(t.url);
    await bosh.create();
    const big = await bosh.at(
      bosh.rid + 1,
      `<message xmlns='jabber:client'><body>${'x'.repeat(20_000)}</body></message>`,
    );
    assert.equal(attr(big.text, 'type'), 'terminate');
    assert.equal(attr(big.text, 'condition'), 'policy-violation');
    const dtd = await post(
      t.url,
      `<!DOCTYPE body [<!ENTITY boom "boom">]><body rid='${bosh.rid + 1}' sid='${bosh.sid}' xmlns='${BOSH}'>&boom;</body>`,
    );
    assert.equal(attr(dtd.text, 'condition'), 'bad-request');
    const broken = await post(t.url, `<body rid='${bosh.rid + 1}' sid='${bosh.sid}' xmlns='${BOSH}'><message>`);
    assert.equal(attr(broken.text, 'condition'), 'bad-request');
    const fine = await bosh.request(`<auth xmlns='${SASL}' mechanism='SCRAM-SHA-1'>${b64('n,,n=alice,r=abc')}</auth>`);
    assert.match(fine.text, /<challenge/, 'the session was not touched by the refused requests');
  });

  test('a client that stops asking is gone after the inactivity period: the core sees it leave', async () => {
    const bosh = new Bosh(t.url);
    await bosh.signIn('dave', dave.password, 'idle', "wait='1' hold='1'");
    await bosh.request("<presence xmlns='jabber:client'/>"); // answered within `wait` (1 s) at the latest
    await events.next(
      'presence.changed',
      (e) => e.user === `dave@${DOMAIN}` && e.presence.availability === 'available',
    );
    // No further request: after `inactivity` (3 s) the session is lost like a closed connection.
    await events.next('presence.changed', (e) => e.user === `dave@${DOMAIN}` && e.presence.availability === 'offline');
    assert.equal(attr((await bosh.request()).text, 'condition'), 'item-not-found');
  });
});

describe('BOSH sessions per address', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'xmpp.limits.connectionsPerAddress': 2 });
    await t.user(`carol@${DOMAIN}`);
  });
  after(async () => t?.stop());

  test('sessions count as connections of their address: one over the limit is refused', async () => {
    for (let i = 0; i < 2; i++) assert.ok(attr((await new Bosh(t.url).create()).text, 'sid'));
    const refused = await new Bosh(t.url).create();
    assert.equal(attr(refused.text, 'condition'), 'policy-violation');
  });
});

// The harness check of the XMPP interop suite: no Parley here. It proves that the peers
// test/interop/support/xmpp-peers.ts starts work together before Parley is tested against them:
// Prosody ↔ ejabberd federation in one namespace, a message each way, once with SASL EXTERNAL
// (both trust the run's CA) and once with dialback (neither does); and the slixmpp client
// (xmpp_client.py) against Prosody: SCRAM over TLS, roster, MAM, MUC, HTTP upload.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SlixmppClient, startSlixmpp, xmppPeersMissing } from './support/xmpp-client.js';
import { createXmppNet, randomPassword, startXmppPeer, type XmppNet, type XmppPeer } from './support/xmpp-peers.js';

const skip = await xmppPeersMissing();

// Skipped only when a peer is missing (the reason says which); PARLEY_REQUIRE_INTEROP=1 fails instead.
describe('XMPP peers harness (Prosody ↔ ejabberd, slixmpp; no Parley)', { skip }, () => {
  let net: XmppNet;
  const password = randomPassword();
  const users = [
    { user: 'alice', password },
    { user: 'bob', password },
  ];
  const peers = new Map<string, XmppPeer>();
  const clients: SlixmppClient[] = [];

  before(async () => {
    net = await createXmppNet({ domains: ['a.test', 'b.test', 'c.test', 'd.test'] });
    const started = await Promise.all([
      startXmppPeer(net, 'prosody', { domain: 'a.test', s2s: 'external', users }),
      startXmppPeer(net, 'ejabberd', { domain: 'b.test', s2s: 'external', users }),
      startXmppPeer(net, 'prosody', { domain: 'c.test', s2s: 'dialback', users }),
      startXmppPeer(net, 'ejabberd', { domain: 'd.test', s2s: 'dialback', users }),
    ]);
    for (const p of started) peers.set(p.domain, p);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all([...peers.values()].map((p) => p.stop()));
    net?.close();
  });

  const login = async (jid: string) => {
    const client = await startSlixmpp(net, { jid, password });
    clients.push(client);
    return client;
  };

  /** alice@prosody → bob@ejabberd and back; returns both servers' logs. */
  const exchange = async (prosodyDomain: string, ejabberdDomain: string) => {
    const [alice, bob] = await Promise.all([login(`alice@${prosodyDomain}`), login(`bob@${ejabberdDomain}`)]);
    assert.match(alice.ready.mechanism ?? '', /^SCRAM-SHA-/);
    assert.match(bob.ready.mechanism ?? '', /^SCRAM-SHA-/);
    const body1 = `hello from ${prosodyDomain} ${randomPassword()}`;
    const from1 = bob.events.length;
    await alice.ask({ cmd: 'message', to: `bob@${ejabberdDomain}`, body: body1 });
    const got1 = await bob.wait((e) => e.event === 'message' && e.body === body1, from1, 'alice’s message');
    assert.equal(got1.from?.split('/')[0], `alice@${prosodyDomain}`);
    const body2 = `hello from ${ejabberdDomain} ${randomPassword()}`;
    const from2 = alice.events.length;
    await bob.ask({ cmd: 'message', to: `alice@${prosodyDomain}`, body: body2 });
    const got2 = await alice.wait((e) => e.event === 'message' && e.body === body2, from2, 'bob’s message');
    assert.equal(got2.from?.split('/')[0], `bob@${ejabberdDomain}`);
  };

  test('SASL EXTERNAL: Prosody a.test ↔ ejabberd b.test, a message each way', async () => {
    await exchange('a.test', 'b.test');
    const prosodyLog = peers.get('a.test')?.log() ?? '';
    // Out: Prosody was accepted by ejabberd with SASL EXTERNAL; in: it accepted ejabberd's.
    assert.match(prosodyLog, /SASL EXTERNAL with b\.test succeeded/);
    assert.match(prosodyLog, /Accepting SASL EXTERNAL identity from b\.test/);
    assert.doesNotMatch(prosodyLog, /dialback key/);
  });

  test('dialback: Prosody c.test ↔ ejabberd d.test, a message each way', async () => {
    await exchange('c.test', 'd.test');
    const prosodyLog = peers.get('c.test')?.log() ?? '';
    // Out: ejabberd verified Prosody's dialback key; in: Prosody verified ejabberd's.
    assert.match(
      prosodyLog,
      /<result [^>]*from='d\.test'[^>]*type='valid'|<result [^>]*type='valid'[^>]*from='d\.test'/,
    );
    assert.match(prosodyLog, /verified dialback key\.\.\. it is valid/);
    assert.doesNotMatch(prosodyLog, /Accepting SASL EXTERNAL/);
  });

  test('slixmpp against Prosody: roster, MAM, MUC join, HTTP upload', async () => {
    const alice = clients.find((c) => c.ready.jid?.startsWith('alice@a.test/')) ?? (await login('alice@a.test'));
    const roster = await alice.ask({ cmd: 'roster' });
    assert.deepEqual(roster.roster, []);
    const archive = await alice.ask({ cmd: 'mam', with: 'bob@b.test' });
    assert.ok(
      archive.messages?.some((m) => m.body.startsWith('hello from b.test')),
      `MAM: ${JSON.stringify(archive.messages)}`,
    );
    const joined = await alice.ask({ cmd: 'join', room: 'lobby@conference.a.test', nick: 'alice' });
    assert.equal(joined.occupants, 1);
    const from = alice.events.length;
    await alice.ask({ cmd: 'groupchat', room: 'lobby@conference.a.test', body: 'hi room' });
    await alice.wait((e) => e.event === 'message' && e.type === 'groupchat' && e.body === 'hi room', from, 'room echo');
    const upload = await alice.ask({ cmd: 'upload', name: 'note.txt', content: 'uploaded by slixmpp' });
    assert.equal(upload.status, 201);
    assert.match(String(upload.get), /^http:\/\/upload\.a\.test:5280\//);
  });
});

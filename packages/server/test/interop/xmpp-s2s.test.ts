// Parley federating over XMPP s2s with real Prosody and ejabberd servers (Debian's, in a network
// namespace): a peer's user and a Parley user exchange messages both ways, once with SASL EXTERNAL
// (both sides trust the run's CA) and once with dialback (Parley trusts no CA for the peer's
// certificate, the peer none for Parley's); subscriptions both ways with each mode and each side's
// presence changes; a user of a trusted domain subscribes without approval; a domain a Parley
// tenant blocked is refused at the stream. Parley runs in the test
// process, its s2s listener on the veth's host end, which the namespace's DNS names for
// parley.test (SRV `_xmpp-server._tcp.parley.test` → the listener's port).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { freePort, waitUntil } from '../support/cluster.js';
import { startTestServer } from '../support/server.js';
import { type SlixmppClient, startSlixmpp, type XmppEvent, xmppPeersMissing } from './support/xmpp-client.js';
import {
  createXmppNet,
  parleyOnNet,
  randomPassword,
  startXmppPeer,
  type XmppNet,
  type XmppPeer,
} from './support/xmpp-peers.js';

const skip = await xmppPeersMissing();

type Kind = 'prosody' | 'ejabberd';
/** Per peer: the domain for SASL EXTERNAL, the blocked one, the one for dialback. */
const DOMAINS: Record<Kind, { external: string; blocked: string; dialback: string }> = {
  prosody: { external: 'a.test', blocked: 'b.test', dialback: 'c.test' },
  ejabberd: { external: 'd.test', blocked: 'e.test', dialback: 'f.test' },
};

// Skipped only when a peer is missing (the reason says which); PARLEY_REQUIRE_INTEROP=1 fails instead.
describe('XMPP s2s: Parley ↔ Prosody and ejabberd', { skip }, () => {
  let net: XmppNet;
  let s2sPort: number;
  const password = randomPassword();
  const users = [{ user: 'alice', password }];
  const peers = new Map<string, XmppPeer>();
  const clients: SlixmppClient[] = [];

  before(async () => {
    s2sPort = await freePort();
    net = await createXmppNet({
      domains: Object.values(DOMAINS).flatMap((d) => [d.external, d.blocked, d.dialback]),
      outside: [{ domain: 'parley.test', s2sPort }],
    });
    const started = await Promise.all(
      (Object.entries(DOMAINS) as [Kind, (typeof DOMAINS)[Kind]][]).flatMap(([kind, d]) => [
        startXmppPeer(net, kind, { domain: d.external, s2s: 'external', users }),
        startXmppPeer(net, kind, { domain: d.blocked, s2s: 'external', users }),
        startXmppPeer(net, kind, { domain: d.dialback, s2s: 'dialback', users }),
      ]),
    );
    for (const p of started) peers.set(p.domain, p);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all([...peers.values()].map((p) => p.stop()));
    net?.close();
  });

  /** Parley serving parley.test, trusting the run's CA for peers' certificates or not; its log kept. */
  const parley = async (trustCa: boolean) => {
    const log: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => log.push(JSON.parse(line)) });
    const server = await startTestServer(parleyOnNet(net, s2sPort, trustCa), { log: logger });
    const c2sPort = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
    /** A new Parley user and their slixmpp client, over the namespace's veth. */
    const user = async (address: string) => {
      const created = await server.user(address);
      const client = await startSlixmpp(net, {
        jid: address,
        password: created.password,
        host: net.hostAddress,
        port: c2sPort,
      });
      clients.push(client);
      return { ...created, client };
    };
    const { client, ...bob } = await user('bob@parley.test');
    /** How Parley authenticated `remote` in and was authenticated by it out (from its log). */
    const how = (remote: string) => ({
      in: log.find((r) => r.s2s === 'in' && r.remote === remote && r.msg === 'XMPP s2s peer authenticated')?.how,
      out: log.find((r) => r.s2s === 'out' && r.remote === remote && r.msg === 'XMPP s2s stream authenticated')?.how,
    });
    return { server, bob, client, user, how, log };
  };

  /** A Parley for the tests of one `describe` (started before them, stopped after). */
  const parleyForSuite = (trustCa: boolean) => {
    let started: Awaited<ReturnType<typeof parley>> | undefined;
    before(async () => {
      started = await parley(trustCa);
    });
    after(async () => {
      await started?.client.stop();
      await started?.server.stop();
    });
    return () => started as Awaited<ReturnType<typeof parley>>;
  };

  const login = async (jid: string) => {
    const client = await startSlixmpp(net, { jid, password });
    clients.push(client);
    return client;
  };

  /** alice@DOMAIN (the peer) → bob@parley.test and back. */
  const exchange = async (domain: string, bob: SlixmppClient) => {
    const alice = await login(`alice@${domain}`);
    const body1 = `from ${domain} ${randomPassword()}`;
    const from1 = bob.events.length;
    await alice.ask({ cmd: 'message', to: 'bob@parley.test', body: body1 });
    const got1 = await bob.wait((e) => e.event === 'message' && e.body === body1, from1, 'alice’s message over s2s');
    assert.equal(got1.from?.split('/')[0], `alice@${domain}`);
    const body2 = `from Parley ${randomPassword()}`;
    const from2 = alice.events.length;
    await bob.ask({ cmd: 'message', to: `alice@${domain}`, body: body2 });
    const got2 = await alice.wait((e) => e.event === 'message' && e.body === body2, from2, 'bob’s message over s2s');
    assert.equal(got2.from?.split('/')[0], 'bob@parley.test');
  };

  /**
   * Sam, a new Parley user (so no subscription is there yet), subscribes to alice@DOMAIN and she
   * approves, she subscribes to him and he approves; then each sees the other's presence change:
   * her away with a status, his phone call (the core's presence: dnd, as much as the domain's
   * trust lets her see).
   */
  const subscribeBothWays = async (domain: string, p: Awaited<ReturnType<typeof parley>>) => {
    const alice = await login(`alice@${domain}`);
    const samJid = `sam-${domain.replace('.', '-')}@parley.test`;
    const { client: sam, ...parleyUser } = await p.user(samJid);
    const at = (c: SlixmppClient) => c.events.length;
    const presence = (c: SlixmppClient, from: number, what: string, match: (e: XmppEvent) => boolean) =>
      c.wait((e) => e.event === 'presence' && match(e), from, what);
    const aliceJid = `alice@${domain}`;
    const fromAlice = (e: XmppEvent) => e.from?.split('/')[0] === aliceJid;
    const fromSam = (e: XmppEvent) => e.from?.split('/')[0] === samJid;

    // slixmpp approves requests and asks back by itself, so what follows may come in any order.
    const s0 = at(sam);
    const a0 = at(alice);
    await sam.ask({ cmd: 'presence', to: aliceJid, type: 'subscribe' });
    await presence(alice, a0, 'Sam’s request over s2s', (e) => e.type === 'subscribe' && fromSam(e));
    await alice.ask({ cmd: 'presence', to: samJid, type: 'subscribed' });
    await presence(sam, s0, 'her approval over s2s', (e) => e.type === 'subscribed' && fromAlice(e));
    await presence(sam, s0, 'her presence over s2s', (e) => e.type === 'available' && fromAlice(e));
    await alice.ask({ cmd: 'presence', to: samJid, type: 'subscribe' });
    // A domain that is not trusted waits for Sam’s approval.
    await sam.ask({ cmd: 'presence', to: aliceJid, type: 'subscribed' });
    await presence(alice, a0, 'Sam’s approval over s2s', (e) => e.type === 'subscribed' && fromSam(e));
    await presence(alice, a0, 'Sam’s presence over s2s', (e) => e.type === 'available' && fromSam(e));

    const s = at(sam);
    const a = at(alice);
    await alice.ask({ cmd: 'presence', show: 'away', status: `at lunch in ${domain}` });
    await presence(
      sam,
      s,
      'her change over s2s',
      (e) => fromAlice(e) && e.show === 'away' && e.status === `at lunch in ${domain}`,
    );
    await p.server.core.presence.setLineState(parleyUser.tenantId, parleyUser.userId, `line-${domain}`, 'connected');
    await presence(alice, a, 'Sam’s phone call over s2s', (e) => fromSam(e) && e.show === 'dnd');
    const ended = at(alice);
    await p.server.core.presence.setLineState(parleyUser.tenantId, parleyUser.userId, `line-${domain}`, 'idle');
    await presence(
      alice,
      ended,
      'the end of Sam’s call over s2s',
      (e) => fromSam(e) && e.type === 'available' && e.show === '',
    );
  };

  describe('Parley trusting the run’s CA', () => {
    const parleyNow = parleyForSuite(true);

    for (const kind of ['prosody', 'ejabberd'] as const) {
      const { external, blocked } = DOMAINS[kind];

      test(`${kind}: SASL EXTERNAL both ways, a message each way`, async () => {
        const p = parleyNow();
        await exchange(external, p.client);
        assert.deepEqual(p.how(external), { in: 'SASL EXTERNAL', out: 'SASL EXTERNAL' });
        if (kind === 'prosody') {
          const log = peers.get(external)?.log() ?? '';
          // Prosody's view: it accepted Parley's certificate, and Parley accepted its own.
          assert.match(log, /Accepting SASL EXTERNAL identity from parley\.test/);
          assert.match(log, /SASL EXTERNAL with parley\.test succeeded/);
          assert.doesNotMatch(log, /dialback key/);
        }
      });

      test(`${kind}: a user of a trusted domain subscribes without approval, sees the Parley user online and is told of his PEP changes`, async () => {
        const p = parleyNow();
        await p.server.core.federation.setDomain(p.bob.tenantId, external, 'trusted');
        const alice = await login(`alice@${external}`);
        const from = alice.events.length;
        await alice.ask({ cmd: 'presence', to: 'bob@parley.test', type: 'subscribe' });
        await alice.wait(
          (e) => e.event === 'presence' && e.type === 'subscribed' && e.from === 'bob@parley.test',
          from,
          'the approval of the subscription over s2s',
        );
        // Parley sends a user's computed presence (phone, calendar, clients) from the bare JID.
        await alice.wait(
          (e) => e.event === 'presence' && e.type === 'available' && e.from === 'bob@parley.test',
          from,
          'bob’s presence over s2s',
        );
        // Bob's new nickname (XEP-0172 in his PEP) reaches the subscribed contact's client.
        const NICK = 'http://jabber.org/protocol/nick';
        const told = alice.events.length;
        const nick = `Bob ${kind}`;
        await p.client.ask({
          cmd: 'publish',
          node: NICK,
          itemId: 'current',
          payload: `<nick xmlns="${NICK}">${nick}</nick>`,
        });
        const event = await alice.wait(
          (e) => e.event === 'pep' && e.from === 'bob@parley.test' && String(e.payload).includes(nick),
          told,
          'bob’s nickname event over s2s',
        );
        assert.equal(event.node, NICK);
      });

      test(`${kind}: subscriptions both ways over SASL EXTERNAL, and each one's presence changes`, async () => {
        await subscribeBothWays(external, parleyNow());
      });

      test(`${kind}: a message to a Parley user only in the web app is kept (list, MAM); the REST reply reaches the remote client`, async () => {
        const p = parleyNow();
        const carol = await p.server.user(`carol-${kind}@parley.test`);
        const remote = `alice@${external}`;
        const alice = await login(remote);
        const body1 = `to the web app ${randomPassword()}`;
        await alice.ask({ cmd: 'message', to: `carol-${kind}@parley.test`, body: body1 });
        const c = await waitUntil(
          async () =>
            (await carol.api.request('conversations.list', { query: {} })).conversations.find(
              (c) => c.external === remote && c.lastMessage?.text === body1,
            ),
          20_000,
          'the remote message in the conversation list',
        );
        assert.equal(c.lastMessage?.sender, remote);
        const body2 = `from the web app ${randomPassword()}`;
        const from = alice.events.length;
        await carol.api.request('messages.send', { params: { id: c.id }, body: { text: body2, clientId: body2 } });
        const got = await alice.wait((e) => e.event === 'message' && e.body === body2, from, 'the REST reply over s2s');
        assert.equal(got.from?.split('/')[0], `carol-${kind}@parley.test`);
        // Later, over XMPP, the archive has both.
        const c2sPort = p.server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
        const xmpp = await startSlixmpp(net, {
          jid: `carol-${kind}@parley.test`,
          password: carol.password,
          host: net.hostAddress,
          port: c2sPort,
        });
        clients.push(xmpp);
        const mam = (await xmpp.ask({ cmd: 'mam', with: remote })) as { messages: { from: string; body: string }[] };
        assert.deepEqual(
          mam.messages.map((m) => [m.from.split('/')[0], m.body]),
          [
            [remote, body1],
            [`carol-${kind}@parley.test`, body2],
          ],
        );
      });

      test(`${kind}: a domain blocked while its streams are up is cut off both ways`, async () => {
        const p = parleyNow();
        const closed = () =>
          p.log.some((r) => r.remote === external && r.msg === 'XMPP s2s stream closed: the domain is blocked now');
        assert.equal(closed(), false);
        await p.server.core.federation.setDomain(p.bob.tenantId, external, 'blocked');
        await waitUntil(closed, 10_000, () => `Parley's stream to ${external} still up`);
        const alice =
          clients.find((c) => c.ready.jid?.startsWith(`alice@${external}/`)) ?? (await login(`alice@${external}`));
        // Its stream in ends at the next stanza (which is lost with it) …
        await alice.ask({ cmd: 'message', to: 'bob@parley.test', body: 'after the block' });
        await waitUntil(
          () => p.log.some((r) => r.s2s === 'in' && r.remote === external && r.condition === 'policy-violation'),
          10_000,
          () => `Parley's stream from ${external} still up`,
        );
        // … and a new one is refused at its header: the next message bounces.
        const from = alice.events.length;
        await alice.ask({ cmd: 'message', to: 'bob@parley.test', body: 'after the block, again' });
        await alice.wait(
          (e) => e.event === 'message' && e.type === 'error' && e.from === 'bob@parley.test',
          from,
          `the bounce of a message from ${external} after the block`,
        );
        assert.equal(
          p.client.events.some((e) => e.body?.startsWith('after the block') === true),
          false,
        );
      });

      test(`${kind}: a blocked domain is refused at the stream, both ways`, async () => {
        const p = parleyNow();
        await p.server.core.federation.setDomain(p.bob.tenantId, blocked, 'blocked');
        const alice = await login(`alice@${blocked}`);
        const from = alice.events.length;
        await alice.ask({ cmd: 'message', to: 'bob@parley.test', body: 'let me in' });
        const bounced = await alice.wait(
          (e) => e.event === 'message' && e.type === 'error' && e.from === 'bob@parley.test',
          from,
          `the bounce of a message to a server that blocks ${blocked}`,
        );
        assert.ok(bounced.condition, JSON.stringify(bounced));
        assert.equal(p.how(blocked).in, undefined);
        const fromBob = p.client.events.length;
        await p.client.ask({ cmd: 'message', to: `alice@${blocked}`, body: 'let me out' });
        const refused = await p.client.wait(
          (e) => e.event === 'message' && e.type === 'error' && e.from === `alice@${blocked}`,
          fromBob,
          'the bounce of a message to a blocked domain',
        );
        // The tenant's block of the domain is a block of the core's (XEP-0191 §3.5 answers it before s2s).
        assert.equal(refused.condition, 'not-acceptable');
        assert.equal(p.how(blocked).out, undefined);
        assert.equal(
          p.client.events.some((e) => e.body === 'let me in'),
          false,
        );
      });
    }
  });

  describe('Parley trusting no CA for the peers’ certificates', () => {
    const parleyNow = parleyForSuite(false);

    for (const kind of ['prosody', 'ejabberd'] as const) {
      const { dialback } = DOMAINS[kind];

      test(`${kind}: dialback both ways, a message each way`, async () => {
        const p = parleyNow();
        await exchange(dialback, p.client);
        assert.deepEqual(p.how(dialback), { in: 'dialback', out: 'dialback' });
        if (kind === 'prosody') {
          const log = peers.get(dialback)?.log() ?? '';
          // Prosody's view: Parley verified its key with it, and it verified Parley's with Parley.
          assert.match(
            log,
            /Received\[s2sout[^\]]*\]: <result [^>]*from='parley\.test'[^>]*type='valid'|Received\[s2sout[^\]]*\]: <result [^>]*type='valid'[^>]*from='parley\.test'/,
          );
          assert.match(log, /verified dialback key\.\.\. it is valid/);
          assert.doesNotMatch(log, /Accepting SASL EXTERNAL/);
        }
      });

      test(`${kind}: subscriptions both ways over dialback, and each one's presence changes`, async () => {
        await subscribeBothWays(dialback, parleyNow());
      });
    }
  });
});

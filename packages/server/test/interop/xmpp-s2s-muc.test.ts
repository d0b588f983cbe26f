// Users of Prosody and ejabberd (Debian's, in a network namespace) as members of a Parley room over
// s2s (issue 15): a Parley user invites the remote user (XEP-0045 §7.8.2, through the room), who
// joins `room@conference.parley.test` from their own server (which opens its stream to that
// domain: SRV, certificate, dialback), sees the occupants, sends a groupchat message that the
// Parley XMPP client and the web user (REST) get, gets one from the Parley user, and leaves. Once
// with SASL EXTERNAL both ways and once with dialback, as in xmpp-s2s.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort, waitUntil } from '../support/cluster.js';
import { startTestServer } from '../support/server.js';
import { type SlixmppClient, startSlixmpp, xmppPeersMissing } from './support/xmpp-client.js';
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
/** Per peer: the domain for SASL EXTERNAL and the one for dialback. */
const DOMAINS: Record<Kind, { external: string; dialback: string }> = {
  prosody: { external: 'ma.test', dialback: 'mb.test' },
  ejabberd: { external: 'mc.test', dialback: 'md.test' },
};

// Skipped only when a peer is missing (the reason says which); PARLEY_REQUIRE_INTEROP=1 fails instead.
describe('XMPP s2s: Prosody and ejabberd users in a Parley room', { skip }, () => {
  let net: XmppNet;
  let s2sPort: number;
  const password = randomPassword();
  const peers: XmppPeer[] = [];
  const clients: SlixmppClient[] = [];

  before(async () => {
    s2sPort = await freePort();
    net = await createXmppNet({
      domains: Object.values(DOMAINS).flatMap((d) => [d.external, d.dialback]),
      outside: [{ domain: 'parley.test', s2sPort }],
    });
    const users = [{ user: 'alice', password }];
    peers.push(
      ...(await Promise.all(
        (Object.entries(DOMAINS) as [Kind, (typeof DOMAINS)[Kind]][]).flatMap(([kind, d]) => [
          startXmppPeer(net, kind, { domain: d.external, s2s: 'external', users }),
          startXmppPeer(net, kind, { domain: d.dialback, s2s: 'dialback', users }),
        ]),
      )),
    );
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(peers.map((p) => p.stop()));
    net?.close();
  });

  const slixmpp = async (o: Parameters<typeof startSlixmpp>[1]) => {
    const c = await startSlixmpp(net, o);
    clients.push(c);
    return c;
  };

  for (const trustCa of [true, false]) {
    describe(trustCa ? 'SASL EXTERNAL both ways' : 'dialback both ways', () => {
      let server: Awaited<ReturnType<typeof startTestServer>>;
      before(async () => {
        server = await startTestServer(parleyOnNet(net, s2sPort, trustCa));
      });
      after(() => server?.stop());

      for (const kind of ['prosody', 'ejabberd'] as const) {
        const domain = trustCa ? DOMAINS[kind].external : DOMAINS[kind].dialback;

        test(`${kind}: invited, joins, sees the occupants, chats both ways, leaves`, async () => {
          const bob = await server.user(`bob-${kind}@parley.test`);
          const carol = await server.user(`carol-${kind}@parley.test`); // only in the web app
          const c2sPort = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
          const bobXmpp = await slixmpp({
            jid: `bob-${kind}@parley.test`,
            password: bob.password,
            host: net.hostAddress,
            port: c2sPort,
          });
          const g = await bob.api.request('conversations.create', {
            body: { members: [`carol-${kind}@parley.test`], name: 'Team', kind: 'group' },
          });
          const room = `${g.id}@conference.parley.test`;
          const bobJoin = await bobXmpp.ask({ cmd: 'join', room, nick: 'bob' });
          assert.ok(bobJoin.codes?.includes(110));
          const bobNick = (await bob.api.request('conversations.get', { params: { id: g.id } })).members[0]
            ?.displayName;

          const remote = `alice@${domain}`;
          const alice = await slixmpp({ jid: remote, password });
          const beforeInvite = alice.events.length;
          await bobXmpp.ask({ cmd: 'invite', room, to: remote, reason: 'join us' });
          const invitation = await alice.wait((e) => e.event === 'invite', beforeInvite, 'the invitation over s2s');
          assert.deepEqual(
            [invitation.from, invitation.inviter, invitation.reason],
            [room, `bob-${kind}@parley.test`, 'join us'],
          );
          const member = await waitUntil(
            async () =>
              (await bob.api.request('conversations.get', { params: { id: g.id } })).members.find(
                (m) => m.address === remote,
              ),
            20_000,
            'the invitee a member',
          );
          assert.equal(member?.external, true);

          const joined = await alice.ask({ cmd: 'join', room, nick: 'Alice' });
          assert.ok(joined.codes?.includes(110), JSON.stringify(joined));
          assert.ok((joined.occupants as number) >= 2, 'bob and herself');
          assert.ok(
            alice.events.some((e) => e.event === 'presence' && e.from === `${room}/${bobNick}`),
            'bob among the occupants',
          );

          const hello = `hello from ${domain} ${randomPassword()}`;
          const fromBob = bobXmpp.events.length;
          await alice.ask({ cmd: 'groupchat', room, body: hello });
          const got = await bobXmpp.wait((e) => e.body === hello, fromBob, 'the remote groupchat message');
          assert.equal(got.from, `${room}/Alice`);
          const kept = await waitUntil(
            async () =>
              (await carol.api.request('messages.list', { params: { id: g.id }, query: { limit: 10 } })).messages.find(
                (m) => m.text === hello,
              ),
            20_000,
            'the remote message for the web user (REST)',
          );
          assert.equal(kept.sender, remote);

          const reply = `hello from Parley ${randomPassword()}`;
          const fromAlice = alice.events.length;
          await bobXmpp.ask({ cmd: 'groupchat', room, body: reply });
          const back = await alice.wait((e) => e.body === reply, fromAlice, 'the Parley groupchat message over s2s');
          assert.deepEqual([back.from, back.type], [`${room}/${bobNick}`, 'groupchat']);

          const fromLeave = alice.events.length;
          await alice.ask({ cmd: 'presence', to: `${room}/Alice`, type: 'unavailable' });
          await alice.wait(
            (e) => e.event === 'presence' && e.type === 'unavailable' && e.from === `${room}/Alice`,
            fromLeave,
            'the own unavailable presence',
          );
        });
      }
    });
  }
});

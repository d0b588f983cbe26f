// XMPP in a cluster (docs/xmpp.md#clusters): two nodes on the machine's PostgreSQL and NATS, alice's
// client on node A and bob's on node B. Chat and presence both ways, an IQ to a full JID on the
// other node and its answer, a blocklist change pushed and carbons sent to a session on the other
// node, the same resource bound on both nodes (the newer wins, the older stream ends with
// `conflict`), and a message to one full JID: the other node's sessions get carbons, not copies.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type ClusterNode, inProcessCluster } from '../support/cluster-nodes.js';
import { RawXmpp } from '../support/xmpp.js';

const cluster = await inProcessCluster();
const PING = 'urn:xmpp:ping';
const BLOCKING = 'urn:xmpp:blocking';
const MUC = 'http://jabber.org/protocol/muc';
const D = 'xc.test';

if (cluster) {
  const clients: RawXmpp[] = [];
  after(() => {
    for (const c of clients) c.close();
  });
  const c2sOf = (n: ClusterNode) => n.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
  /** Signs in on node `n`, binds `resource` and (unless told not to) sends initial presence. */
  const online = async (n: ClusterNode, user: string, resource: string, presence = true) => {
    const raw = await RawXmpp.open(c2sOf(n));
    clients.push(raw);
    assert.equal(await raw.login(`${user}@${D}`, 'secret-password', resource), `${user}@${D}/${resource}`);
    if (presence) raw.send('<presence/>');
    return raw;
  };

  let nodes: Promise<[ClusterNode, ClusterNode]> | undefined;
  /** Nodes A and B, started once for the file. */
  const pair = () => {
    nodes ??= (async () =>
      [await cluster.node('xmpp-a'), await cluster.node('xmpp-b')] as [ClusterNode, ClusterNode])();
    return nodes;
  };

  test('two nodes: chat, presence, an IQ to a full JID, blocklist pushes and resource conflicts', async () => {
    const [a, b] = await pair();
    const tenant = await a.server.core.tenants.create({ domain: D, name: 'XC' });
    for (const local of ['alice', 'bob']) {
      await a.server.core.users.create(tenant.id, { local, role: 'user', password: 'secret-password' });
    }
    const alice = await online(a, 'alice', 'pc');
    const bob = await online(b, 'bob', 'pc');

    // Presence both ways: colleagues see each other (the core's presence, on every node) …
    await alice.expect(new RegExp(`<presence[^>]*from="bob@${D}"`));
    await bob.expect(new RegExp(`<presence[^>]*from="alice@${D}"`));
    // … and directed presence to a full JID crosses to the node holding it.
    alice.send(`<presence to='bob@${D}/pc'><status>directed from A</status></presence>`);
    await bob.expect(new RegExp(`<presence[^>]*from="alice@${D}/pc"[^>]*>.*?directed from A`));
    bob.send(`<presence to='alice@${D}/pc'><status>directed from B</status></presence>`);
    await alice.expect(new RegExp(`<presence[^>]*from="bob@${D}/pc"[^>]*>.*?directed from B`));

    // Chat both ways.
    alice.send(`<message to='bob@${D}' type='chat' id='m1'><body>hello from node A</body></message>`);
    await bob.expect(/<message[^>]*>.*?<body>hello from node A<\/body>/);
    bob.send(`<message to='alice@${D}' type='chat' id='m2'><body>hello from node B</body></message>`);
    await alice.expect(/<message[^>]*>.*?<body>hello from node B<\/body>/);

    // An IQ to a full JID on the other node, and its result back.
    alice.send(`<iq type='get' to='bob@${D}/pc' id='ping1'><ping xmlns='${PING}'/></iq>`);
    // As alice sent it, with the from her stream stamped.
    await bob.expect(`<iq type="get" to="bob@${D}/pc" id="ping1" from="alice@${D}/pc"><ping xmlns="${PING}"/></iq>`);
    bob.send(`<iq type='result' to='alice@${D}/pc' id='ping1'/>`);
    await alice.expect(/<iq[^>]*type="result"[^>]*id="ping1"|<iq[^>]*id="ping1"[^>]*type="result"/);
    // To a resource bound nowhere: service-unavailable (RFC 6121 §8.5.3.2.2).
    alice.send(`<iq type='get' to='bob@${D}/gone' id='ping2'><ping xmlns='${PING}'/></iq>`);
    await alice.expect(/<iq[^>]*id="ping2"[^>]*>.*?<service-unavailable/);

    // Alice's second resource on node B: it sees her resource on node A, and her block there.
    const phone = await online(b, 'alice', 'phone', false);
    phone.send(`<iq type='get' id='bl'><blocklist xmlns='${BLOCKING}'/></iq>`);
    await phone.expect(/<iq[^>]*id="bl"[^>]*>.*?<blocklist/);
    phone.send('<presence/>');
    // Her available resource on node A, which node B does not hold (RFC 6121 §4.2.2) …
    await phone.expect(new RegExp(`<presence from="alice@${D}/pc" to="alice@${D}/phone"/>`));
    // … and what it says later.
    alice.send('<presence><status>at the desk</status></presence>');
    await phone.expect(new RegExp(`<presence[^>]*from="alice@${D}/pc"[^>]*>.*?at the desk`));
    alice.send(`<iq type='set' id='b1'><block xmlns='${BLOCKING}'><item jid='spam@far.test'/></block></iq>`);
    await alice.expect(/<iq[^>]*id="b1"/);
    await phone.expect(/<iq[^>]*type="set"[^>]*>\s*<block xmlns="urn:xmpp:blocking"><item jid="spam@far.test"\/>/);

    // Carbons (XEP-0280) of what she sends on node A, for her resource on node B.
    phone.send(`<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>`);
    await phone.expect(/<iq[^>]*id="c1"/);
    alice.send(`<message to='bob@${D}' type='chat' id='m4'><body>copied to my phone</body></message>`);
    await phone.expect(/<sent xmlns="urn:xmpp:carbons:2">.*?<body>copied to my phone<\/body>/);

    // Bob binds the same resource on node A: the newer session wins, node B ends the older one.
    const bobAgain = await online(a, 'bob', 'pc', false);
    await bob.expect(/<conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
    await bob.ended();
    alice.send(`<message to='bob@${D}/pc' id='m3'><body>to the newer session</body></message>`);
    await bobAgain.expect(/<body>to the newer session<\/body>/);

    // A message to one full JID (RFC 6121 §8.5.3.2) as on one node: the addressed resource on node
    // A gets it, bob's session with carbons on node B a `received` carbon, the one without nothing.
    const tablet = await online(b, 'bob', 'tablet');
    const laptop = await online(b, 'bob', 'laptop');
    tablet.send(`<iq type='set' id='c2'><enable xmlns='urn:xmpp:carbons:2'/></iq>`);
    await tablet.expect(/<iq[^>]*id="c2"/);
    alice.send(`<message to='bob@${D}/pc' type='chat' id='m5'><body>only for pc</body></message>`);
    await bobAgain.expect(new RegExp(`<message[^>]*from="alice@${D}/pc"[^>]*>(?:(?!<received).)*?<body>only for pc`));
    const carbon = await tablet.expect(/<received xmlns="urn:xmpp:carbons:2"><forwarded[^>]*>(.*?)<\/forwarded>/);
    assert.match(carbon[1] ?? '', new RegExp(`to="bob@${D}/pc".*?<body>only for pc</body>`));
    // Then a message to the bare JID, which every session gets: nothing came before it but the carbon.
    alice.send(`<message to='bob@${D}' type='chat' id='m6'><body>for all of bob</body></message>`);
    for (const s of [tablet, laptop]) {
      const before = await s.expect(/([\s\S]*?)<body>for all of bob<\/body>/);
      assert.doesNotMatch(before[1] ?? '', /only for pc/);
    }
  });

  test('a room with occupants on two nodes: presence both ways, groupchat, a private stanza, leave', async () => {
    const [a, b] = await pair();
    const M = 'xm.test';
    const tenant = await a.server.core.tenants.create({ domain: M, name: 'XM' });
    for (const local of ['carol', 'dave']) {
      await a.server.core.users.create(tenant.id, { local, role: 'user', password: 'secret-password' });
    }
    const login = async (n: ClusterNode, user: string) => {
      const raw = await RawXmpp.open(c2sOf(n));
      clients.push(raw);
      await raw.login(`${user}@${M}`, 'secret-password', 'pc');
      return raw;
    };
    const carol = await login(a, 'carol');
    const dave = await login(b, 'dave');
    const room = `crew@conference.${M}`;
    // Carol makes the room on node A and invites dave, whose session is on node B.
    carol.send(`<presence to='${room}/carol'><x xmlns='${MUC}'/></presence>`);
    await carol.expect(/<status code="110"\/>/);
    await carol.expect(/<subject/);
    // An instant room (XEP-0045 §10.1.2): until then, the room is carol's alone.
    carol.send(
      `<iq type='set' id='cfg' to='${room}'><query xmlns='${MUC}#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
    );
    await carol.expect(/<iq[^>]*id="cfg"[^>]*type="result"|<iq[^>]*type="result"[^>]*id="cfg"/);
    carol.send(`<message to='${room}'><x xmlns='${MUC}#user'><invite to='dave@${M}'/></x></message>`);
    await dave.expect(new RegExp(`<message[^>]*from="${room}"[^>]*>.*?<invite from="carol@${M}"`));
    // Carol's occupant list shows dave as he becomes a member; dave joins on node B and sees carol.
    await carol.expect(new RegExp(`<presence[^>]*from="${room}/Dave"`));
    dave.send(`<presence to='${room}/dave'><x xmlns='${MUC}'/></presence>`);
    await dave.expect(new RegExp(`<presence[^>]*from="${room}/Carol"[^>]*>.*?affiliation="owner"`));
    await dave.expect(/<status code="110"\/>/);
    await dave.expect(/<subject/);

    // Groupchat both ways: every occupant gets it, on whichever node.
    carol.send(`<message to='${room}' type='groupchat' id='g1'><body>from node A</body></message>`);
    for (const c of [carol, dave]) await c.expect(new RegExp(`from="${room}/Carol"[^>]*>.*?<body>from node A</body>`));
    dave.send(`<message to='${room}' type='groupchat' id='g2'><body>from node B</body></message>`);
    for (const c of [carol, dave]) await c.expect(new RegExp(`from="${room}/Dave"[^>]*>.*?<body>from node B</body>`));

    // A private message to an occupant (room/nick) is refused here as on one node.
    dave.send(`<message to='${room}/Carol' type='chat' id='p1'><body>psst</body></message>`);
    await dave.expect(/<message[^>]*id="p1"[^>]*type="error"|<message[^>]*type="error"[^>]*id="p1"/);
    await dave.expect(/<not-acceptable/);

    // Dave leaves on node B: his own unavailable presence (110); later messages reach only carol.
    dave.send(`<presence to='${room}/dave' type='unavailable'/>`);
    await dave.expect(
      new RegExp(`<presence[^>]*from="${room}/Dave"[^>]*type="unavailable"[^>]*>.*?<status code="110"/>`),
    );
    carol.send(`<message to='${room}' type='groupchat' id='g3'><body>after dave left</body></message>`);
    await carol.expect(/<body>after dave left<\/body>/);
    dave.send(`<iq type='get' id='after' to='${M}'><ping xmlns='${PING}'/></iq>`);
    const before = await dave.expect(/([\s\S]*?)<iq[^>]*id="after"/);
    assert.doesNotMatch(before[1] ?? '', /after dave left/);
  });
}

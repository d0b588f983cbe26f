// External components (XEP-0114) in a cluster (docs/xmpp.md#external-components-xep-0114): two
// nodes on the machine's PostgreSQL and NATS, a component connected to node A. Users on node B
// reach it and it reaches them, a second connection of its domain on node B is `conflict`, and
// once it has left node A it may connect to node B, where users on node A reach it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { type ClusterNode, inProcessCluster } from '../support/cluster-nodes.js';
import { RawXmpp } from '../support/xmpp.js';

const cluster = await inProcessCluster();
const D = 'xk.test';
const BOT = `bots.${D}`;
const SECRET = 'component-secret-0123';
const PING = 'urn:xmpp:ping';

if (cluster) {
  const open: RawXmpp[] = [];
  after(() => {
    for (const c of open) c.close();
  });
  const portOf = (n: ClusterNode, name: string) => n.listeners.find((l) => l.name === name)?.port as number;
  const node = (id: string) =>
    cluster.node(id, { 'xmpp.components': [{ domain: BOT, secret: SECRET }], 'xmpp.component.port': 0 });

  /** A component stream to node `n` that has sent its handshake: what the server answered. */
  const handshake = async (n: ClusterNode) => {
    const raw = await RawXmpp.open(portOf(n, 'xmpp-component'));
    open.push(raw);
    raw.send(
      `<?xml version='1.0'?><stream:stream to='${BOT}' xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>`,
    );
    const [, id = ''] = await raw.expect(/<stream:stream[^>]*\sid="([^"]+)"[^>]*>/);
    raw.send(`<handshake>${createHash('sha1').update(`${id}${SECRET}`).digest('hex')}</handshake>`);
    return raw;
  };
  const connected = async (n: ClusterNode) => {
    const raw = await handshake(n);
    await raw.expect('<handshake/>');
    return raw;
  };
  const online = async (n: ClusterNode, user: string) => {
    const raw = await RawXmpp.open(portOf(n, 'xmpp-c2s'));
    open.push(raw);
    assert.equal(await raw.login(`${user}@${D}`, 'secret-password', 'pc'), `${user}@${D}/pc`);
    raw.send('<presence/>');
    return raw;
  };

  test('a component on node A: users on node B reach it both ways; one connection in the cluster', async () => {
    const [a, b] = [await node('xk-a'), await node('xk-b')];
    const tenant = await a.server.core.tenants.create({ domain: D, name: 'XK' });
    for (const local of ['alice', 'bob']) {
      await a.server.core.users.create(tenant.id, { local, role: 'user', password: 'secret-password' });
    }
    const bot = await connected(a);
    const alice = await online(b, 'alice');
    const bob = await online(a, 'bob');

    // A second connection of the domain on node B: `conflict`, as on one node.
    const twin = await handshake(b);
    await twin.expect(/<conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
    await twin.ended();

    // Alice on node B writes to the component on node A; it answers her there.
    alice.send(`<message to='helpdesk@${BOT}' type='chat' id='m1'><body>printer broken</body></message>`);
    const [toBot] = await bot.expect(/<message[^>]*>[\s\S]*?<\/message>/);
    assert.match(toBot, new RegExp(`from="alice@${D}/pc"`));
    assert.match(toBot, /<body>printer broken<\/body>/);
    bot.send(`<message from='helpdesk@${BOT}' to='alice@${D}' type='chat' id='r1'><body>ticket 42</body></message>`);
    await alice.expect(new RegExp(`<message[^>]*from="helpdesk@${BOT}"[^>]*>.*?<body>ticket 42</body>`));
    // An IQ from node B to the component, and its result back.
    alice.send(`<iq to='${BOT}' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>`);
    await bot.expect(new RegExp(`<iq[^>]*from="alice@${D}/pc"[^>]*>`));
    bot.send(`<iq from='${BOT}' to='alice@${D}/pc' type='result' id='v1'/>`);
    await alice.expect(/<iq[^>]*id="v1"[^>]*type="result"|<iq[^>]*type="result"[^>]*id="v1"/);
    // Bob on node A, beside it, as on one node.
    bob.send(`<message to='helpdesk@${BOT}' type='chat' id='m2'><body>from node A</body></message>`);
    await bot.expect(/<body>from node A<\/body>/);

    // It leaves node A: no node holds it, a user's IQ is refused for it.
    bot.send('</stream:stream>');
    await bot.ended();
    alice.send(`<iq to='${BOT}' type='get' id='p1'><ping xmlns='${PING}'/></iq>`);
    await alice.expect(/<iq[^>]*id="p1"[^>]*>.*?<service-unavailable/);
    // Now it may connect to node B, where what bob sends on node A reaches it.
    const moved = await connected(b);
    bob.send(`<message to='helpdesk@${BOT}' type='chat' id='m3'><body>to node B</body></message>`);
    const [relayed] = await moved.expect(/<message[^>]*>[\s\S]*?<\/message>/);
    assert.match(relayed, new RegExp(`from="bob@${D}/pc"`));
    assert.match(relayed, /<body>to node B<\/body>/);
  });
}

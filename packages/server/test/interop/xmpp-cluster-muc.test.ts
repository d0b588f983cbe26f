// A member of another server in a room of a two-node cluster (docs/xmpp.md#clusters): their
// server has a stream to each node (one s2s connection per remote domain per node). They join
// through node A, which holds their occupancy; their groupchat message and their leave arrive over
// the stream to node B, which relays them to node A: the message is theirs in the core and the room
// reflects it to them from node A, the leave ends the occupancy there. Joined again through node B,
// node B takes the join. The remote server is the test's own (SASL EXTERNAL, XEP-0288 bidi, so
// each node answers on the stream it was sent on). Prosody and ejabberd in a room of one node are
// in xmpp-s2s-muc.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir, waitUntil } from '../support/cluster.js';
import { type ClusterNode, inProcessCluster } from '../support/cluster-nodes.js';
import { issueCertificate, makeCertificates } from '../support/slapd.js';
import { b64, RawXmpp } from '../support/xmpp.js';

const cluster = await inProcessCluster();
const D = 'xm.test';
const SERVICE = `conference.${D}`;
const RITA = 'rita@far.test';
const MUC = 'http://jabber.org/protocol/muc';

if (cluster) {
  const streams: RawXmpp[] = [];
  after(() => {
    for (const s of streams) s.close();
  });
  const dir = tempDir('parley-cluster-muc-');

  /** A bidirectional stream from far.test to the room service on node `n`, authenticated with SASL EXTERNAL. */
  const farStream = async (n: ClusterNode, tls: { cert: string; key: string }) => {
    const port = n.listeners.find((l) => l.name === 'xmpp-s2s')?.port as number;
    const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='far.test' to='${SERVICE}' version='1.0'>`;
    const raw = await RawXmpp.open(port);
    streams.push(raw);
    raw.send(header);
    await raw.expect('<starttls');
    raw.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await raw.expect('<proceed');
    await raw.upgrade(SERVICE, tls);
    raw.send(header);
    await raw.expect('</stream:features>');
    raw.send("<bidi xmlns='urn:xmpp:bidi'/>");
    raw.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${b64('far.test')}</auth>`);
    await raw.expect('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>');
    raw.send(header);
    await raw.expect('</stream:features>');
    return raw;
  };

  test("a remote member's stanzas reach the room through either node; the node that took the join answers", async () => {
    await makeCertificates(dir);
    const local = await issueCertificate(dir, D, [D, SERVICE]);
    const far = await issueCertificate(dir, 'far.test', ['far.test']);
    const tls = { cert: readFileSync(far.certFile, 'utf8'), key: readFileSync(far.keyFile, 'utf8') };
    const settings = {
      'xmpp.certificates': [{ domain: D, cert: local.certFile, key: local.keyFile }],
      'federation.caFile': join(dir, 'ca.crt'),
      // Nothing answers there: a node answers only over the remote server's own streams.
      'federation.dnsServers': ['127.0.0.1:9'],
    };
    const a = await cluster.node('muc-a', settings);
    const b = await cluster.node('muc-b', settings);
    const tenant = await a.server.core.tenants.create({ domain: D, name: 'XM' });
    const { user: alice } = await a.server.core.users.create(tenant.id, {
      local: 'alice',
      password: 'secret-password',
    });
    const caller = { tenantId: tenant.id, userId: alice.id };
    const group = await a.server.core.messaging.conversations.create(caller, {
      members: [RITA],
      kind: 'group',
      name: 'Team',
    });
    const room = `${group.id}@${SERVICE}`;
    const viaA = await farStream(a, tls);
    const viaB = await farStream(b, tls);

    // The join through node A: node A greets her on its stream.
    viaA.send(`<presence from='${RITA}/phone' to='${room}/Rita'><x xmlns='${MUC}'/></presence>`);
    await viaA.expect(new RegExp(`<message[^>]*from="${room}"[^>]*><subject`));

    // Her message over node B's stream: it is hers in the core, and node A reflects it to her.
    viaB.send(
      `<message from='${RITA}/phone' to='${room}' type='groupchat' id='r1'><body>via the other node</body></message>`,
    );
    await viaA.expect(new RegExp(`<message[^>]*from="${room}/Rita"[^>]*>.*?<body>via the other node</body>`));
    const { messages } = await b.server.core.messaging.history(caller, group.id, { limit: 10 });
    assert.deepEqual(
      messages.filter((m) => m.text === 'via the other node').map((m) => [m.sender, m.senderId]),
      [[RITA, RITA]],
    );
    // A XEP-0410 self-ping through node B is answered by node A, where she is joined.
    viaB.send(`<iq from='${RITA}/phone' to='${room}/Rita' type='get' id='sp1'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await viaA.expect(/<iq[^>]*id="sp1"[^>]*type="result"|<iq[^>]*type="result"[^>]*id="sp1"/);

    // Her leave over node B's stream ends her occupancy on node A (her own unavailable presence, 110).
    viaB.send(`<presence from='${RITA}/phone' to='${room}/Rita' type='unavailable'/>`);
    await viaA.expect(/<presence[^>]*type="unavailable"[^>]*>.*?<status code="110"\/>/);

    // Once node A has given up her occupancy in the cluster (it does so as she leaves), a join
    // through node B is node B's: it greets her on its own stream.
    await waitUntil(
      async () => (await b.server.core.endpoints.elsewhere(tenant.id, RITA, 'xmpp-muc-occupant')).length === 0,
      30_000,
      'node A giving up her occupancy',
    );
    viaB.send(`<presence from='${RITA}/phone' to='${room}/Rita'><x xmlns='${MUC}'/></presence>`);
    await viaB.expect(new RegExp(`<message[^>]*from="${room}"[^>]*><subject`));
    assert.doesNotMatch(viaA.buffer, /<subject/, 'node A took no part in it');
  });
}

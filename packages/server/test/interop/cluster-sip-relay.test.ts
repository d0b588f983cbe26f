import assert from 'node:assert/strict';
import { test } from 'node:test';
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingMessageEvent, IncomingRTCSessionEvent } from 'jssip/lib/UA.js';
import WebSocket from 'ws';
import { headerValues } from '../../src/adapters/sip/message/index.js';
import { inProcessCluster, phoneOn } from '../support/cluster-nodes.js';
import { eventually, SDP, SipPhone } from '../support/sip-phone.js';

// SIP in a cluster of two nodes in this process (one PostgreSQL schema, one NATS): a phone whose
// TCP or WebSocket connection node B holds is reached from node A through node B, its edge proxy
// (RFC 5626 §5.3, RFC 3327 Path, RFC 3261 §16 loose routing).
const cluster = await inProcessCluster();

if (cluster) {
  const { node } = cluster;
  /** Two new nodes; alice's phone registered over UDP through node A, bob's over TCP through node B. */
  const relayPair = async (names: [string, string], domain: string) => {
    const a = await node(names[0]);
    const b = await node(names[1]);
    const tenant = await a.server.core.tenants.create({ domain });
    const alice = await phoneOn(a, tenant.id, `alice@${domain}`);
    // A phone left open keeps the test process alive: alice goes if bob cannot register.
    const bob = await phoneOn(b, tenant.id, `bob@${domain}`, 'tcp').catch((err: unknown) => {
      alice.close();
      throw err;
    });
    return { a, b, tenant, alice, bob };
  };

  test('two nodes: a phone whose TCP connection node B holds is called, messaged and notified through node A (RFC 5626 edge proxy)', async () => {
    const { a, tenant, alice, bob } = await relayPair(['relay-a', 'relay-b'], 'relay.test');
    try {
      const [binding] = await a.server.core.registrations.of(tenant.id, bob.userId);
      assert.match(
        binding?.path?.[0] ?? '',
        /^<sip:flow\.[^@]+@127\.0\.0\.1:\d+;transport=tcp;lr;ob>$/,
        'node B in the Path',
      );

      /** alice calls bob; `rang` resolves when she hears his 180. */
      const dial = () => {
        let heard = () => {};
        const rang = new Promise<void>((resolve) => {
          heard = resolve;
        });
        return { rang, placed: alice.invite('bob@relay.test', { onProvisional: (r) => r.status === 180 && heard() }) };
      };
      // A call from node A rings bob on node B, is answered, and either side hangs up.
      const call = async (hangUp: 'alice' | 'bob') => {
        const { rang, placed } = dial();
        const invite = await bob.next('INVITE');
        assert.equal(invite.request.via.length, 2, 'node A and node B in Via');
        assert.match(invite.request.via[0]?.host ?? '', /^127\.0\.0\.1$/);
        assert.equal(headerValues(invite.request.headers, 'Route').length, 0, 'node B took its Route');
        const [recordRoute] = headerValues(invite.request.headers, 'Record-Route');
        assert.match(recordRoute ?? '', /^<sip:flow\./, 'node B record-routes with its flow token');
        assert.match(invite.request.body.toString(), /m=audio 40000 /);
        invite.reply(180, 'Ringing');
        await rang;
        const answer = invite.reply(200, 'OK', {
          headers: [
            { name: 'Content-Type', value: 'application/sdp' },
            { name: 'Record-Route', value: recordRoute ?? '' },
          ],
          body: SDP(41000),
        });
        const { response, dialog } = await placed;
        assert.equal(response.status, 200);
        assert.match(response.body.toString(), /m=audio 41000 /, "bob's SDP reaches alice");
        assert.ok(dialog);
        await bob.next('ACK');
        if (hangUp === 'alice') {
          const end = alice.sendInDialog(dialog, 'BYE');
          (await bob.next('BYE')).reply(200, 'OK');
          assert.equal((await end).status, 200);
        } else {
          const bobDialog = SipPhone.dialogOf(invite.request, answer.to.params.get('tag') ?? '');
          assert.deepEqual(bobDialog.routeSet, [recordRoute]);
          // bob holds the call: his re-INVITE goes through node B on to node A, and alice's answer back.
          const held = bob.sendInDialog(bobDialog, 'INVITE', SDP(41000, 'sendonly'));
          const reinvite = await alice.next('INVITE');
          assert.match(reinvite.request.body.toString(), /a=sendonly/);
          reinvite.reply(200, 'OK', {
            headers: [{ name: 'Content-Type', value: 'application/sdp' }],
            body: SDP(40000, 'recvonly'),
          });
          const heldAnswer = await held;
          assert.equal(heldAnswer.status, 200);
          assert.match(heldAnswer.body.toString(), /a=recvonly/);
          const end = bob.sendInDialog(bobDialog, 'BYE');
          (await alice.next('BYE')).reply(200, 'OK');
          assert.equal((await end).status, 200);
        }
      };
      await call('alice');
      await call('bob');

      // alice gives up while bob's phone rings: the CANCEL goes through node B, bob's INVITE ends 487.
      const cancelled = dial();
      const unanswered = await bob.next('INVITE');
      unanswered.reply(180, 'Ringing');
      await cancelled.rang;
      assert.equal((await alice.cancelInvite()).status, 200);
      (await bob.next('CANCEL')).reply(200, 'OK');
      unanswered.reply(487, 'Request Terminated');
      assert.equal((await cancelled.placed).response.status, 487);

      // alice's MESSAGE through node A reaches bob over his connection on node B.
      assert.equal((await alice.message('sip:bob@relay.test', 'hello over TCP')).status, 200);
      assert.equal((await bob.nextMessage()).body.toString(), 'hello over TCP');

      // bob watches alice's line (BLF) through node B; a call of hers switched on node A is notified.
      const subscribed = await bob.request('SUBSCRIBE', 'sip:alice@relay.test', [
        { name: 'From', value: `<sip:bob@relay.test>;tag=${bob.tag}` },
        { name: 'To', value: '<sip:alice@relay.test>' },
        { name: 'Call-ID', value: `blf-${bob.callId}` },
        { name: 'Event', value: 'dialog' },
        { name: 'Accept', value: 'application/dialog-info+xml' },
        { name: 'Contact', value: bob.contact },
        { name: 'Expires', value: '600' },
      ]);
      assert.equal(subscribed.status, 200);
      (await bob.next('NOTIFY')).reply(200, 'OK');
      const carol = await phoneOn(a, tenant.id, 'carol@relay.test');
      const ringing = carol.invite('alice@relay.test');
      const toAlice = await alice.next('INVITE');
      toAlice.reply(180, 'Ringing');
      const early = await bob.until(() => {
        const i = bob.incoming.findIndex(
          (x) => x.request.method === 'NOTIFY' && /early/.test(x.request.body.toString()),
        );
        return i < 0 ? undefined : bob.incoming.splice(i, 1)[0];
      }, 'NOTIFY of the early dialog');
      early.reply(200, 'OK');
      toAlice.reply(486, 'Busy Here');
      assert.equal((await ringing).response.status, 486);
      carol.close();
    } finally {
      alice.close();
      bob.close();
    }
  });

  test('two nodes: a forged flow token is refused (403), the relay is no open proxy (403), a flow that closed fails (430 at the relay, 480 to the caller)', async () => {
    const { a, b, tenant, alice, bob } = await relayPair(['relay-c', 'relay-d'], 'relay2.test');
    try {
      const [binding] = await a.server.core.registrations.of(tenant.id, bob.userId);
      const path = binding?.path?.[0] ?? '';
      const forged = path.replace(/(flow\.[^.]+\.)[^@]+@/, '$1AAAAAAAAAAAAAAAAAAAAAA@');
      const udpB = b.listeners.find((l) => l.name === 'sip-udp');
      assert.ok(udpB);
      const attacker = await SipPhone.open({
        server: { host: udpB.host, port: udpB.port },
        aor: 'x@relay2.test',
        username: 'x',
        password: 'x',
      });
      const probe = (route: string) =>
        attacker.request(
          'OPTIONS',
          binding?.contact ?? '',
          [
            { name: 'From', value: `<sip:x@relay2.test>;tag=${attacker.tag}` },
            { name: 'To', value: '<sip:bob@relay2.test>' },
            { name: 'Call-ID', value: `probe-${Math.random()}` },
            { name: 'Route', value: route },
          ],
          { auth: false },
        );
      const refused = await probe(forged);
      assert.equal(refused.status, 403, 'a forged token makes node B forward nothing');
      assert.match(refused.reason, /bad flow token/);
      assert.equal(bob.incoming.length, 0);
      // bob's own token, on his own connection, takes his requests on only to nodes of the cluster.
      const outward = await bob.request(
        'OPTIONS',
        'sip:203.0.113.9:5060',
        [
          { name: 'From', value: `<sip:bob@relay2.test>;tag=${bob.tag}` },
          { name: 'To', value: '<sip:203.0.113.9>' },
          { name: 'Call-ID', value: `outward-${bob.callId}` },
          { name: 'Route', value: path },
        ],
        { auth: false },
      );
      assert.equal(outward.status, 403, 'no open relay');
      assert.match(outward.reason, /not a node of this cluster/);

      bob.close();
      const placed = await alice.invite('bob@relay2.test');
      assert.equal(placed.response.status, 480, 'the flow closed: no device reached');
      assert.equal((await probe(path)).status, 430, 'a valid token of a flow that closed: 430 Flow Failed');
      attacker.close();
    } finally {
      alice.close();
      bob.close();
    }
  });

  test('two nodes: a WebSocket phone (JsSIP) whose connection node B holds is called and messaged through node A', async () => {
    const a = await node('relay-e');
    const b = await node('relay-f');
    const tenant = await a.server.core.tenants.create({ domain: 'relay3.test' });
    const alice = await phoneOn(a, tenant.id, 'alice@relay3.test');
    const { user } = await b.server.core.users.create(tenant.id, { local: 'bob' });
    const { device, password } = await b.server.core.devices.create(tenant.id, user.id, { name: 'JsSIP' });
    // JsSIP takes the WebSocket from the global scope and accepts INVITEs only where WebRTC exists:
    // Node has neither, so `ws` and a stand-in RTCPeerConnection (never used: the call is rejected).
    Object.assign(globalThis, { WebSocket, window: { RTCPeerConnection: class {} } });
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(`${b.url.replace(/^http/, 'ws')}/sip-ws`)],
      uri: 'sip:bob@relay3.test',
      authorization_user: device.username,
      password,
      register_expires: 600,
    });
    const sessions: RTCSession[] = [];
    const messages: IncomingMessageEvent[] = [];
    ua.on('newRTCSession', (e: IncomingRTCSessionEvent) => e.originator === 'remote' && sessions.push(e.session));
    ua.on('newMessage', (e: IncomingMessageEvent) => e.originator === 'remote' && messages.push(e));
    // JsSIP 3.13 leaves Timer H running when Timer I ends a rejected INVITE's transaction.
    (ua as unknown as NodeJS.EventEmitter).on('transactionDestroyed', (e: { transaction: { H?: NodeJS.Timeout } }) =>
      clearTimeout(e.transaction.H),
    );
    const registered = new Promise<void>((resolve, reject) => {
      ua.once('registered', () => resolve());
      ua.once('registrationFailed', (e) => reject(new Error(`JsSIP registration failed: ${e.cause}`)));
    });
    ua.start();
    try {
      await registered;
      const [binding] = await a.server.core.registrations.of(tenant.id, user.id);
      assert.equal(binding?.flow.transport, 'WS');
      const placed = alice.invite('bob@relay3.test');
      const session = await eventually(() => sessions.shift(), 'the INVITE at JsSIP through node B');
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      assert.equal((await placed).response.status, 486);
      assert.equal((await alice.message('sip:bob@relay3.test', 'hello over a WebSocket')).status, 200);
      const got = await eventually(() => messages.shift(), 'the MESSAGE at JsSIP');
      assert.equal(got.request.body, 'hello over a WebSocket');
    } finally {
      const gone = new Promise((resolve) => ua.once('disconnected', resolve));
      ua.stop();
      await gone;
      alice.close();
    }
  });
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { createClient } from '@parley/api';
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingMessageEvent, IncomingRTCSessionEvent } from 'jssip/lib/UA.js';
import pino from 'pino';
import WebSocket from 'ws';
import { headerValues } from '../../src/adapters/sip/message/index.js';
import { PRINCIPAL_CACHE_MS } from '../../src/core/sessions/service.js';
import { createServer, type ParleyServer } from '../../src/create-server.js';
import { loadConfig } from '../../src/platform/config/load.js';
import { listen } from '../support/events.js';
import { postgresAdmin, postgresUrl, requirePeer } from '../support/interop.js';
import { eventually, phoneFor, SDP, SipPhone } from '../support/sip-phone.js';

// Two nodes of one cluster in this process: one PostgreSQL schema, one NATS. What a user does on
// one node reaches the other user's event socket on the other node.
const natsUrl = process.env.PARLEY_TEST_NATS ?? 'nats://127.0.0.1:4222';

const pgSkipped = await requirePeer('PostgreSQL', () => postgresAdmin('select 1'));
const natsSkipped = await requirePeer('NATS', async () => {
  const { connect } = await import('@nats-io/transport-node');
  const nc = await connect({ servers: natsUrl, timeout: 2000 });
  await nc.close();
});

if (!pgSkipped && !natsSkipped) {
  const run = randomBytes(5).toString('hex');
  const schema = `parley_test_${run}`;
  await postgresAdmin(`create schema ${schema}`);
  const nodes: ParleyServer[] = [];
  const started: { server: ParleyServer; url: string }[] = [];
  after(async () => {
    for (const n of nodes) await n.stop();
    await postgresAdmin(`drop schema ${schema} cascade`);
    // The run's key-value buckets (membership, leases, shared state) go too.
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: natsUrl });
    const jsm = await jetstreamManager(nc);
    for await (const s of jsm.streams.list()) {
      if (s.config.name.startsWith(`KV_t${run}_`)) await jsm.streams.delete(s.config.name);
    }
    await nc.close();
  });

  const node = async (id: string) => {
    const config = loadConfig({
      env: { PARLEY_NATS: natsUrl, PARLEY_DB: postgresUrl, PARLEY_NODE_ID: id },
      overrides: {
        'http.port': 0,
        'sip.port': 0,
        'sip.tls.port': 0,
        'auth.scryptCost': 1024,
        'bootstrap.demoTenant': false,
        'cluster.nats.subjectPrefix': `t${run}`,
        'http.drainSeconds': 0,
      },
    });
    const server = await createServer({ config, dbSchema: schema, log: pino({ level: 'error' }) });
    nodes.push(server);
    const { http: url, listeners } = await server.start();
    const n = { server, url, listeners };
    started.push(n);
    return n;
  };

  type Node = Awaited<ReturnType<typeof node>>;
  /** A new user with a device, as a phone registered through node `n` over `transport`. */
  const phoneOn = async (n: Node, tenantId: string, address: string, transport: 'udp' | 'tcp' = 'udp') => {
    const user = async () => {
      const { user } = await n.server.core.users.create(tenantId, { local: address.split('@')[0] as string });
      return { userId: user.id, tenantId };
    };
    const phone = await phoneFor({ core: n.server.core, listeners: n.listeners, user }, address, transport);
    assert.equal((await phone.register(600)).status, 200);
    return phone;
  };
  /** Two new nodes; alice's phone registered over UDP through node A, bob's over TCP through node B. */
  const relayPair = async (names: [string, string], domain: string) => {
    const a = await node(names[0]);
    const b = await node(names[1]);
    const tenant = await a.server.core.tenants.create({ domain });
    const alice = await phoneOn(a, tenant.id, `alice@${domain}`);
    const bob = await phoneOn(b, tenant.id, `bob@${domain}`, 'tcp');
    return { a, b, tenant, alice, bob };
  };

  test('two nodes: messages and presence reach users connected to the other node', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    const tenant = await a.server.core.tenants.create({ domain: 'cluster.test' });
    for (const local of ['alice', 'bob']) {
      await a.server.core.users.create(tenant.id, { local, password: `${local}-password` });
    }
    const signIn = async (url: string, local: string) => {
      const api = createClient({ baseUrl: url });
      const { token } = await api.request('auth.login', {
        body: { user: `${local}@cluster.test`, password: `${local}-password` },
      });
      return { api: api.withToken(token), token };
    };
    const alice = await signIn(a.url, 'alice');
    const bob = await signIn(b.url, 'bob');
    const aliceEvents = await listen(a.url, alice.token);
    const bobEvents = await listen(b.url, bob.token);
    try {
      // bob's socket on node B makes him available; alice on node A sees it.
      await aliceEvents.next(
        'presence.changed',
        (e) => e.user === 'bob@cluster.test' && e.presence.availability === 'available',
      );

      const conversation = await bob.api.request('conversations.create', { body: { members: ['alice@cluster.test'] } });
      const sent = await bob.api.request('messages.send', {
        params: { id: conversation.id },
        body: { text: 'hello across nodes', clientId: 'x-1' },
      });
      const got = await aliceEvents.next('message.created', (e) => e.message.id === sent.id);
      assert.equal(got.message.text, 'hello across nodes');

      await bob.api.request('presence.me.set', { query: {}, body: { availability: 'busy', note: 'on node B' } });
      const changed = await aliceEvents.next(
        'presence.changed',
        (e) => e.user === 'bob@cluster.test' && e.presence.note === 'on node B',
      );
      assert.equal(changed.presence.availability, 'busy');
      // The computed presence is shared: node A answers with what node B computed.
      const seen = await alice.api.request('presence.list', { query: { users: 'bob@cluster.test' } });
      assert.equal(seen.presence[0]?.availability, 'busy');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(
        aliceEvents.received.filter((e) => e.type === 'presence.changed' && e.presence.note === 'on node B').length,
        1,
        'published once in the cluster',
      );

      // And back: alice's reply on node A reaches bob on node B, once.
      const reply = await alice.api.request('messages.send', {
        params: { id: conversation.id },
        body: { text: 'hello back', clientId: 'y-1' },
      });
      await bobEvents.next('message.created', (e) => e.message.id === reply.id);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(
        bobEvents.received.filter((e) => e.type === 'message.created' && e.message.id === reply.id).length,
        1,
        'delivered exactly once',
      );

      // A session ended on one node is refused by the other as soon as the event arrives, though it
      // served it a moment ago: while the principal it cached then (its first request on node B)
      // would still be valid, so the event did it and not the cache's expiry.
      const onB = createClient({ baseUrl: b.url }).withToken(alice.token);
      const cachedFrom = Date.now();
      assert.equal((await onB.request('me.get', {})).address, 'alice@cluster.test');
      await alice.api.request('auth.logout', {});
      for (;;) {
        const asked = Date.now();
        const status = await onB.request('me.get', {}).then(
          () => 200,
          (err: { status?: number }) => err.status,
        );
        assert.ok(
          asked - cachedFrom < PRINCIPAL_CACHE_MS,
          `node B still accepted the ended session when its cached principal expired (status ${status})`,
        );
        if (status === 401) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      aliceEvents.close();
      bobEvents.close();
    }
  });

  test('the cluster view lists both nodes and the job leases; a stopped node leaves it', async () => {
    const [a, b] = started;
    assert.ok(a && b);
    const tenant = (await a.server.core.tenants.list())[0];
    assert.ok(tenant);
    await a.server.core.users.create(tenant.id, { local: 'root', password: 'root-password', role: 'system-admin' });
    const api = createClient({ baseUrl: b.url });
    const { token } = await api.request('auth.login', {
      body: { user: 'root@cluster.test', password: 'root-password' },
    });
    const status = await api.withToken(token).request('admin.cluster.status', {});
    assert.equal(status.enabled, true);
    assert.deepEqual(status.nodes.map((n) => n.nodeId).sort(), ['node-a', 'node-b']);
    assert.deepEqual(
      status.nodes.filter((n) => n.self).map((n) => n.nodeId),
      ['node-b'],
    );
    assert.equal(status.nodes.find((n) => n.nodeId === 'node-a')?.url, a.url);
    const leases = status.leases.map((l) => l.name);
    for (const job of ['calendar-polling', 'presence-schedule']) assert.ok(leases.includes(job), job);

    // A directory import on node B reaches node A's index (built before it).
    const onA = createClient({ baseUrl: a.url }).withToken(token);
    assert.deepEqual((await onA.request('directory.lookup', { query: { number: '+49 30 1234567' } })).candidates, []);
    const admin = api.withToken(token);
    const source = await admin.request('admin.directory.sources.create', { body: { name: 'book', kind: 'file' } });
    const res = await fetch(`${b.url}/api/v1/admin/directory/sources/${source.id}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: 'Name,Phone\nCarla Cross,+49 30 1234567\n',
    });
    assert.equal(res.status, 200);
    let found: string | null | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      found = (await onA.request('directory.lookup', { query: { number: '+49 30 1234567' } })).candidates[0]?.name;
      if (!found) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(found, 'Carla Cross');

    await a.server.stop();
    const after = await api.withToken(token).request('admin.cluster.status', {});
    assert.deepEqual(
      after.nodes.map((n) => n.nodeId),
      ['node-b'],
    );
  });

  test('two nodes: a phone registered through one node is called through the other (registrations are cluster state)', async () => {
    const a = await node('sip-a');
    const b = await node('sip-b');
    const tenant = await a.server.core.tenants.create({ domain: 'sip-cluster.test' });
    const alice = await phoneOn(a, tenant.id, 'alice@sip-cluster.test');
    const bob = await phoneOn(b, tenant.id, 'bob@sip-cluster.test');
    // Registered through node B, found from node A.
    assert.equal((await a.server.core.registrations.of(tenant.id, bob.userId)).length, 1);
    try {
      const placed = alice.invite('bob@sip-cluster.test');
      const invite = await bob.next('INVITE');
      invite.reply(200, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: SDP(41000) });
      const { response, dialog } = await placed;
      assert.equal(response.status, 200);
      assert.ok(dialog);
      await bob.next('ACK');
      // The call's state reaches node B's replica, so presence and BLF there see it too.
      await eventually(
        () => (b.server.core.calls.ofUser(tenant.id, bob.userId).some((c) => c.answeredAt !== null) ? true : undefined),
        "node B's replica of the call switched on node A",
      );
      const end = alice.sendInDialog(dialog, 'BYE');
      (await bob.next('BYE')).reply(200, 'OK');
      assert.equal((await end).status, 200);
    } finally {
      alice.close();
      bob.close();
    }
  });

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

  test('two nodes: a forged flow token is refused (403), a flow that closed fails (430 at the relay, 480 to the caller)', async () => {
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
      assert.equal(bob.incoming.length, 0);

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

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createClient } from '@parley/api';
import { ChatClient } from '../support/chat-client.js';
import { assertOk, runCli, tempDir } from '../support/cli.js';
import {
  type ClusterNode,
  createTestDatabase,
  HAPROXY,
  type Haproxy,
  NATS_SERVER,
  type NatsServer,
  spawnNode,
  startHaproxy,
  startNats,
  type TestDatabase,
  waitUntil,
} from '../support/cluster.js';
import { listen } from '../support/events.js';
import { postgresAdmin, requirePeer } from '../support/interop.js';

// Three real nodes (child processes) on one PostgreSQL database and a private NATS, behind HAProxy
// running the shipped docs/deploy/haproxy.cfg. Users on different nodes see each other.

const pgSkipped = await requirePeer('PostgreSQL', () => postgresAdmin('select 1'));
const natsSkipped = await requirePeer('nats-server', async () => execFileSync(NATS_SERVER, ['--version']));
const haproxySkipped = await requirePeer('HAProxy', async () => execFileSync(HAPROXY, ['-v']));

if (!pgSkipped && !natsSkipped && !haproxySkipped) {
  let db: TestDatabase;
  let nats: NatsServer;
  let lb: Haproxy;
  let cliData: string | undefined;
  const nodes: ClusterNode[] = [];
  const domain = 'cluster.test';
  // Short cluster timings so failures are noticed quickly: a dead node's presence goes within 4 s,
  // its leases move within 4 s; a stopping node is unready for 2.5 s (HAProxy: 2 checks of 1 s).
  const nodeTimeoutSeconds = 4;
  /**
   * Bound for what takes these timings (a check, a node timeout, a lease time, a reconnect): a
   * liveness bound, generous so that a busy machine passes; how long things took is reported.
   */
  const settleMs = 30_000;
  const leaseSeconds = 4;
  const timing = {
    PARLEY_CLUSTER_HEARTBEAT_SECONDS: '1',
    PARLEY_CLUSTER_NODE_TIMEOUT_SECONDS: String(nodeTimeoutSeconds),
    PARLEY_CLUSTER_LEASE_SECONDS: String(leaseSeconds),
    PARLEY_HTTP_DRAIN_SECONDS: '2.5',
    // The steady streams send 20 messages a second per user: above the default rate limit.
    PARLEY_MESSAGING_RATE_LIMIT_PER_SECOND: '100',
  };
  const password = (local: string) => `${local}-password-123`;

  before(async () => {
    db = await createTestDatabase();
    nats = await startNats();
    // Tenant and users through the CLI against the cluster's database; the first command also
    // migrates it. The users are added while the nodes start.
    cliData = tempDir('parley-cluster-cli-');
    const cli = async (args: string[], input?: string) =>
      assertOk(await runCli([...args, '--db', db.url], { env: { PARLEY_DATA: cliData }, input }));
    await cli(['tenant', 'add', domain]);
    const [started] = await Promise.all([
      Promise.all(
        ['n1', 'n2', 'n3'].map((nodeId) => spawnNode({ nodeId, natsUrl: nats.url, dbUrl: db.url, env: timing })),
      ),
      ...['alice', 'bob', 'carol', 'root'].map((local) =>
        cli(
          [
            'user',
            'add',
            `${local}@${domain}`,
            '--password-stdin',
            ...(local === 'root' ? ['--role', 'system-admin'] : []),
          ],
          password(local),
        ),
      ),
    ]);
    nodes.push(...started);
    lb = await startHaproxy({ nodes: nodes.map((n, i) => ({ name: `node${i + 1}`, port: n.port })) });
    for (const name of ['node1', 'node2', 'node3']) await lb.waitForStatus(name, 'UP');
  });

  after(async () => {
    await lb?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await nats?.stop();
    await db?.drop();
    if (cliData) rmSync(cliData, { recursive: true, force: true });
  });

  const signIn = async (url: string, local: string) => {
    const api = createClient({ baseUrl: url });
    const { token } = await api.request('auth.login', {
      body: { user: `${local}@${domain}`, password: password(local) },
    });
    return { api: api.withToken(token), token };
  };

  /** Which node HAProxy sent alice's event socket to: the one server with an open session. */
  const socketNode = async (): Promise<ClusterNode> => {
    let sessions: Record<string, number> = {};
    await waitUntil(
      async () => {
        sessions = await lb.serverSessions();
        return Object.values(sessions).filter((n) => n > 0).length === 1;
      },
      settleMs,
      () => `exactly one server with an open session: ${JSON.stringify(sessions)}`,
    );
    const name = Object.entries(sessions).find(([, n]) => n > 0)?.[0] ?? '';
    return nodes[Number(name.replace('node', '')) - 1] as ClusterNode;
  };

  test('three nodes behind HAProxy: presence and messages cross nodes; a dead node is taken out', async () => {
    assert.equal((await fetch(`${lb.url}/readyz`)).status, 200);

    // alice: everything through HAProxy.
    const alice = await signIn(lb.url, 'alice');
    let aliceEvents = await listen(lb.url, alice.token);
    const aliceNode = await socketNode();
    // bob: his socket on another node, his requests on the third.
    const [bobSocketNode, bobApiNode] = nodes.filter((n) => n !== aliceNode) as [ClusterNode, ClusterNode];
    const bob = await signIn(bobApiNode.url, 'bob');
    const bobEvents = await listen(bobSocketNode.url, bob.token);
    try {
      await aliceEvents.next(
        'presence.changed',
        (e) => e.user === `bob@${domain}` && e.presence.availability === 'available',
      );
      await alice.api.request('presence.me.set', { query: {}, body: { availability: 'away', note: 'at lunch' } });
      const away = await bobEvents.next(
        'presence.changed',
        (e) => e.user === `alice@${domain}` && e.presence.note === 'at lunch',
      );
      assert.equal(away.presence.availability, 'away');

      await bob.api.request('presence.me.set', { query: {}, body: { availability: 'busy', note: 'in a meeting' } });
      const busy = await aliceEvents.next(
        'presence.changed',
        (e) => e.user === `bob@${domain}` && e.presence.note === 'in a meeting',
      );
      assert.equal(busy.presence.availability, 'busy');

      const conversation = await bob.api.request('conversations.create', { body: { members: [`alice@${domain}`] } });
      const hello = await bob.api.request('messages.send', {
        params: { id: conversation.id },
        body: { text: 'hello from another node', clientId: 'b-1' },
      });
      assert.equal(
        (await aliceEvents.next('message.created', (e) => e.message.id === hello.id)).message.text,
        'hello from another node',
      );
      const reply = await alice.api.request('messages.send', {
        params: { id: conversation.id },
        body: { text: 'hello back through the balancer', clientId: 'a-1' },
      });
      await bobEvents.next('message.created', (e) => e.message.id === reply.id);

      // alice's node crashes. HAProxy takes it out; alice reconnects through HAProxy to a live node
      // with the same token (sessions live in PostgreSQL) and still gets bob's messages.
      await aliceNode.kill('SIGKILL');
      const downName = `node${nodes.indexOf(aliceNode) + 1}`;
      await lb.waitForStatus(downName, 'DOWN', { timeoutMs: settleMs });
      aliceEvents.close();
      aliceEvents = await listen(lb.url, alice.token);
      assert.notEqual(await socketNode(), aliceNode);
      const again = await bob.api.request('messages.send', {
        params: { id: conversation.id },
        body: { text: 'still there?', clientId: 'b-2' },
      });
      await aliceEvents.next('message.created', (e) => e.message.id === again.id);
      assert.equal((await fetch(`${lb.url}/readyz`)).status, 200, 'the balancer still answers');
    } finally {
      aliceEvents.close();
      bobEvents.close();
    }
  });

  /** The cluster as the system admin sees it through the balancer. */
  const clusterStatus = async () => {
    const api = createClient({ baseUrl: lb.url });
    const { token } = await api.request('auth.login', { body: { user: `root@${domain}`, password: password('root') } });
    return api.withToken(token).request('admin.cluster.status', {});
  };
  const nodeNamed = (nodeId: string) => nodes.find((n) => n.nodeId === nodeId) as ClusterNode;
  const serverName = (n: ClusterNode) => `node${nodes.indexOf(n) + 1}`;

  /**
   * alice and bob chat through the balancer, each sending every `everyMs`, until `stop()`; returns
   * what each had acknowledged. `resumed(n)` waits until each has had `n` more acknowledged.
   */
  const chat = async (tag: string, alice: ChatClient, bob: ChatClient, conversationId: string, everyMs = 50) => {
    let running = true;
    const acked: { alice: string[]; bob: string[] } = { alice: [], bob: [] };
    const loop = async (who: 'alice' | 'bob', c: ChatClient) => {
      for (let i = 0; running; i++) {
        // A failure is in c.errors (asserted empty); this sender stops there.
        const m = await c.send(conversationId, `${tag} ${who} ${i}`, `${tag}-${who}-${i}`).catch(() => undefined);
        if (!m) return;
        acked[who].push(m.id);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    };
    const loops = [loop('alice', alice), loop('bob', bob)];
    return {
      acked,
      async resumed(n = 10) {
        const [a, b] = [acked.alice.length + n, acked.bob.length + n];
        await waitUntil(
          () => acked.alice.length >= a && acked.bob.length >= b,
          30_000,
          () => `${n} more messages each (alice ${acked.alice.length}/${a}, bob ${acked.bob.length}/${b})`,
        );
      },
      async stop() {
        running = false;
        await Promise.all(loops);
      },
    };
  };

  /** Every acknowledged message reached the other side once, and the store holds each once. */
  const assertExactlyOnce = async (
    alice: ChatClient,
    bob: ChatClient,
    conversationId: string,
    acked: { alice: string[]; bob: string[] },
  ) => {
    assert.ok(
      acked.alice.length > 10 && acked.bob.length > 10,
      `a steady stream: ${acked.alice.length}/${acked.bob.length}`,
    );
    await waitUntil(
      async () => {
        await Promise.all([alice.settled(), bob.settled()]);
        return acked.bob.every((id) => alice.messages.has(id)) && acked.alice.every((id) => bob.messages.has(id));
      },
      settleMs,
      () =>
        `missing at alice: ${acked.bob.filter((id) => !alice.messages.has(id)).length}, at bob: ${acked.alice.filter((id) => !bob.messages.has(id)).length}`,
    );
    assert.deepEqual(alice.duplicates, [], 'no live duplicates at alice');
    assert.deepEqual(bob.duplicates, [], 'no live duplicates at bob');
    const history: string[] = [];
    for (let after = 0; ; ) {
      const page = await alice.request('messages.list', {
        params: { id: conversationId },
        query: { after, limit: 200 },
      });
      history.push(...page.messages.map((m) => m.clientId));
      if (!page.hasMore) break;
      after = page.messages.at(-1)?.seq ?? after;
    }
    assert.equal(new Set(history).size, history.length, 'every idempotency key stored once');
    const ackedIds = new Set([...acked.alice, ...acked.bob]);
    assert.equal(ackedIds.size, acked.alice.length + acked.bob.length, 'each acknowledgement a distinct message');
  };

  const clients: ChatClient[] = [];
  after(() => {
    for (const c of clients) c.close();
  });
  const people = async () => {
    const alice = new ChatClient(lb.url, `alice@${domain}`, password('alice'));
    const bob = new ChatClient(lb.url, `bob@${domain}`, password('bob'));
    clients.push(alice, bob);
    return { alice, bob };
  };

  test('kill -9 under a steady message stream: clients reconnect, nothing acknowledged is lost or doubled, presence expires, the lease moves', async (t) => {
    for (const n of nodes) if (!n.running()) await n.restart();
    for (const n of nodes) await lb.waitForStatus(serverName(n), 'UP', { timeoutMs: settleMs });
    // The victim: the node running the calendar polling job.
    const before = await waitUntil(
      async () => {
        const s = await clusterStatus();
        return s.nodes.length === 3 && s.leases.some((l) => l.name === 'calendar-polling') ? s : undefined;
      },
      settleMs,
      'three nodes and a calendar-polling lease',
    );
    const victim = nodeNamed(before.leases.find((l) => l.name === 'calendar-polling')?.nodeId as string);

    // bob's socket goes to the victim through the balancer (the others are set aside meanwhile).
    const others = nodes.filter((n) => n !== victim);
    for (const n of others) await lb.command(`disable server parley_http/${serverName(n)}`);
    const { alice, bob } = await people();
    await bob.start();
    for (const n of others) await lb.command(`enable server parley_http/${serverName(n)}`);
    for (const n of others) await lb.waitForStatus(serverName(n), 'UP', { timeoutMs: settleMs });
    await alice.start();
    // carol's only client is on the victim and does not come back (her device is gone with it).
    const carolApi = createClient({ baseUrl: victim.url });
    const carolLogin = await carolApi.request('auth.login', {
      body: { user: `carol@${domain}`, password: password('carol') },
    });
    const carolSocket = await listen(victim.url, carolLogin.token);

    const conversation = await bob.request('conversations.create', { body: { members: [`alice@${domain}`] } });
    alice.follow(conversation.id);
    bob.follow(conversation.id);
    await waitUntil(
      async () => alice.presence.some((e) => e.user === `carol@${domain}` && e.presence.availability === 'available'),
      5000,
      'alice sees carol online',
    ).catch(async () => {
      // She may have come online before alice connected: then her presence says so.
      const p = await alice.request('presence.list', { query: { users: `carol@${domain}` } });
      assert.equal(p.presence[0]?.availability, 'available');
    });

    const stream = await chat('failover', alice, bob, conversation.id);
    await new Promise((r) => setTimeout(r, 1500));
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    carolSocket.close();
    await lb.waitForStatus(serverName(victim), 'DOWN', { timeoutMs: settleMs });

    const offline = await waitUntil(
      async () => alice.presence.find((e) => e.user === `carol@${domain}` && e.presence.availability === 'offline'),
      settleMs,
      "carol's presence expires",
    );
    const expiredAfter = Date.parse(offline.presence.since ?? new Date().toISOString()) - killedAt;
    t.diagnostic(`carol offline ${Date.now() - killedAt} ms after the kill (computed ${expiredAfter} ms)`);

    const moved = await waitUntil(
      async () => {
        const s = await clusterStatus();
        const lease = s.leases.find((l) => l.name === 'calendar-polling');
        return lease && lease.nodeId !== victim.nodeId && !s.nodes.some((n) => n.nodeId === victim.nodeId)
          ? lease
          : undefined;
      },
      settleMs,
      'the calendar-polling lease moves and the dead node leaves the view',
    );
    const movedAfter = Date.parse(moved.since) - killedAt;
    assert.ok(movedAfter >= 0, `the lease was taken ${-movedAfter} ms before the kill`);
    t.diagnostic(`lease moved ${movedAfter} ms after the kill`);

    await stream.resumed();
    await stream.stop();
    assert.ok(bob.reconnects >= 1, 'bob reconnected');
    await assertExactlyOnce(alice, bob, conversation.id, stream.acked);
    assert.deepEqual([...alice.errors, ...bob.errors], [], 'no errors beyond reconnects');
  });

  test('graceful rolling restart of all three nodes under the stream: no errors beyond reconnects', async () => {
    for (const n of nodes) if (!n.running()) await n.restart();
    for (const n of nodes) await lb.waitForStatus(serverName(n), 'UP', { timeoutMs: settleMs });
    const { alice, bob } = await people();
    await Promise.all([alice.start(), bob.start()]);
    const conversation = await alice.request('conversations.create', {
      body: { members: [`bob@${domain}`, `carol@${domain}`], name: 'rolling' },
    });
    alice.follow(conversation.id);
    bob.follow(conversation.id);
    const stream = await chat('rolling', alice, bob, conversation.id);
    for (const n of nodes) {
      await new Promise((r) => setTimeout(r, 700));
      const exit = await n.stop();
      assert.equal(exit.code, 0, `${n.nodeId} stopped cleanly`);
      await n.restart();
      await lb.waitForStatus(serverName(n), 'UP', { timeoutMs: settleMs });
    }
    await stream.resumed();
    await stream.stop();
    assert.ok(alice.reconnects + bob.reconnects >= 2, 'the sockets moved');
    await assertExactlyOnce(alice, bob, conversation.id, stream.acked);
    assert.deepEqual([...alice.errors, ...bob.errors], [], 'no errors beyond reconnects');
    // The old runs left the view when they stopped; the new ones are in it.
    await waitUntil(
      async () => (await clusterStatus()).nodes.length === 3,
      settleMs,
      'three nodes in the view after the restarts',
    );
  });

  test('NATS restarted under load: the nodes reconnect and resume, nothing acknowledged is lost', async () => {
    const { alice, bob } = await people();
    await Promise.all([alice.start(), bob.start()]);
    const conversation = await bob.request('conversations.create', {
      body: { members: [`alice@${domain}`], name: 'nats' },
    });
    alice.follow(conversation.id);
    bob.follow(conversation.id);
    const stream = await chat('nats', alice, bob, conversation.id);
    await new Promise((r) => setTimeout(r, 1000));
    await nats.kill('SIGKILL');
    // Without its bus a node is not ready (the balancer stops sending it new connections).
    const probe = nodes[0] as ClusterNode;
    await waitUntil(
      async () => (await fetch(`${probe.url}/readyz`)).status === 503,
      settleMs,
      'readyz 503 without NATS',
    );
    await new Promise((r) => setTimeout(r, 1000));
    await nats.restart();
    for (const n of nodes) {
      await waitUntil(async () => (await fetch(`${n.url}/readyz`)).status === 200, 15_000, `${n.nodeId} ready again`);
    }
    await stream.resumed();
    await stream.stop();
    await assertExactlyOnce(alice, bob, conversation.id, stream.acked);
    assert.deepEqual([...alice.errors, ...bob.errors], [], 'no errors beyond retries');
    assert.ok(alice.resyncs >= 1 && bob.resyncs >= 1, 'the nodes told their sockets to catch up');
    // After the outage the cluster view is whole again.
    await waitUntil(async () => (await clusterStatus()).nodes.length === 3, settleMs, 'three nodes heartbeat again');
  });
}

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { assertOk, runCli, tempDir } from '../support/cli.js';
import {
  type ClusterNode,
  createTestDatabase,
  NATS_SERVER,
  type NatsServer,
  spawnNode,
  startNats,
  type TestDatabase,
} from '../support/cluster.js';
import { postgresAdmin, requirePeer } from '../support/interop.js';
import { type Dialog, SDP, SipPhone } from '../support/sip-phone.js';
import { notifyParts, SipWatcher } from '../support/sip-watcher.js';
import { probeBalancer, type SipBalancer, startSipBalancer } from './support/sip-balancer.js';
import { freeSipPort } from './support/sip-peers.js';

// Two real nodes of one cluster behind Kamailio running the shipped docs/deploy/kamailio-dispatcher.cfg.
// Phones register through the balancer and call each other, a watcher subscribes to presence
// through it; then the node holding one phone's registration is killed (SIGKILL): the phone's
// next REGISTER goes through the balancer to the other node within its registration interval,
// and it can be called again.

const pgSkipped = await requirePeer('PostgreSQL', () => postgresAdmin('select 1'));
const natsSkipped = await requirePeer('nats-server', async () => execFileSync(NATS_SERVER, ['--version']));
const kamailioSkipped = await requirePeer('Kamailio with dispatcher', probeBalancer);

if (!pgSkipped && !natsSkipped && !kamailioSkipped) {
  const domain = 'balanced.test';
  /** The phones' registration interval, s: they refresh at half of it, as many phones do. */
  const expires = 30;
  // The balancer hashes each user to a node: of these, at least one lands on another node than alice.
  const users = ['alice', 'bob', 'carol', 'dave'];
  let db: TestDatabase;
  let nats: NatsServer;
  let balancer: SipBalancer;
  const nodes: (ClusterNode & { sip: string })[] = [];
  const phones: SipPhone[] = [];
  const credentials: Record<string, { username: string; password: string }> = {};
  /** The node (`sip:HOST:PORT`) the balancer relayed the phone's last REGISTER to. */
  const nodeOf = (p: SipPhone) => balancer.relays('REGISTER', p.settings.aor).at(-1);
  /** alice, and a phone registered on the other node. */
  let pair: [SipPhone, SipPhone];

  before(async () => {
    db = await createTestDatabase();
    nats = await startNats();
    const cliData = tempDir('parley-balancer-cli-');
    const cli = async (args: string[], input?: string) => {
      const r = await runCli([...args, '--db', db.url], { env: { PARLEY_DATA: cliData }, input });
      assertOk(r);
      return r.stdout;
    };
    await cli(['tenant', 'add', domain]);
    const [started] = await Promise.all([
      Promise.all(
        ['sip-n1', 'sip-n2'].map(async (nodeId) => {
          const sipPort = await freeSipPort();
          const node = await spawnNode({
            nodeId,
            natsUrl: nats.url,
            dbUrl: db.url,
            env: {
              PARLEY_SIP_PORT: String(sipPort),
              PARLEY_SIP_TLS_ENABLED: 'false',
              PARLEY_SIP_REGISTRATION_MIN_EXPIRES: String(expires),
              // Every phone's request comes from the balancer's one address: it is trusted to name the phone's.
              PARLEY_SIP_TRUSTED_PROXIES: '127.0.0.1',
              PARLEY_SIP_LIMITS_MAX_TRANSACTIONS_PER_SOURCE: '100000',
            },
          });
          return Object.assign(node, { sip: `sip:127.0.0.1:${sipPort}` });
        }),
      ),
      (async () => {
        for (const local of users) {
          await cli(['user', 'add', `${local}@${domain}`, '--password-stdin'], `${local}-password-123`);
          credentials[local] = JSON.parse(await cli(['device', 'add', `${local}@${domain}`, '--json']));
        }
      })(),
    ]);
    nodes.push(...started);
    balancer = await startSipBalancer({
      nodes: nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.sip.split(':').at(-1)) })),
    });
    for (const local of users) {
      const c = credentials[local];
      assert.ok(c);
      const phone = await SipPhone.open({
        server: { host: '127.0.0.1', port: balancer.port },
        aor: `${local}@${domain}`,
        username: c.username,
        password: c.password,
      });
      phones.push(phone);
    }
  });

  after(async () => {
    for (const p of phones) p.close();
    await balancer?.stop();
    for (const n of nodes) await n.stop();
    await nats?.stop();
    await db?.drop();
  });

  const describe = () =>
    [
      `balancer:\n${balancer.logs.slice(-25).join('\n')}`,
      ...nodes.map((n) => `${n.nodeId}:\n${n.logs.slice(-10).join('\n')}`),
    ].join('\n');

  /** One call from `caller` to `callee`, answered, then hung up by `hangsUp`; each request passes the balancer. */
  const call = async (caller: SipPhone, callee: SipPhone, hangsUp: 'caller' | 'callee') => {
    const placed = caller.invite(callee.settings.aor);
    const invite = await callee.next('INVITE', 20_000);
    assert.match(
      invite.request.headers.find((h) => h.name === 'Record-Route')?.value ?? '',
      new RegExp(`127\\.0\\.0\\.1:${balancer.port}`),
      'the call reaches the phone through the balancer, which stays in its path',
    );
    const ok = invite.reply(200, 'OK', {
      headers: [{ name: 'Content-Type', value: 'application/sdp' }],
      body: SDP(41000),
    });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200, describe());
    assert.ok(dialog);
    assert.equal(dialog.routeSet.length, 1, `the caller’s dialog routes via the balancer, once: ${dialog.routeSet}`);
    assert.match(dialog.routeSet[0] ?? '', new RegExp(`:${balancer.port};`));
    await callee.next('ACK');
    const calleeDialog: Dialog = SipPhone.dialogOf(invite.request, ok.to.params.get('tag') ?? '');
    const [ender, other, d] = hangsUp === 'caller' ? [caller, callee, dialog] : [callee, caller, calleeDialog];
    const bye = ender.sendInDialog(d, 'BYE');
    (await other.next('BYE')).reply(200, 'OK');
    assert.equal((await bye).status, 200);
  };

  test('phones register through the balancer, each AoR on one node; two on different nodes call each other both ways', async () => {
    for (const p of phones) p.keepRegistered(expires);
    for (const p of phones) await p.until(() => p.registrations.find((r) => r.status === 200), 'registration', 30_000);
    for (const p of phones) {
      const relays = balancer.relays('REGISTER', p.settings.aor);
      assert.ok(relays.length > 0, describe());
      assert.equal(new Set(relays).size, 1, `${p.settings.aor}: its REGISTERs meet one node (${relays})`);
    }
    const [alice, ...others] = phones as [SipPhone, ...SipPhone[]];
    const other = others.find((p) => nodeOf(p) !== nodeOf(alice));
    assert.ok(other, `a user on another node than alice's: ${phones.map((p) => `${p.settings.aor} ${nodeOf(p)}`)}`);
    pair = [alice, other];
    await call(alice, other, 'caller');
    await call(other, alice, 'callee');
  });

  test('a watcher subscribes through the balancer: NOTIFYs come back through it, and the dialog ends through it', async () => {
    const [, other] = pair;
    const c = credentials.alice;
    assert.ok(c);
    const watcher = await SipWatcher.open(
      { host: '127.0.0.1', port: balancer.port },
      { user: 'alice', domain, username: c.username, password: c.password },
    );
    const target = `sip:${other.settings.aor}`;
    try {
      const { response, dialog } = await watcher.subscribe(target, 'presence');
      assert.equal(response.status, 200, describe());
      assert.ok(dialog);
      assert.ok(
        (dialog.route ?? []).some((r) => r.includes(`:${balancer.port}`)),
        'the subscription routes via the balancer',
      );
      const first = await watcher.nextNotify((n) => n.callId === dialog.callId);
      assert.equal(first.via[0]?.port, balancer.port, 'the NOTIFY came through the balancer');
      assert.match(notifyParts(first).state, /^active/);
      assert.equal((await watcher.resubscribe(dialog, 0, target)).status, 200);
      await watcher.nextNotify((n) => n.callId === dialog.callId && notifyParts(n).state.startsWith('terminated'));
    } finally {
      watcher.close();
    }
  });

  test('kill -9 the node holding a registration: the phone re-registers through the balancer within its interval and is called again', async (t) => {
    // `other`: the phone the hash put on the other node than alice's.
    const [alice, other] = pair;
    const held = nodeOf(other);
    const victim = nodes.find((n) => n.sip === held);
    const survivor = nodes.find((n) => n !== victim);
    assert.ok(victim && survivor, `the other phone's node ${held} is one of ${nodes.map((n) => n.sip)}`);
    // Killed just after its refresh, so the calls below come before the next one (half its interval on).
    const refreshes = other.registrations.length;
    await other.until(() => (other.registrations.length > refreshes ? true : undefined), 'a refresh', expires * 1000);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    // At once, before it re-registers: its call goes to the surviving node (the balancer's probe or
    // its failover on the unanswered INVITE takes the dead one out), and a call to it still
    // reaches it, by the Path its binding holds.
    await call(other, alice, 'caller');
    await call(alice, other, 'caller');
    assert.ok(
      other.registrations.every((r) => r.at <= killedAt),
      `the phone was called on the registration the dead node wrote (the calls took ${Date.now() - killedAt} ms)`,
    );
    const again = await other.until(
      () => other.registrations.find((r) => r.at > killedAt && r.status === 200),
      'registration after the kill',
      90_000,
    );
    const took = again.at - killedAt;
    assert.ok(took < expires * 1000, `re-registered ${took} ms after the kill, within ${expires} s`);
    assert.equal(nodeOf(other), survivor.sip, describe());
    await call(alice, other, 'callee');
    await call(other, alice, 'caller');
    const failovers = balancer.logs.filter((l) => / failed for /.test(l));
    t.diagnostic(
      `re-registered ${took} ms after the kill; ${failovers.length ? `failover: ${failovers.join('; ')}` : 'the probe took the dead node out before any request met it'}`,
    );
  });
}

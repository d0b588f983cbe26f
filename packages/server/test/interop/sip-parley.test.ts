// The sipp scenarios proven against Kamailio (sip-kamailio.test.ts) aimed at a running Parley:
// registrar with digest, calls through the B2BUA, MESSAGE both ways, PUBLISH and SUBSCRIBE; then
// bad input over the wire (RFC 4475, oversized and truncated datagrams, garbage on TCP, a flood)
// and SIPVicious (svwar, svcrack) against it.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { Call } from '../../src/core/calls/model.js';
import { runProcess } from '../support/cli.js';
import { removeTemp, tempDir, waitUntil } from '../support/cluster.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  freeSipPort,
  loggedChallenges,
  logValue,
  probeBinary,
  probeSipp,
  registerAnswering,
  runSipp,
  type SipAccount,
  type SippOptions,
  type SippResult,
  startSippUas,
} from './support/sip-peers.js';

const DOMAIN = 'example.test';
const SVWAR = process.env.PARLEY_TEST_SVWAR ?? 'svwar';
const SVCRACK = process.env.PARLEY_TEST_SVCRACK ?? 'svcrack';

const ok = (r: SippResult) =>
  assert.equal(r.code, 0, `sipp exit ${r.code}\n${r.errors}\n${r.output.split('\n').slice(-30).join('\n')}`);

/** A log that keeps its JSON lines (warn and above), for assertions on what Parley logged. */
function capturedLog() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** Creates `local@domain` with one device; the account registers as `local` with the device's digest. */
type Account = SipAccount & { userId: string; tenantId: string; api: Awaited<ReturnType<TestServer['user']>>['api'] };

async function account(t: TestServer, address: string, peer?: string): Promise<Account> {
  const u = await t.user(address);
  const { device, password } = await t.core.devices.create(u.tenantId, u.userId, { name: 'sipp' });
  const user = address.split('@')[0] as string;
  return {
    user,
    authUser: device.username,
    password,
    userId: u.userId,
    tenantId: u.tenantId,
    api: u.api,
    ...(peer && { peer }),
  };
}

const sipPort = (t: TestServer) => {
  const listener = t.listeners.find((l) => l.name === 'sip-udp');
  assert.ok(listener, 'no sip-udp listener');
  return listener.port;
};

const FIXTURES = new URL('../fixtures/sip/', import.meta.url);

const callIdOf = (message: string) => /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(message)?.[1];

/** A request from `port` (rport: answers come back to it), with `body` and its (or a false) Content-Length. */
function request(method: string, port: number, callId: string, body = '', length = Buffer.byteLength(body)): string {
  return [
    `${method} sip:bob@${DOMAIN} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK-${callId}`,
    `From: <sip:probe@${DOMAIN}>;tag=${callId}`,
    `To: <sip:bob@${DOMAIN}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:probe@127.0.0.1:${port}>`,
    'Max-Forwards: 70',
    ...(body ? ['Content-Type: text/plain'] : []),
    `Content-Length: ${length}`,
    '',
    body,
  ].join('\r\n');
}

/** The ACK of a final non-2xx response to one of our INVITEs (RFC 3261 §17.1.1.3). */
function ackFor(response: string): string {
  const header = (name: string) => new RegExp(`^${name}:.*$`, 'im').exec(response)?.[0] ?? '';
  return [
    `ACK sip:bob@${DOMAIN} SIP/2.0`,
    header('Via'),
    header('From'),
    header('To'),
    header('Call-ID'),
    'CSeq: 1 ACK',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const skip = await requirePeer('sipp', probeSipp);

describe('sipp against Parley', { skip }, () => {
  let t: TestServer;
  let target: string;
  let alice: Account;
  let bob: Account;
  let carol: Account;
  let staleRun: Promise<SippResult>;
  let staleServer: TestServer | undefined;
  const logged = capturedLog();
  const events: { type: string; call: Call }[] = [];
  const sipp = (o: Omit<SippOptions, 'target' | 'domain'>) => runSipp({ target, domain: DOMAIN, ...o });

  before(async () => {
    t = await startTestServer({ 'sip.limits.maxMessageBytes': 4096 }, { log: logged.log });
    target = `127.0.0.1:${sipPort(t)}`;
    alice = await account(t, `alice@${DOMAIN}`, 'bob');
    bob = await account(t, `bob@${DOMAIN}`, 'alice');
    carol = await account(t, `carol@${DOMAIN}`, 'alice');
    for (const type of ['call.originated', 'call.established', 'call.failed', 'call.cleared'] as const) {
      t.core.ctx.bus.subscribe(type, (e) => {
        if (e.userId === alice.userId) events.push({ type, call: e.call });
      });
    }
    // A nonce lives 10 s at least: this run waits that out while the other tests go on.
    staleServer = await startTestServer({ 'sip.nonceSeconds': 10 });
    const dave = await account(staleServer, `dave@${DOMAIN}`);
    staleRun = runSipp({
      target: `127.0.0.1:${sipPort(staleServer)}`,
      domain: DOMAIN,
      scenario: 'register-stale.xml',
      accounts: [dave],
      pauseMs: 11_000,
    });
    staleRun.catch(() => undefined);
  });
  after(async () => {
    await staleRun?.catch(() => undefined);
    await staleServer?.stop();
    await t?.stop();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    test(`REGISTER with MD5 digest over ${transport}`, async () => {
      const r = await sipp({ scenario: 'register.xml', accounts: [alice], transport });
      ok(r);
      assert.equal(r.successful, 1);
      const bindings = await t.core.registrations.of(alice.tenantId, alice.userId);
      assert.ok(bindings.some((b) => b.flow?.transport.toLowerCase() === transport));
    });
  }

  test('a wrong password gets a new challenge (401), never 200', async () => {
    const r = await sipp({ scenario: 'register-wrong-password.xml', accounts: [{ ...alice, password: 'nope' }] });
    ok(r);
    assert.match(logValue(r, 'refused') ?? '', /^40[13]$/);
    const accepted = await sipp({ scenario: 'register-wrong-password.xml', accounts: [alice], timeoutMs: 5000 });
    assert.notEqual(accepted.code, 0, 'the scenario fails when the right password is accepted');
  });

  test('unregister removes the contact', async () => {
    const r = await sipp({ scenario: 'unregister.xml', accounts: [carol] });
    ok(r);
    assert.doesNotMatch(logValue(r, 'contacts-after') ?? '', /carol@/);
    assert.deepEqual(await t.core.registrations.of(carol.tenantId, carol.userId), []);
  });

  test('an answer to an expired nonce gets 401 with stale=true, the next one 200', async () => {
    const r = await staleRun;
    ok(r);
    assert.match(logValue(r, 'stale') ?? '', /true/i);
  });

  /** Bob's phone runs `uas`, alice runs `uac` towards it through Parley; both must pass. Bob's result. */
  async function toBob(uas: string, uac: string, caller: SipAccount = alice): Promise<SippResult> {
    const phone = await startSippUas({ scenario: uas, target, domain: DOMAIN, account: bob });
    const call = await sipp({ scenario: uac, accounts: [caller] });
    if (call.code !== 0) await phone.stop();
    ok(call);
    const received = await phone.result;
    ok(received);
    return received;
  }

  const seen = (type: string) => () => (events.some((e) => e.type === type) ? true : undefined);

  test('INVITE through the B2BUA: 180, 200, ACK, BYE; the core saw the call', async () => {
    events.length = 0;
    await toBob('uas-answer.xml', 'uac-call.xml');
    await waitUntil(seen('call.cleared'), 60_000, () => `events: ${events.map((e) => e.type)}`);
    assert.deepEqual(
      events.map((e) => e.type).filter((e) => e !== 'call.cleared'),
      ['call.originated', 'call.established'],
    );
    const established = events.find((e) => e.type === 'call.established')?.call;
    assert.ok(established?.connections.some((c) => c?.party.userId === bob.userId && c.state === 'connected'));
  });

  test("a call to bob's line number reaches his phone", async () => {
    events.length = 0;
    await t.core.lines.add(bob.tenantId, { number: '202', userId: bob.userId });
    await toBob('uas-answer.xml', 'uac-call.xml', { ...alice, peer: '202' });
    await waitUntil(seen('call.cleared'), 60_000, () => `events: ${events.map((e) => e.type)}`);
    const established = events.find((e) => e.type === 'call.established')?.call;
    const answered = established?.connections.find((c) => c?.party.userId === bob.userId);
    assert.equal(answered?.party.lineNumber, '202');
  });

  test('INVITE cancelled while ringing: 200 to CANCEL, 487 to INVITE', async () => {
    events.length = 0;
    await toBob('uas-ring.xml', 'uac-cancel.xml');
    await waitUntil(
      () => seen('call.cleared')() ?? seen('call.failed')(),
      60_000,
      () => `events: ${events.map((e) => e.type)}`,
    );
    assert.ok(!events.some((e) => e.type === 'call.established'));
  });

  test('MESSAGE from a phone lands in the 1:1 conversation the web app shows', async () => {
    ok(await sipp({ scenario: 'message.xml', accounts: [alice], keys: { text: 'hello-from-sipp' } }));
    const { conversations } = await bob.api.request('conversations.list', { query: {} });
    const direct = conversations.find((c) => c.kind === 'direct');
    assert.ok(direct, 'the 1:1 was created');
    const { messages } = await bob.api.request('messages.list', { params: { id: direct.id }, query: {} });
    assert.deepEqual(
      // sipp ends the body with CRLF; Parley keeps the text as sent.
      messages.map((m) => [m.sender, m.text]),
      [[`alice@${DOMAIN}`, 'hello-from-sipp\r\n']],
    );
  });

  test("a message sent with the HTTP API reaches the other's registered phone as MESSAGE", async () => {
    const phone = await startSippUas({ scenario: 'uas-message.xml', target, domain: DOMAIN, account: bob });
    const { id } = await alice.api.request('conversations.create', { body: { members: [`bob@${DOMAIN}`] } });
    await alice.api.request('messages.send', { params: { id }, body: { text: 'hello-from-web', clientId: 'w1' } });
    const received = await phone.result;
    ok(received);
    assert.equal(logValue(received, 'message'), 'hello-from-web');
  });

  test('PUBLISH gets 200 and a SIP-ETag; a presence SUBSCRIBE gets a NOTIFY with PIDF', async () => {
    const pub = await sipp({ scenario: 'publish.xml', accounts: [alice], keys: { basic: 'open', note: 'at-lunch' } });
    ok(pub);
    assert.match(logValue(pub, 'etag') ?? '', /SIP-ETag: \S+/);
    const sub = await sipp({ scenario: 'subscribe-presence.xml', accounts: [bob] });
    ok(sub);
    assert.match(sub.log, /Content-Type: application\/pidf\+xml/i);
    assert.match(sub.log, /<basic>open<\/basic>/);
    assert.match(sub.log, /at-lunch/, 'the published note reaches the watcher');
  });

  test('a dialog (BLF) SUBSCRIBE gets a NOTIFY with dialog-info', async () => {
    const r = await sipp({ scenario: 'subscribe-dialog.xml', accounts: [carol] });
    ok(r);
    assert.match(r.log, /^notify=NOTIFY /m);
    assert.match(r.log, /Content-Type: application\/dialog-info\+xml/i);
    assert.match(r.log, /<dialog-info /);
  });

  /* --------------------------------------------------------------------------------------------
   * Bad input over the wire
   * ------------------------------------------------------------------------------------------ */

  /** A loopback UDP socket that keeps the responses it receives. */
  /** A raw UDP client; `address` is its own loopback address (another machine, as Parley sees it). */
  async function udpClient(address = '127.0.0.1') {
    const socket = createSocket('udp4');
    const received: string[] = [];
    socket.on('message', (m) => received.push(m.toString('latin1')));
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    const port = socket.address().port;
    const send = (bytes: Buffer | string) =>
      new Promise<void>((resolve, reject) =>
        socket.send(bytes, sipPort(t), '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
    const answersTo = (callId: string) => received.filter((r) => callIdOf(r) === callId);
    /** Sends an OPTIONS and waits for its answer: Parley is up and has read what came before. */
    const alive = async (callId: string) => {
      await send(request('OPTIONS', port, callId));
      await waitUntil(
        () => answersTo(callId).length > 0 || undefined,
        60_000,
        () => `no answer to ${callId}`,
      );
    };
    return { socket, received, port, send, answersTo, alive };
  }

  const rfc4475 = JSON.parse(readFileSync(new URL('rfc4475/manifest.json', FIXTURES), 'utf8')) as {
    name: string;
    verdict: string;
    file?: string;
    wire_file?: string;
  }[];

  test('every RFC 4475 torture message over UDP: valid requests answered, invalid ones 400/505 or nothing, Parley stays up', async () => {
    const c = await udpClient();
    try {
      const verdicts = new Map<string, { verdict: string; isRequest: boolean }>();
      for (const entry of rfc4475) {
        const bytes = readFileSync(new URL(`rfc4475/${entry.file ?? entry.wire_file}`, FIXTURES));
        const text = bytes.toString('latin1');
        const callId = callIdOf(text);
        if (callId) verdicts.set(callId, { verdict: entry.verdict, isRequest: !text.startsWith('SIP/') });
        await c.send(bytes);
      }
      await c.alive('alive-after-rfc4475');
      for (const [callId, { verdict, isRequest }] of verdicts) {
        const answers = c.answersTo(callId);
        if (verdict === 'accept' && isRequest) assert.ok(answers.length > 0, `no answer to the valid ${callId}`);
        // 505 to a SIP version other than 2.0 (RFC 4475 §3.3.15).
        if (verdict === 'reject')
          for (const r of answers) assert.match(r, /^SIP\/2\.0 (400|505) /, `to ${callId}: ${r}`);
      }
      assert.deepEqual(
        logged.lines.filter((l) => l.level >= 50),
        [],
      );
    } finally {
      c.socket.close();
    }
  });

  test('an oversized datagram gets 513 or nothing, a truncated one 400', async () => {
    const c = await udpClient();
    try {
      await c.send(request('OPTIONS', c.port, 'big-1', 'x'.repeat(5000)));
      await c.send(request('OPTIONS', c.port, 'cut-1', 'short', 100));
      await c.alive('alive-after-bad-datagrams');
      for (const r of c.answersTo('big-1')) assert.match(r, /^SIP\/2\.0 513 /);
      // RFC 3261 §18.3: a datagram shorter than its Content-Length is answered 400.
      assert.deepEqual(
        c.answersTo('cut-1').map((r) => r.slice(0, 12)),
        ['SIP/2.0 400 '],
      );
    } finally {
      c.socket.close();
    }
  });

  for (const [what, head] of [
    ['a garbage head', 'HELLO THERE\r\nnot a header\r\n\r\n'],
    ['an oversized head', `OPTIONS sip:${DOMAIN} SIP/2.0\r\nX-Long: ${'x'.repeat(8000)}`],
  ] as const) {
    test(`a TCP stream with ${what} is closed`, async () => {
      const socket = connect(sipPort(t), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      const closed = once(socket, 'close');
      await once(socket, 'connect');
      socket.write(head);
      await Promise.race([
        closed,
        waitUntil(
          () => undefined,
          60_000,
          () => `the connection with ${what} stays open`,
        ),
      ]);
      socket.destroy();
    });
  }

  test('a flood of INVITEs from one source: a phone elsewhere keeps registering', async () => {
    // The flood comes from 127.0.0.2, the phone from 127.0.0.1: two places, as Parley sees them.
    const c = await udpClient('127.0.0.2');
    // Every challenge is acknowledged, as a caller would, so no 407 is retransmitted for long.
    c.socket.on('message', (m) => {
      const response = m.toString('latin1');
      if (/^SIP\/2\.0 [3-6]\d\d /.test(response)) void c.send(ackFor(response)).catch(() => undefined);
    });
    try {
      // INVITEs go out back to back for as long as the phone registers (3000 at most).
      let registering = true;
      let sent = 0;
      const sending = (async () => {
        while (registering && sent < 3000) {
          await c.send(request('INVITE', c.port, `flood-${sent++}`));
          if (sent % 50 === 0) await new Promise(setImmediate);
        }
      })();
      const r = await sipp({ scenario: 'register.xml', accounts: [carol], calls: 10, rate: 20 });
      registering = false;
      await sending;
      ok(r);
      assert.equal(r.successful, 10);
      await c.alive('alive-after-flood');
      const answers = c.received.filter((m) => callIdOf(m)?.startsWith('flood-'));
      assert.ok(answers.length > 0, 'the flood was answered');
      // Challenged (or refused for load), never let through.
      for (const status of new Set(answers.map((m) => m.slice(8, 11)))) assert.match(status, /^(100|407|503)$/);
    } finally {
      c.socket.close();
    }
  });
});

describe('SHA-256 digest (RFC 8760) against Parley', { skip }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'sip.digestAlgorithms': ['SHA-256', 'MD5'] });
  });
  after(() => t?.stop());

  test('both challenges offered, SHA-256 first; the response computed here gets 200, a wrong one not', async () => {
    const erin = await account(t, `erin@${DOMAIN}`);
    const target = { target: `127.0.0.1:${sipPort(t)}`, domain: DOMAIN };
    const challenge = await runSipp({ ...target, accounts: [erin], scenario: 'register-challenge.xml' });
    ok(challenge);
    const offered = loggedChallenges(challenge);
    assert.deepEqual(
      offered.map((c) => /algorithm="?([\w-]+)/i.exec(c)?.[1]),
      ['SHA-256', 'MD5'],
    );
    const sha = offered[0] ?? '';
    ok(await registerAnswering(target, sha, erin));
    assert.equal((await t.core.registrations.of(erin.tenantId, erin.userId)).length, 1);
    const refused = await registerAnswering({ ...target, timeoutMs: 5000 }, sha, { ...erin, password: 'nope' });
    assert.notEqual(refused.code, 0);
  });
});

const noSipvicious = skip ?? (await requirePeer('sipvicious', () => probeBinary(SVWAR, ['--version'])));

describe('SIPVicious against Parley', {
  skip: noSipvicious /* why: sipvicious is not installed; PARLEY_REQUIRE_INTEROP=1 fails instead */,
}, () => {
  // svwar and svcrack address sip:EXTENSION@<the target's IP>: the tenant's domain is 127.0.0.1.
  const domain = '127.0.0.1';
  let t: TestServer;
  let home: string;
  let owner: { userId: string; tenantId: string };
  const logged = capturedLog();
  before(async () => {
    // A lock-out outlasts the test, whatever the machine's speed.
    t = await startTestServer({ 'auth.throttle.baseDelaySeconds': 300 }, { log: logged.log });
    home = tempDir('parley-sipvicious-');
    const tenant = await t.core.tenants.create({ domain });
    const { user } = await t.core.users.create(tenant.id, { local: 'alice', domain, role: 'user', password: 'pw-a' });
    owner = { userId: user.id, tenantId: tenant.id };
    await t.core.lines.add(tenant.id, { number: '201', userId: user.id });
  });
  after(async () => {
    await t?.stop();
    if (home) removeTemp(home);
  });

  /** Runs a SIPVicious tool from a free local port; its output (stdout and stderr). */
  async function sipvicious(bin: string, args: string[]): Promise<string> {
    const local = await freeSipPort();
    const r = await runProcess(bin, [...args, '-P', String(local), '-p', String(sipPort(t)), domain], {
      cwd: home,
      env: { ...process.env, HOME: home },
      timeoutMs: 60_000,
      what: bin,
    });
    return r.stdout + r.stderr;
  }

  for (const method of ['REGISTER', 'INVITE'] as const) {
    test(`svwar (${method}) finds no extension: existing and missing ones get the same challenge`, async () => {
      const out = await sipvicious(SVWAR, ['-e', '199-203', '-m', method]);
      assert.match(out, /authentication request for an unknown extension/);
      assert.match(out, /found nothing/);
      const forced = await sipvicious(SVWAR, ['-e', '199-203', '-m', method, '--force']);
      assert.doesNotMatch(forced, /\|\s*(199|200|201|202|203)\s*\|/, forced);
    });
  }

  test('svcrack: guesses are throttled (the right password comes too late) and logged', async () => {
    const { device, password } = await t.core.devices.create(owner.tenantId, owner.userId, { name: 'desk' });
    writeFileSync(join(home, 'right'), `${password}\n`);
    writeFileSync(
      join(home, 'guesses'),
      `${['123456', 'password', 'alice', '1234', 'qwerty', 'secret', password].join('\n')}\n`,
    );
    // svcrack itself works: the right password alone is found.
    const alone = await sipvicious(SVCRACK, ['-u', device.username, '-e', 'alice', '-d', join(home, 'right')]);
    assert.match(alone, new RegExp(`\\|\\s*${device.username}\\s*\\|\\s*${password}\\s*\\|`));
    const guessed = await sipvicious(SVCRACK, ['-u', device.username, '-e', 'alice', '-d', join(home, 'guesses')]);
    assert.doesNotMatch(guessed, new RegExp(password), guessed);
    assert.match(guessed, /found nothing/);
    const throttled = logged.lines.filter((l) => l.msg === 'login throttled: too many failures');
    assert.equal(throttled.length, 1, JSON.stringify(logged.lines));
    assert.equal(throttled[0]?.protocol, 'sip');
    // The right password from the same address is refused (403) while the lock-out lasts.
    const r = await runSipp({
      target: `127.0.0.1:${sipPort(t)}`,
      domain,
      scenario: 'register-wrong-password.xml',
      accounts: [{ user: 'alice', authUser: device.username, password }],
    });
    ok(r);
    assert.equal(logValue(r, 'refused'), '403');
  });
});

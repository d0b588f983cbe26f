// The sipp scenarios of test/interop/sip/ against a real Kamailio (registrar, proxy, SIMPLE): each
// scenario is proven here against a server that does what the RFCs say, so the same scenarios can
// be aimed at Parley, and this Kamailio can play "another company's SIP server".
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { requirePeer } from '../support/interop.js';
import { probeLinphone, startLinphone } from './support/linphone.js';
import {
  type Kamailio,
  loggedChallenges,
  logValue,
  optionsRequest,
  probeSippKamailio,
  registerAnswering,
  runSipp,
  type SipAccount,
  type SippOptions,
  type SippResult,
  startKamailio,
  startSippUas,
} from './support/sip-peers.js';

const alice: SipAccount = { user: 'alice', password: 'alice-secret', peer: 'bob' };
const bob: SipAccount = { user: 'bob', password: 'bob-secret', peer: 'alice' };
const carol: SipAccount = { user: 'carol', password: 'carol-secret', peer: 'alice' };

const ok = (r: SippResult) =>
  assert.equal(r.code, 0, `sipp exit ${r.code}\n${r.errors}\n${r.output.split('\n').slice(-30).join('\n')}`);

const skip = await requirePeer('sipp + Kamailio', probeSippKamailio);

describe('sipp scenarios against Kamailio', { skip }, () => {
  let kam: Kamailio;
  const sipp = (o: Omit<SippOptions, 'target' | 'domain'>) => runSipp({ target: kam.target, domain: kam.domain, ...o });

  before(async () => {
    kam = await startKamailio({ users: [alice, bob, carol], nonceExpire: 1 });
  });
  after(() => kam?.stop());

  for (const transport of ['udp', 'tcp'] as const) {
    test(`REGISTER with MD5 digest over ${transport}`, async () => {
      const r = await sipp({ scenario: 'register.xml', accounts: [alice], transport });
      ok(r);
      assert.equal(r.successful, 1);
      assert.equal(r.responseTimes.length, 1);
    });
  }

  test('a wrong password gets a new challenge (401), never 200', async () => {
    const r = await sipp({ scenario: 'register-wrong-password.xml', accounts: [{ ...alice, password: 'nope' }] });
    ok(r);
    assert.equal(logValue(r, 'refused'), '401');
    // The scenario itself fails when the server accepts the wrong password.
    const accepted = await sipp({ scenario: 'register-wrong-password.xml', accounts: [alice], timeoutMs: 5000 });
    assert.notEqual(accepted.code, 0);
  });

  test('an answer to an expired nonce gets 401 with stale=true, the next one 200', async () => {
    const r = await sipp({ scenario: 'register-stale.xml', accounts: [alice], pauseMs: 2500 });
    ok(r);
    assert.match(logValue(r, 'stale') ?? '', /true/i);
  });

  test('unregister removes the contact', async () => {
    const r = await sipp({ scenario: 'unregister.xml', accounts: [carol] });
    ok(r);
    assert.doesNotMatch(logValue(r, 'contacts-after') ?? '', /carol@/);
  });

  /** Bob's phone runs `uas`, alice runs `uac` towards it; both must pass. Bob's result. */
  async function toBob(uas: string, uac: string, keys?: Record<string, string>): Promise<SippResult> {
    const phone = await startSippUas({ scenario: uas, target: kam.target, domain: kam.domain, account: bob });
    ok(await sipp({ scenario: uac, accounts: [alice], ...(keys && { keys }) }));
    const received = await phone.result;
    ok(received);
    return received;
  }

  test('INVITE through the proxy with Record-Route, answered, BYE', async () => {
    await toBob('uas-answer.xml', 'uac-call.xml');
  });

  test('INVITE cancelled while ringing: 200 to CANCEL, 487 to INVITE', async () => {
    await toBob('uas-ring.xml', 'uac-cancel.xml');
  });

  test('MESSAGE reaches the registered phone', async () => {
    const received = await toBob('uas-message.xml', 'message.xml', { text: 'hello-bob' });
    assert.equal(logValue(received, 'message'), 'hello-bob');
  });

  test('PUBLISH, then a presence SUBSCRIBE gets a NOTIFY with what was published', async () => {
    const pub = await sipp({
      scenario: 'publish.xml',
      accounts: [alice],
      keys: { basic: 'open', note: 'on-the-phone' },
    });
    ok(pub);
    assert.match(logValue(pub, 'etag') ?? '', /SIP-ETag: \S+/);
    const sub = await sipp({ scenario: 'subscribe-presence.xml', accounts: [bob] });
    ok(sub);
    assert.match(sub.log, /Content-Type: application\/pidf\+xml/i);
    assert.match(sub.log, /<basic>open<\/basic>/);
    assert.match(sub.log, /<note>on-the-phone<\/note>/);
  });

  test('a dialog (BLF) SUBSCRIBE gets a NOTIFY', async () => {
    const r = await sipp({ scenario: 'subscribe-dialog.xml', accounts: [carol] });
    ok(r);
    assert.match(r.log, /^notify=NOTIFY /m);
    assert.match(r.log, /Event: dialog/i);
  });
});

describe('SHA-256 digest (RFC 8760) against Kamailio', { skip }, () => {
  let kam: Kamailio;
  before(async () => {
    kam = await startKamailio({ users: [alice], algorithm: 'SHA-256' });
  });
  after(() => kam?.stop());

  test('sipp takes the challenge, the response is computed here, REGISTER gets 200', async () => {
    const target = { target: kam.target, domain: kam.domain };
    const challenge = await runSipp({ ...target, accounts: [alice], scenario: 'register-challenge.xml' });
    ok(challenge);
    const offered = loggedChallenges(challenge);
    const sha = offered.find((c) => /algorithm="?SHA-256/i.test(c));
    assert.ok(sha, `no SHA-256 challenge in ${offered.join(' | ')}`);
    ok(await registerAnswering(target, sha, alice));
    const refused = await registerAnswering({ ...target, timeoutMs: 5000 }, sha, { ...alice, password: 'nope' });
    assert.notEqual(refused.code, 0);
  });
});

const noLinphone = skip ?? (await requirePeer('linphone-daemon', probeLinphone));

describe('linphone against Kamailio', {
  skip: noLinphone /* why: linphone-daemon is not installed; PARLEY_REQUIRE_INTEROP=1 fails instead */,
}, () => {
  for (const algorithm of ['SHA-256', 'MD5'] as const) {
    test(`linphone registers when challenged with ${algorithm} only`, async () => {
      const kam = await startKamailio({ users: [alice], algorithm });
      const phone = await startLinphone({ account: alice, domain: kam.domain, registrar: kam.target });
      try {
        await phone.register();
      } finally {
        await phone.stop();
        await kam.stop();
      }
    });
  }

  test('linphone with a wrong password is not registered', async () => {
    const kam = await startKamailio({ users: [alice], algorithm: 'SHA-256' });
    const phone = await startLinphone({
      account: { ...alice, password: 'nope' },
      domain: kam.domain,
      registrar: kam.target,
    });
    try {
      await assert.rejects(phone.register(), /LinphoneRegistrationFailed/);
    } finally {
      await phone.stop();
      await kam.stop();
    }
  });
});

describe('Kamailio over TLS and WebSocket', { skip }, () => {
  test('its TLS port presents the throwaway certificate and answers SIP; its WebSocket takes the sip subprotocol', async () => {
    const kam = await startKamailio({ users: [alice], tls: true, websocket: true });
    try {
      const socket = tls.connect({ host: '127.0.0.1', port: kam.tlsPort ?? 0, ca: kam.ca, servername: 'localhost' });
      await once(socket, 'secureConnect');
      assert.equal(socket.authorized, true);
      const options = optionsRequest(kam.domain, 'SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls-1', 'tls-options-1');
      socket.write(options);
      const [reply] = (await once(socket.setEncoding('utf8'), 'data')) as [string];
      assert.match(reply, /^SIP\/2\.0 \d{3} /);
      socket.destroy();
      const ws = new WebSocket(`ws://127.0.0.1:${kam.wsPort}/`, 'sip');
      await once(ws, 'open');
      assert.equal(ws.protocol, 'sip');
      ws.close();
    } finally {
      await kam.stop();
    }
  });
});

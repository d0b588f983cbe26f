// Call control on desk phones played by sipp, one kind each: AnswerCall on a phone answered by the
// BroadSoft talk event (REST and CSTA), on a phone that offers uaCSTA (ECMA TR/87: Parley opens a
// CSTA session with an INVITE and sends AnswerCall in an INFO), and on a plain phone (the request
// fails with the reason, never silently); and a BLF key's pickup with Replaces (RFC 3891) from the
// ids dialog-info showed. The caller is an in-process phone; the phones under test are sipp.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CstaClient, startSession } from '../support/csta.js';
import { assertError, call } from '../support/http.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually, phoneFor, SDP, type SipPhone } from '../support/sip-phone.js';
import { SipWatcher } from '../support/sip-watcher.js';
import { logValue, probeSipp, runSipp, type SipAccount, type SippResult, startSippUas } from './support/sip-peers.js';

const DOMAIN = 'example.test';
const ED4 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed4';
const TRANSCRIPT = new URL('../transcripts/uacsta/answer-call.txt', import.meta.url);

const ok = (r: SippResult) =>
  assert.equal(r.code, 0, `sipp exit ${r.code}\n${r.errors}\n${r.output.split('\n').slice(-30).join('\n')}`);

const skip = await requirePeer('sipp', probeSipp);

describe('call control on sipp desk phones: AnswerCall (talk event, uaCSTA, neither), pickup by Replaces', {
  skip,
}, () => {
  let t: TestServer;
  let target: string;
  let alice: SipPhone & { userId: string; tenantId: string };
  const people: Record<string, Awaited<ReturnType<TestServer['user']>> & { account: SipAccount }> = {};

  before(async () => {
    t = await startTestServer();
    const udp = t.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(udp);
    target = `${udp.host}:${udp.port}`;
    const a = await t.user(`alice@${DOMAIN}`);
    await t.core.lines.add(a.tenantId, { number: '201', userId: a.userId });
    alice = await phoneFor(t, `alice@${DOMAIN}`, 'udp', a);
    assert.equal((await alice.register(600)).status, 200);
    for (const [name, number] of [
      ['bob', '202'],
      ['carol', '203'],
      ['dave', '204'],
      ['frank', '205'],
      ['erin', '206'],
    ] as const) {
      const u = await t.user(`${name}@${DOMAIN}`, { password: `${name} password` });
      await t.core.lines.add(u.tenantId, { number, userId: u.userId });
      const { device, password } = await t.core.devices.create(u.tenantId, u.userId, { name: 'desk phone' });
      people[name] = { ...u, account: { user: name, authUser: device.username, password } };
    }
  });
  after(async () => {
    alice?.close();
    await t?.stop();
  });

  const person = (name: string) => {
    const p = people[name];
    assert.ok(p);
    return p;
  };
  const live = (name: string) => {
    const p = person(name);
    return t.core.control.calls({ tenantId: p.tenantId, userId: p.userId, scope: 'user' });
  };
  /** Alice calls `number`; resolves once it rings at `name`'s phone (the core's call) with alice's INVITE. */
  const ringAt = async (name: string, number: string) => {
    const placed = alice.invite(`${number}@${DOMAIN}`);
    const ringing = await eventually(
      () =>
        live(name).find((c) =>
          c.connections.some((x) => x.party.userId === person(name).userId && x.state === 'alerting'),
        ),
      `ringing at ${name}`,
    );
    return { placed, ringing };
  };
  const answer = (name: string, ringing: { id: string }) =>
    call(t.url, 'POST', `/api/v1/calls/${ringing.id}/answer`, { token: person(name).token, body: {} });
  const cstaLogin = async (name: string) => {
    const port = t.listeners.find((l) => l.name === 'csta')?.port;
    assert.ok(port, 'no csta listener');
    const client = await CstaClient.open(port, 'header');
    const r = await client.ask(startSession(`${name}@${DOMAIN}`, `${name} password`));
    assert.equal(r.root.name, 'StartApplicationSessionPosResponse', r.xml);
    return client;
  };
  const cstaAnswer = (callId: string, device: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><AnswerCall xmlns="${ED4}"><callToBeAnswered><callID>${callId}</callID><deviceID>${device}</deviceID></callToBeAnswered></AnswerCall>`;

  /** Alice's call answered by the phone: she hangs up. */
  const hangUp = async (placed: ReturnType<SipPhone['invite']>, name: string) => {
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.ok(dialog);
    assert.equal((await alice.sendInDialog(dialog, 'BYE')).status, 200);
    await eventually(() => (live(name).length === 0 ? true : undefined), `no calls at ${name}`);
  };

  test('a phone with the talk event: AnswerCall by REST and by CSTA sends NOTIFY talk, the phone answers', async () => {
    const phone = await startSippUas({
      scenario: 'uas-talk.xml',
      target,
      domain: DOMAIN,
      account: person('bob').account,
      calls: 2,
      register: { scenario: 'register-features.xml', keys: { events: 'talk, hold', accept: 'application/sdp' } },
    });
    try {
      const first = await ringAt('bob', '202');
      const r = await answer('bob', first.ringing);
      assert.ok(r.status < 300, `answer: ${r.status} ${r.text}`);
      await hangUp(first.placed, 'bob');

      const csta = await cstaLogin('bob');
      const second = await ringAt('bob', '202');
      const answered = await csta.ask(cstaAnswer(second.ringing.id, '202'));
      assert.equal(answered.root.name, 'AnswerCallResponse', answered.xml);
      await hangUp(second.placed, 'bob');
      csta.close();
      const result = await phone.result;
      ok(result);
      assert.match(logValue(result, 'notify') ?? '', /Event: talk/);
    } finally {
      await phone.stop();
    }
  });

  test('a phone that offers uaCSTA: a CSTA session (INVITE), AnswerCall in an INFO, then the phone answers', async () => {
    const phone = await startSippUas({
      scenario: 'uas-uacsta.xml',
      target,
      domain: DOMAIN,
      account: person('carol').account,
      calls: 2,
      register: {
        scenario: 'register-features.xml',
        keys: { events: 'dialog', accept: 'application/sdp, application/csta+xml' },
      },
    });
    try {
      const { placed, ringing } = await ringAt('carol', '203');
      const r = await answer('carol', ringing);
      assert.ok(r.status < 300, `answer: ${r.status} ${r.text}`);
      const { response } = await placed;
      await hangUp(placed, 'carol');
      const result = await phone.result;
      ok(result);
      assert.match(logValue(result, 'disposition') ?? '', /^Content-Disposition:\s*signal;\s*handling=required/i);
      // What the phone got is the transcript's (Parley's lines, ">").
      const sent = readFileSync(TRANSCRIPT, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('> '))
        .map((l) =>
          l
            .slice(2)
            .replace('{callID}', /callID>([^<]*)</.exec(logValue(result, 'info') ?? '')?.[1] ?? '?')
            .replace('{deviceID}', `sip:203@${DOMAIN}`),
        );
      assert.deepEqual([logValue(result, 'session'), logValue(result, 'info')], sent);
      // The callID named is the Call-ID of the INVITE that rang at the phone (not alice's own dialog).
      assert.notEqual(/callID>([^<]*)</.exec(logValue(result, 'info') ?? '')?.[1], response.callId);
    } finally {
      await phone.stop();
    }
  });

  test('a plain phone: AnswerCall fails with the reason (REST 422, CSTA operation error), the call rings on', async () => {
    const phone = await startSippUas({
      scenario: 'uas-ring.xml',
      target,
      domain: DOMAIN,
      account: person('dave').account,
    });
    try {
      const { placed, ringing } = await ringAt('dave', '204');
      const r = await answer('dave', ringing);
      const error = assertError(r, 422, 'PARLEY_ERR_DEVICE_UNSUPPORTED');
      assert.match(error.message, /neither uaCSTA nor the talk event/);
      const csta = await cstaLogin('dave');
      const refused = await csta.ask(cstaAnswer(ringing.id, '204'));
      assert.equal(refused.error, 'operation/requestIncompatibleWithObject', refused.xml);
      csta.close();
      assert.ok(
        live('dave').some((c) => c.id === ringing.id),
        'the call still rings',
      );
      assert.equal((await alice.cancelInvite()).status, 200);
      assert.equal((await placed).response.status, 487);
      ok(await phone.result);
    } finally {
      await phone.stop();
    }
  });

  test('a BLF key picks up a call ringing at another line with Replaces naming the early dialog', async () => {
    const erin = person('erin');
    const { device, password } = await t.core.devices.create(erin.tenantId, erin.userId, { name: 'blf' });
    const udp = t.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(udp);
    const watcher = await SipWatcher.open(
      { host: udp.host, port: udp.port },
      { user: 'erin', domain: DOMAIN, username: device.username, password },
    );
    const ringer = await startSippUas({
      scenario: 'uas-ring.xml',
      target,
      domain: DOMAIN,
      account: person('frank').account,
    });
    try {
      const { dialog: subscription } = await watcher.subscribe(`sip:205@${DOMAIN}`, 'dialog');
      assert.ok(subscription);
      const { placed } = await ringAt('frank', '205');
      const notify = await watcher.nextNotify((n) => /call-id=/.test(n.body.toString()), { dialog: subscription });
      const xml = notify.body.toString();
      const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(xml)?.[1] ?? '';
      const replaces = `${attr('call-id')};to-tag=${attr('remote-tag')};from-tag=${attr('local-tag')};early-only`;
      const picking = runSipp({
        scenario: 'uac-replaces.xml',
        target,
        domain: DOMAIN,
        accounts: [{ ...erin.account, peer: '205' }],
        keys: { replaces },
      });
      await eventually(
        () =>
          live('erin').find((c) =>
            c.connections.some((x) => x.party.userId === erin.userId && x.state === 'connected'),
          ),
        'the call connected at erin',
      );
      ok(await ringer.result);
      const { response, dialog } = await placed;
      assert.equal(response.status, 200);
      assert.ok(dialog);
      // Connected (RFC 3725 Flow IV): the picking phone's offer reaches alice in a re-INVITE.
      const reinvite = await alice.next('INVITE');
      assert.match(reinvite.request.body.toString(), /m=audio/);
      reinvite.reply(200, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: SDP(40000) });
      await alice.next('ACK');
      assert.equal((await alice.sendInDialog(dialog, 'BYE')).status, 200);
      ok(await picking);
    } finally {
      watcher.close();
      await ringer.stop();
    }
  });
});

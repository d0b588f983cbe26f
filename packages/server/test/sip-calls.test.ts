import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Call } from '../src/core/calls/model.js';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, type Incoming, phoneFor, SDP, type SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };

describe('SIP calls through the switch (back-to-back, forked, with the core call model)', () => {
  let s: TestServer;
  let alice: Phone;
  let bob1: Phone;
  let bob2: Phone;
  const events: { type: string; call: Call }[] = [];

  before(async () => {
    s = await startTestServer();
    alice = await phoneFor(s, 'alice@example.test');
    bob1 = await phoneFor(s, 'bob@example.test');
    bob2 = await phoneFor(s, 'bob@example.test', 'tcp', bob1);
    await s.core.lines.add(alice.tenantId, { number: '201', userId: alice.userId });
    await s.core.lines.add(bob1.tenantId, { number: '202', userId: bob1.userId, did: '+4971112345202' });
    for (const p of [alice, bob1, bob2]) assert.equal((await p.register(600)).status, 200);
    for (const type of [
      'call.originated',
      'call.delivered',
      'call.established',
      'call.held',
      'call.retrieved',
      'call.cleared',
      'call.failed',
    ] as const) {
      s.core.ctx.bus.subscribe(type, (e) => {
        if (e.userId === alice.userId) events.push({ type, call: e.call });
      });
    }
  });
  after(async () => {
    for (const p of [alice, bob1, bob2]) p.close();
    await s.stop();
  });

  const lineState = async (phone: Phone) => (await s.core.presence.get(phone.tenantId, phone.userId)).flags;
  const has = (flags: Promise<string[]>, flag: string) => flags.then((f) => (f.includes(flag) ? true : undefined));
  const lacks = (flags: Promise<string[]>, flag: string) => flags.then((f) => (f.includes(flag) ? undefined : true));
  const seen = (type: string) => () => (events.some((e) => e.type === type) ? true : undefined);

  test('a call by address rings both devices; the one that answers stays, the other is cancelled; BYE ends it', async () => {
    events.length = 0;
    const ringing: number[] = [];
    const placed = alice.invite('bob@example.test', { onProvisional: (r) => ringing.push(r.status) });
    const [in1, in2] = await Promise.all([bob1.next('INVITE'), bob2.next('INVITE')]);
    assert.match(in1.request.body.toString(), /m=audio 40000 RTP\/AVP 0/, 'the SDP passes through unchanged');
    assert.match(in1.request.headers.find((h) => h.name === 'From')?.value ?? '', /"Alice" <sip:alice@example.test>/);
    in1.reply(180, 'Ringing');
    await eventually(() => (ringing.includes(180) ? true : undefined), 'the 180 at alice');
    assert.ok((await lineState(bob1)).includes('ringing'));
    in2.reply(200, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: SDP(41000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), /m=audio 41000/);
    await bob2.next('ACK');
    const cancel = await bob1.next('CANCEL');
    cancel.reply(200, 'OK');
    in1.reply(487, 'Request Terminated');
    await eventually(() => has(lineState(bob1), 'on-call'), 'bob on the phone');
    assert.ok((await lineState(alice)).includes('on-call'));
    assert.ok(dialog);
    const bye = alice.sendInDialog(dialog, 'BYE');
    (await bob2.next('BYE')).reply(200, 'OK');
    assert.equal((await bye).status, 200);
    await eventually(() => lacks(lineState(bob1), 'on-call'), 'bob off the phone');
    await eventually(seen('call.cleared'), 'call.cleared');
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 3), ['call.originated', 'call.delivered', 'call.established']);
    const established = events.find((e) => e.type === 'call.established')?.call;
    const answered = established?.connections.find((c) => c?.party.userId === bob1.userId && c.state === 'connected');
    assert.equal(answered?.party.lineNumber, '202');
  });

  test('a call by extension and by DID in national form reaches the line', async () => {
    for (const dialled of ['202@example.test', '071112345202@example.test']) {
      const placed = alice.invite(dialled);
      const [in1, in2] = await Promise.all([bob1.next('INVITE'), bob2.next('INVITE')]);
      in1.reply(486, 'Busy Here');
      in2.reply(486, 'Busy Here');
      await Promise.all([bob1.next('ACK'), bob2.next('ACK')]);
      assert.equal((await placed).response.status, 486, dialled);
    }
  });

  test('busy everywhere gives 486 and call.failed with cause busy', async () => {
    events.length = 0;
    const placed = alice.invite('bob@example.test');
    for (const p of [bob1, bob2]) (await p.next('INVITE')).reply(486, 'Busy Here');
    assert.equal((await placed).response.status, 486);
    await eventually(seen('call.failed'), 'call.failed');
    const failed = events.find((e) => e.type === 'call.failed')?.call;
    assert.ok(failed?.connections.some((c) => c?.cause === 'busy'));
  });

  test('the caller cancels while it rings: 487, every device gets CANCEL', async () => {
    const placed = alice.invite('bob@example.test');
    const invites: Incoming[] = await Promise.all([bob1.next('INVITE'), bob2.next('INVITE')]);
    for (const i of invites) i.reply(180, 'Ringing');
    await eventually(() => has(lineState(bob1), 'ringing'), 'ringing');
    assert.equal((await alice.cancelInvite()).status, 200);
    for (const [p, i] of [
      [bob1, invites[0]],
      [bob2, invites[1]],
    ] as const) {
      (await p.next('CANCEL')).reply(200, 'OK');
      i?.reply(487, 'Request Terminated');
    }
    assert.equal((await placed).response.status, 487);
    await eventually(() => lacks(lineState(bob1), 'ringing'), 'ringing over');
  });

  test('hold and resume: the re-INVITE passes through and the core sees held, then retrieved', async () => {
    events.length = 0;
    const placed = alice.invite('202@example.test');
    const [in1, in2] = await Promise.all([bob1.next('INVITE'), bob2.next('INVITE')]);
    // A CANCEL waits for a provisional response (RFC 3261 §9.1): the second device rings first.
    in2.reply(180, 'Ringing');
    in1.reply(200, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: SDP(41000) });
    const { dialog } = await placed;
    (await bob2.next('CANCEL')).reply(200, 'OK');
    in2.reply(487, 'Request Terminated');
    assert.ok(dialog);
    const hold = alice.sendInDialog(dialog, 'INVITE', SDP(40000, 'sendonly'));
    const reinvite = await bob1.next('INVITE');
    assert.match(reinvite.request.body.toString(), /a=sendonly/);
    reinvite.reply(200, 'OK', {
      toTag: reinvite.request.to.params.get('tag') ?? '',
      headers: [{ name: 'Content-Type', value: 'application/sdp' }],
      body: SDP(41000, 'recvonly'),
    });
    assert.equal((await hold).status, 200);
    await eventually(seen('call.held'), 'call.held');
    await eventually(() => has(lineState(alice), 'on-call'), 'alice still on a call');
    const resume = alice.sendInDialog(dialog, 'INVITE', SDP(40000));
    const back = await bob1.next('INVITE');
    back.reply(200, 'OK', {
      toTag: back.request.to.params.get('tag') ?? '',
      headers: [{ name: 'Content-Type', value: 'application/sdp' }],
      body: SDP(41000),
    });
    assert.equal((await resume).status, 200);
    await eventually(seen('call.retrieved'), 'call.retrieved');
    const end = alice.sendInDialog(dialog, 'BYE');
    (await bob1.next('BYE')).reply(200, 'OK');
    assert.equal((await end).status, 200);
  });

  test('unknown numbers get 404 and lines without a registered device 480 — both only after the 407', async () => {
    const carol = await s.user('carol@example.test');
    await s.core.lines.add(carol.tenantId, { number: '203', userId: carol.userId });
    const unauth = await alice.request(
      'INVITE',
      'sip:999@example.test',
      [
        { name: 'From', value: '<sip:alice@example.test>;tag=x1' },
        { name: 'To', value: '<sip:999@example.test>' },
        { name: 'Call-ID', value: 'probe@phone' },
        { name: 'Contact', value: alice.contact },
      ],
      { auth: false },
    );
    assert.equal(unauth.status, 407);
    assert.equal((await alice.invite('999@example.test')).response.status, 404);
    assert.equal((await alice.invite('203@example.test')).response.status, 480);
  });
});

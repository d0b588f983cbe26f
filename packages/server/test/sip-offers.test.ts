import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SipResponse, singleHeader } from '../src/adapters/sip/message/index.js';
import { startTestServer, type TestServer } from './support/server.js';
import { type Dialog, phoneFor, SDP, SipPhone } from './support/sip-phone.js';

const sdp = [{ name: 'Content-Type', value: 'application/sdp' }];

describe('offers and answers through the switch: late offers, re-INVITEs, glare (RFC 3261 §13-§14, RFC 6337)', () => {
  let s: TestServer;
  let alice: SipPhone;
  let carol: SipPhone;

  before(async () => {
    s = await startTestServer();
    alice = await phoneFor(s, 'alice@example.test');
    carol = await phoneFor(s, 'carol@example.test');
    for (const p of [alice, carol]) assert.equal((await p.register(600)).status, 200);
  });
  after(async () => {
    for (const p of [alice, carol]) p.close();
    await s.stop();
  });

  /** Alice calls carol, who answers with SDP(41000) (an offer when alice sent none). */
  async function call(o: { sdp?: string; answer?: string; ack?: boolean } = {}) {
    const placed = alice.invite('carol@example.test', o);
    const invite = await carol.next('INVITE');
    invite.reply(200, 'OK', { headers: sdp, body: SDP(41000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.ok(dialog);
    return { invite, response, dialog, carolDialog: SipPhone.dialogOf(invite.request, carol.tag) };
  }

  async function hangUp(dialog: Dialog) {
    const bye = alice.sendInDialog(dialog, 'BYE');
    (await carol.next('BYE')).reply(200, 'OK');
    assert.equal((await bye).status, 200);
  }

  const sentAgain = (phone: SipPhone, dialog: Dialog, response: SipResponse) =>
    phone.until(
      () =>
        phone.strays.find((r) => r.callId === dialog.callId && r.status === 200 && r.cseq.seq === response.cseq.seq),
      'the 2xx sent again',
    );

  test("an INVITE without an offer: the callee's 2xx offers, and the callee's ACK carries the caller's answer", async () => {
    const { invite, response, dialog } = await call({ sdp: '', answer: SDP(40000) });
    assert.equal(invite.request.body.length, 0, 'no offer invented on the way');
    assert.match(response.body.toString(), /m=audio 41000/, "the callee's offer reaches the caller");
    const ack = await carol.next('ACK');
    assert.match(ack.request.body.toString(), /m=audio 40000/, "the caller's answer reaches the callee");
    assert.equal(singleHeader(ack.request.headers, 'Content-Type'), 'application/sdp');
    await hangUp(dialog);
  });

  test('a re-INVITE without an offer: the other side offers in its 2xx and gets the answer in its ACK', async () => {
    const { dialog } = await call();
    await carol.next('ACK');
    const reinvite = alice.sendInDialog(dialog, 'INVITE', undefined, { answer: SDP(40000, 'recvonly') });
    const got = await carol.next('INVITE');
    assert.equal(got.request.body.length, 0);
    got.reply(200, 'OK', { headers: sdp, body: SDP(41000, 'sendonly') });
    assert.match((await reinvite).body.toString(), /a=sendonly/);
    const ack = await carol.next('ACK');
    assert.match(ack.request.body.toString(), /a=recvonly/);
    await hangUp(dialog);
  });

  test('our 2xx to a re-INVITE is sent again over UDP until its ACK; the 2xx the other side sends again is ACKed again', async () => {
    const { dialog } = await call();
    await carol.next('ACK');
    const reinvite = alice.sendInDialog(dialog, 'INVITE', SDP(40000, 'sendonly'), { ack: false });
    const got = await carol.next('INVITE');
    got.reply(200, 'OK', { headers: sdp, body: SDP(41000, 'recvonly') });
    const response = await reinvite;
    assert.equal(response.status, 200);
    await carol.next('ACK');
    assert.match((await sentAgain(alice, dialog, response)).body.toString(), /a=recvonly/);
    got.reply(200, 'OK', { headers: sdp, body: SDP(41000, 'recvonly') });
    assert.equal((await carol.next('ACK')).request.cseq.seq, got.request.cseq.seq);
    alice.send(alice.inDialog(dialog, 'ACK', response.cseq.seq));
    await hangUp(dialog);
  });

  test('a re-INVITE while one is pending: 491 from the other side, 500 with Retry-After from the same side (§14.2)', async () => {
    const { dialog, carolDialog } = await call();
    await carol.next('ACK');
    const first = alice.sendInDialog(dialog, 'INVITE', SDP(40000, 'sendonly'));
    const pending = await carol.next('INVITE');
    assert.equal((await carol.sendInDialog(carolDialog, 'INVITE', SDP(41000, 'sendonly'))).status, 491);
    const again = await alice.sendInDialog(dialog, 'INVITE', SDP(40000, 'inactive'));
    assert.equal(again.status, 500);
    assert.match(singleHeader(again.headers, 'Retry-After') ?? '', /^\d+$/);
    assert.equal(carol.incoming.filter((i) => i.request.method === 'INVITE').length, 0, 'nothing more passed on');
    pending.reply(200, 'OK', { headers: sdp, body: SDP(41000, 'recvonly') });
    assert.equal((await first).status, 200);
    await carol.next('ACK');
    // Once the first is ACKed, the next one passes.
    const next = alice.sendInDialog(dialog, 'INVITE', SDP(40000));
    (await carol.next('INVITE')).reply(200, 'OK', { headers: sdp, body: SDP(41000) });
    assert.equal((await next).status, 200);
    await carol.next('ACK');
    await hangUp(dialog);
  });

  test('an UPDATE in the call passes through with its offer and answer (RFC 3311); outside a dialog it gets 481', async () => {
    const { dialog } = await call();
    await carol.next('ACK');
    const update = alice.sendInDialog(dialog, 'UPDATE', SDP(40000, 'sendonly'));
    const got = await carol.next('UPDATE');
    assert.match(got.request.body.toString(), /a=sendonly/);
    got.reply(200, 'OK', { headers: sdp, body: SDP(41000, 'recvonly') });
    const response = await update;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), /a=recvonly/);
    assert.ok(response.contact, 'a 2xx to UPDATE names the target (RFC 3311 §5.2)');
    // An offer in an UPDATE while a re-INVITE is pending: 491.
    const reinvite = alice.sendInDialog(dialog, 'INVITE', SDP(40000));
    const pending = await carol.next('INVITE');
    const carolDialog = SipPhone.dialogOf(pending.request, carol.tag);
    assert.equal((await carol.sendInDialog(carolDialog, 'UPDATE', SDP(41000, 'inactive'))).status, 491);
    pending.reply(200, 'OK', { headers: sdp, body: SDP(41000) });
    assert.equal((await reinvite).status, 200);
    await carol.next('ACK');
    await hangUp(dialog);
    const stray = await alice.request('UPDATE', 'sip:carol@example.test', [
      { name: 'From', value: '<sip:alice@example.test>;tag=u1' },
      { name: 'To', value: '<sip:carol@example.test>' },
      { name: 'Call-ID', value: 'no-such-dialog@phone' },
    ]);
    assert.equal(stray.status, 481);
  });

  test('a late offer whose ACK never comes: after 64·T1 the callee gets an ACK refusing its offer, then both a BYE', async () => {
    const { dialog, response } = await call({ sdp: '', ack: false });
    await sentAgain(alice, dialog, response);
    const ack = await carol.next('ACK', 60_000);
    assert.match(ack.request.body.toString(), /^m=audio 0 RTP\/AVP 0\r$/m);
    (await carol.next('BYE')).reply(200, 'OK');
    (await alice.next('BYE')).reply(200, 'OK');
  });
});

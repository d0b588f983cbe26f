// Transfer from the phone's own transfer key (RFC 3515 REFER, RFC 5589): blind (Refer-To names
// the target) and attended (Refer-To carries a Replaces naming the phone's consultation call),
// with the implicit subscription's NOTIFYs (message/sipfrag), Refer-Sub: false (RFC 4488), the
// core's call events as for the CTI services, and the refusals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { headerValues, singleHeader } from '../src/adapters/sip/message/index.js';
import { startTestServer, type TestServer } from './support/server.js';
import { type Dialog, eventually, type Incoming, phoneFor, SDP, SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };
type Name = 'alice' | 'bob' | 'carol';
const numbers = { alice: '201', bob: '202', carol: '203' } as const;
const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];
const header = (i: Incoming, name: string) => singleHeader(i.request.headers, name) ?? '';

describe('transfer from the phone (REFER)', () => {
  let s: TestServer;
  const phones: Record<Name, Phone> = {} as never;

  before(async () => {
    s = await startTestServer();
    for (const name of ['alice', 'bob', 'carol'] as const) {
      const u = await s.user(`${name}@example.test`);
      await s.core.lines.add(u.tenantId, { number: numbers[name], userId: u.userId });
      phones[name] = await phoneFor(s, `${name}@example.test`, 'udp', u);
      assert.equal((await phones[name].register(600)).status, 200);
    }
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    await s.stop();
  });

  const live = (name: Name) =>
    s.core.control.calls({ tenantId: phones[name].tenantId, userId: phones[name].userId, scope: 'user' });
  const noCalls = (name: Name) => eventually(() => (live(name).length === 0 ? true : undefined), 'no live calls');
  /** The lines connected in `callId` as `name` sees it, once two are. */
  const connectedLines = (name: Name, callId: string) =>
    eventually(() => {
      const call = live(name).find((c) => c.id === callId);
      const lines = call?.connections.filter((c) => c.state === 'connected').map((c) => c.party.lineNumber ?? '');
      return lines?.length === 2 ? lines.sort() : undefined;
    }, `${name}: two connected in the call`);
  const refer = (phone: Phone, dialog: Dialog, referTo: string, extra: { name: string; value: string }[] = []) =>
    phone.sendInDialog(dialog, 'REFER', undefined, { headers: [{ name: 'Refer-To', value: referTo }, ...extra] });
  /** The next NOTIFY of the REFER's implicit subscription, answered 200: its sipfrag's status line. */
  const notified = async (phone: Phone, refer: { seq: number }, last: boolean) => {
    const notify = await phone.next('NOTIFY');
    notify.reply(200, 'OK');
    assert.equal(header(notify, 'Event'), `refer;id=${refer.seq}`);
    assert.equal(header(notify, 'Content-Type'), 'message/sipfrag;version=2.0');
    assert.match(header(notify, 'Subscription-State'), last ? /^terminated/ : /^active/);
    return { frag: notify.request.body.toString().trim(), seq: notify.request.cseq.seq };
  };

  /** `from` calls `to` from its phone; both answer: the two phones' dialogs and the core's call. */
  async function talk(from: Name, to: Name, port: number) {
    const placed = phones[from].invite(`${numbers[to]}@example.test`, { sdp: SDP(port) });
    const ring = await phones[to].next('INVITE');
    const toTag = `${to}${port}`;
    ring.reply(200, 'OK', { toTag, headers: sdpHeaders, body: SDP(port + 1) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.ok(dialog);
    await phones[to].next('ACK');
    const call = await eventually(
      () =>
        live(from).find((c) =>
          c.connections.some((x) => x.party.lineNumber === numbers[to] && x.state === 'connected'),
        ),
      `${from} connected with ${to}`,
    );
    return { caller: dialog, callee: SipPhone.dialogOf(ring.request, toTag), call };
  }

  test('blind: 202, NOTIFY 100 then 200, the referring phone leaves and the other party is called through', async () => {
    const { callee: bobs, call } = await talk('alice', 'bob', 40000);
    const transferred: string[] = [];
    const unsubscribe = s.core.ctx.bus.subscribe('call.transferred', (e) => void transferred.push(e.cause ?? ''), {
      userId: phones.bob.userId,
    });
    const accepted = await refer(phones.bob, bobs, '<sip:203@example.test>');
    assert.equal(accepted.status, 202);
    assert.equal((await notified(phones.bob, accepted.cseq, false)).frag, 'SIP/2.0 100 Trying');
    const done = await notified(phones.bob, accepted.cseq, true);
    assert.equal(done.frag, 'SIP/2.0 200 OK');
    const bye = await phones.bob.next('BYE');
    bye.reply(200, 'OK');
    assert.ok(done.seq < bye.request.cseq.seq, 'the phone hears 200 before the BYE');
    const atCarol = await phones.carol.next('INVITE');
    assert.match(header(atCarol, 'From'), /sip:alice@example\.test/, 'the target sees who is put through');
    atCarol.reply(200, 'OK', { headers: sdpHeaders, body: SDP(42000) });
    const toAlice = await phones.alice.next('INVITE');
    assert.match(toAlice.request.body.toString(), /m=audio 42000/);
    toAlice.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40002) });
    await phones.alice.next('ACK');
    assert.match((await phones.carol.next('ACK')).request.body.toString(), /m=audio 40002/);
    assert.deepEqual(await connectedLines('carol', call.id), ['201', '203']);
    assert.deepEqual(transferred, ['singleStepTransfer'], 'the core reports the transfer as for SingleStepTransfer');
    unsubscribe();
    assert.equal(live('bob').length, 0, 'bob is out of the call');
    await phones.carol.sendInDialog(SipPhone.dialogOf(atCarol.request, phones.carol.tag), 'BYE');
    (await phones.alice.next('BYE')).reply(200, 'OK');
    await noCalls('alice');
  });

  test('a target nobody reaches: NOTIFY 404, the call goes on; Refer-Sub: false gets no NOTIFY', async () => {
    const { caller: alices, callee: bobs, call } = await talk('alice', 'bob', 40010);
    const quiet = await refer(phones.bob, bobs, '<sip:299@example.test>', [{ name: 'Refer-Sub', value: 'false' }]);
    assert.equal(quiet.status, 202);
    assert.equal(singleHeader(quiet.headers, 'Refer-Sub'), 'false', 'RFC 4488 §4');
    const told = await refer(phones.bob, bobs, '<sip:299@example.test>');
    assert.equal(told.status, 202);
    assert.equal((await notified(phones.bob, told.cseq, false)).frag, 'SIP/2.0 100 Trying', 'none for the first REFER');
    assert.equal((await notified(phones.bob, told.cseq, true)).frag, 'SIP/2.0 404 Not Found');
    assert.deepEqual(
      s.core.calls.get(phones.alice.tenantId, call.id).connections.map((c) => c.state),
      ['connected', 'connected'],
      'the call goes on',
    );
    await phones.alice.sendInDialog(alices, 'BYE');
    (await phones.bob.next('BYE')).reply(200, 'OK');
    await noCalls('alice');
  });

  test('attended: Replaces names the consultation, the two calls become one as TransferCall does', async () => {
    const first = await talk('alice', 'bob', 40020);
    // Alice's phone holds bob, then calls carol.
    const holding = phones.alice.sendInDialog(first.caller, 'INVITE', SDP(40020, 'sendonly'));
    const held = await phones.bob.next('INVITE');
    held.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40021, 'recvonly') });
    assert.equal((await holding).status, 200);
    await phones.bob.next('ACK');
    await eventually(
      () => s.core.calls.get(phones.alice.tenantId, first.call.id).connections[0]?.state === 'held' || undefined,
      'held',
    );
    const second = await talk('alice', 'carol', 40030);
    const transferred: string[] = [];
    const unsubscribe = s.core.ctx.bus.subscribe('call.transferred', (e) => void transferred.push(e.cause ?? ''), {
      userId: phones.alice.userId,
    });
    const c = second.caller;
    const replaces = encodeURIComponent(`${c.callId};to-tag=${c.remoteTag};from-tag=${c.localTag}`);
    const accepted = await refer(phones.alice, first.caller, `<sip:203@example.test?Replaces=${replaces}>`);
    assert.equal(accepted.status, 202);
    assert.equal((await notified(phones.alice, accepted.cseq, false)).frag, 'SIP/2.0 100 Trying');
    const byes = await Promise.all([phones.alice.next('BYE'), phones.alice.next('BYE')]);
    for (const bye of byes) bye.reply(200, 'OK');
    assert.deepEqual(byes.map((b) => b.request.callId).sort(), [first.caller.callId, c.callId].sort());
    // Carol, who talked, offers; bob, held by alice's phone, answers (a held phone may offer recvonly).
    const fromCarol = await phones.carol.next('INVITE');
    assert.equal(fromCarol.request.body.length, 0, 'the consulted party is asked for an offer (Flow IV)');
    fromCarol.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40032) });
    const toBob = await phones.bob.next('INVITE');
    assert.match(toBob.request.body.toString(), /m=audio 40032/);
    assert.match(toBob.request.body.toString(), /a=sendrecv/, 'an offer to talk');
    toBob.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40022) });
    await phones.bob.next('ACK');
    assert.match((await phones.carol.next('ACK')).request.body.toString(), /m=audio 40022/);
    const done = await notified(phones.alice, accepted.cseq, true);
    assert.equal(done.frag, 'SIP/2.0 200 OK');
    const byeHere = byes.find((b) => b.request.callId === first.caller.callId);
    assert.ok(done.seq < (byeHere?.request.cseq.seq ?? 0), 'the phone hears 200 before the BYE');
    assert.deepEqual(await connectedLines('bob', second.call.id), ['202', '203']);
    assert.deepEqual(transferred, ['transfer'], 'the core reports the transfer as for TransferCall');
    unsubscribe();
    await noCalls('alice');
    await phones.carol.sendInDialog(second.callee, 'BYE');
    (await phones.bob.next('BYE')).reply(200, 'OK');
    await noCalls('bob');
  });

  test('refusals: a bad Refer-To 400, outside a dialog 403 (Allow names REFER), an unknown dialog 481, Replaces of no call 481', async () => {
    const { caller: alices, callee: bobs } = await talk('alice', 'bob', 40040);
    const bad = await refer(phones.bob, bobs, '<sip:203@example.test;method=BYE>');
    assert.equal(bad.status, 400);
    assert.match(bad.reason, /another method than INVITE/);
    const none = await phones.bob.sendInDialog(bobs, 'REFER');
    assert.equal(none.status, 400);
    const outside = await phones.bob.request('REFER', 'sip:201@example.test', [
      { name: 'From', value: '<sip:bob@example.test>;tag=x1' },
      { name: 'To', value: '<sip:201@example.test>' },
      { name: 'Call-ID', value: 'refer-outside@phone' },
      { name: 'Refer-To', value: '<sip:203@example.test>' },
    ]);
    assert.equal(outside.status, 403);
    const options = await phones.bob.request('OPTIONS', 'sip:example.test', [
      { name: 'From', value: '<sip:bob@example.test>;tag=x2' },
      { name: 'To', value: '<sip:example.test>' },
      { name: 'Call-ID', value: 'refer-options@phone' },
    ]);
    assert.ok(headerValues(options.headers, 'Allow').includes('REFER'), 'Allow names REFER');
    const unknown = await refer(phones.bob, { ...bobs, callId: 'no-such-call@phone' }, '<sip:203@example.test>');
    assert.equal(unknown.status, 481);
    const stranger = encodeURIComponent('no-such-call@phone;to-tag=1;from-tag=2');
    const nobody = await refer(phones.bob, bobs, `<sip:203@example.test?Replaces=${stranger}>`);
    assert.equal(nobody.status, 202);
    assert.equal((await notified(phones.bob, nobody.cseq, false)).frag, 'SIP/2.0 100 Trying');
    assert.equal((await notified(phones.bob, nobody.cseq, true)).frag, 'SIP/2.0 481 Call/Transaction Does Not Exist');
    // Its own call is no consultation of itself.
    const self = encodeURIComponent(`${bobs.callId};to-tag=${bobs.remoteTag};from-tag=${bobs.localTag}`);
    const itself = await refer(phones.bob, bobs, `<sip:201@example.test?Replaces=${self}>`);
    assert.equal((await notified(phones.bob, itself.cseq, false)).frag, 'SIP/2.0 100 Trying');
    assert.equal((await notified(phones.bob, itself.cseq, true)).frag, 'SIP/2.0 481 Call/Transaction Does Not Exist');
    await phones.alice.sendInDialog(alices, 'BYE');
    (await phones.bob.next('BYE')).reply(200, 'OK');
    await noCalls('alice');
  });
});

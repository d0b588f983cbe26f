// Call control that asks the phone itself, with the SIP each phone sees: HoldCall and RetrieveCall
// at a phone that names `hold` and `talk` in Allow-Events (BroadSoft NOTIFY in its dialog; its own
// re-INVITE holds and resumes, so its display is right), and AnswerCall by uaCSTA where the phone
// refuses the CSTA session (the reason reaches the client; a phone that also names `talk` is
// answered by the talk event instead).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { singleHeader } from '../src/adapters/sip/message/index.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { type Dialog, eventually, type Incoming, phoneFor, SDP, SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };
type Person = Awaited<ReturnType<TestServer['user']>>;
const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];
const header = (i: Incoming, name: string) => singleHeader(i.request.headers, name) ?? '';

describe('call control by the phone itself: hold events, uaCSTA refused', () => {
  let s: TestServer;
  const people: Record<'alice' | 'bob' | 'carol' | 'dave', Person> = {} as never;
  const phones: Record<'alice' | 'bob' | 'carol' | 'dave', Phone> = {} as never;

  before(async () => {
    s = await startTestServer();
    const offers = {
      alice: [],
      bob: [{ name: 'Allow-Events', value: 'talk, hold' }],
      carol: [{ name: 'Accept', value: 'application/sdp, application/csta+xml' }],
      dave: [
        { name: 'Accept', value: 'application/csta+xml' },
        { name: 'Allow-Events', value: 'talk' },
      ],
    };
    for (const [name, number] of [
      ['alice', '201'],
      ['bob', '202'],
      ['carol', '203'],
      ['dave', '204'],
    ] as const) {
      people[name] = await s.user(`${name}@example.test`);
      await s.core.lines.add(people[name].tenantId, { number, userId: people[name].userId });
      phones[name] = await phoneFor(s, `${name}@example.test`, 'udp', people[name]);
      assert.equal((await phones[name].register(600, { headers: offers[name] })).status, 200);
    }
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    await s.stop();
  });

  const rest = (who: Person, path: string) => call(s.url, 'POST', path, { token: who.token, body: {} });
  const live = (who: Person) => s.core.control.calls({ tenantId: who.tenantId, userId: who.userId, scope: 'user' });
  const ringing = async (who: 'bob' | 'carol' | 'dave', number: string) => {
    const placed = phones.alice.invite(`${number}@example.test`);
    const invite = await phones[who].next('INVITE');
    invite.reply(180, 'Ringing', { toTag: `${who}-tag` });
    const at = await eventually(
      () => live(people[who]).find((c) => c.connections.some((x) => x.state === 'alerting')),
      `ringing at ${who}`,
    );
    return { placed, invite, at };
  };

  /**
   * `who`'s phone re-INVITEs with `offer` (again after a 491: an exchange of the call was still
   * open, RFC 3261 §14.1); alice answers `answer` to what reaches her (and takes the ACK), which it
   * resolves with.
   */
  const reinvites = async (who: 'bob' | 'carol', dialog: Dialog, offer: string, answer: string) => {
    const atAlice = phones.alice.next('INVITE').then((i) => {
      i.reply(200, 'OK', { headers: sdpHeaders, body: answer });
      return i;
    });
    let r = await phones[who].sendInDialog(dialog, 'INVITE', offer);
    while (r.status === 491) r = await phones[who].sendInDialog(dialog, 'INVITE', offer);
    assert.equal(r.status, 200);
    await phones.alice.next('ACK');
    return atAlice;
  };

  test("HoldCall asks a phone that names 'hold' to hold itself; RetrieveCall asks it to resume ('talk')", async () => {
    const { placed, invite, at } = await ringing('bob', '202');
    invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41000), toTag: 'bob-tag' });
    const { dialog: aliceDialog } = await placed;
    assert.ok(aliceDialog);
    await phones.bob.next('ACK');
    await eventually(() => (live(people.bob)[0]?.answeredAt ? true : undefined), 'answered');
    const bobDialog = SipPhone.dialogOf(invite.request, 'bob-tag');
    // An INFO in the call passes to the other side, its answer back.
    const info = phones.bob.sendInDialog(bobDialog, 'INFO');
    (await phones.alice.next('INFO')).reply(200, 'OK');
    assert.equal((await info).status, 200);

    const held = rest(people.bob, `/api/v1/calls/${at.id}/hold`);
    const hold = await phones.bob.next('NOTIFY');
    assert.equal(header(hold, 'Event'), 'hold');
    assert.equal(hold.request.callId, invite.request.callId, "in bob's dialog");
    hold.reply(200, 'OK');
    // The phone holds itself: its re-INVITE (sendonly) passes to alice.
    const toAlice = await reinvites('bob', bobDialog, SDP(41000, 'sendonly'), SDP(40000, 'recvonly'));
    assert.match(toAlice.request.body.toString(), /a=sendonly/);
    const afterHold = await held;
    assert.equal(afterHold.status, 200, afterHold.text);
    await eventually(
      () => (live(people.bob)[0]?.connections.some((c) => c.state === 'held') ? true : undefined),
      'held',
    );

    const retrieved = rest(people.bob, `/api/v1/calls/${at.id}/retrieve`);
    const talk = await phones.bob.next('NOTIFY');
    assert.equal(header(talk, 'Event'), 'talk');
    talk.reply(200, 'OK');
    const again = await reinvites('bob', bobDialog, SDP(41000), SDP(40000));
    assert.match(again.request.body.toString(), /a=sendrecv/);
    assert.equal((await retrieved).status, 200);
    await eventually(
      () => (live(people.bob)[0]?.connections.every((c) => c.state === 'connected') ? true : undefined),
      'connected again',
    );
    await phones.alice.sendInDialog(aliceDialog, 'BYE');
    (await phones.bob.next('BYE')).reply(200, 'OK');
  });

  test('AnswerCall by uaCSTA: a refused session is the reason of the error; with talk too, the talk event answers', async () => {
    const first = await ringing('carol', '203');
    const answering = rest(people.carol, `/api/v1/calls/${first.at.id}/answer`);
    const session = await phones.carol.next('INVITE');
    assert.equal(header(session, 'Content-Type'), 'application/csta+xml');
    assert.equal(header(session, 'Content-Disposition'), 'signal;handling=required');
    assert.match(session.request.body.toString(), /<RequestSystemStatus /);
    session.reply(488, 'Not Acceptable Here');
    const error = assertError(await answering, 422, 'PARLEY_ERR_DEVICE_UNSUPPORTED');
    assert.match(error.message, /refused the uaCSTA session \(488/);
    first.invite.reply(486, 'Busy Here', { toTag: 'carol-tag' });
    assert.equal((await first.placed).response.status, 486);

    const second = await ringing('dave', '204');
    const answered = rest(people.dave, `/api/v1/calls/${second.at.id}/answer`);
    (await phones.dave.next('INVITE')).reply(603, 'Decline');
    const talk = await phones.dave.next('NOTIFY');
    assert.equal(header(talk, 'Event'), 'talk');
    talk.reply(200, 'OK');
    assert.equal((await answered).status, 200);
    second.invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(44000), toTag: 'dave-tag' });
    const { dialog } = await second.placed;
    assert.ok(dialog);
    await phones.dave.next('ACK');
    await phones.alice.sendInDialog(dialog, 'BYE');
    (await phones.dave.next('BYE')).reply(200, 'OK');
  });

  test('a uaCSTA session: AnswerCall in an INFO; the phone may send in it and end it, the next AnswerCall opens another; its CSTA error is the reason', async () => {
    const cstaHeaders = [{ name: 'Content-Type', value: 'application/csta+xml' }];
    const NS = 'http://www.ecma-international.org/standards/ecma-323/csta/ed3';
    const answerOnce = async (expectSession: boolean) => {
      const { placed, invite, at } = await ringing('carol', '203');
      const answered = rest(people.carol, `/api/v1/calls/${at.id}/answer`);
      let session: Incoming | undefined;
      if (expectSession) {
        session = await phones.carol.next('INVITE');
        session.reply(200, 'OK', {
          headers: cstaHeaders,
          body: `<RequestSystemStatusResponse xmlns="${NS}"><systemStatus>normal</systemStatus></RequestSystemStatusResponse>`,
          toTag: 'csta-tag',
        });
        await phones.carol.next('ACK');
      }
      const info = await phones.carol.next('INFO');
      assert.match(info.request.body.toString(), new RegExp(`<callID>${invite.request.callId}</callID>`));
      assert.match(info.request.body.toString(), /<deviceID>sip:203@example.test<\/deviceID>/);
      info.reply(200, 'OK', { headers: cstaHeaders, body: `<AnswerCallResponse xmlns="${NS}"/>` });
      assert.equal((await answered).status, 200);
      invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(43000), toTag: 'carol-tag' });
      const { dialog } = await placed;
      assert.ok(dialog);
      await phones.carol.next('ACK');
      await phones.alice.sendInDialog(dialog, 'BYE');
      (await phones.carol.next('BYE')).reply(200, 'OK');
      return session;
    };
    const session = await answerOnce(true);
    assert.ok(session);
    // The same session serves the next AnswerCall.
    await answerOnce(false);
    const dialog = SipPhone.dialogOf(session.request, 'csta-tag');
    assert.equal((await phones.carol.sendInDialog(dialog, 'INFO')).status, 200, 'an INFO of the phone is taken');
    assert.equal((await phones.carol.sendInDialog(dialog, 'BYE')).status, 200, 'the phone ends the session');
    // Ended: the next AnswerCall opens a new one.
    await answerOnce(true);
    // A CSTA error from the phone is the request's error, with the phone's reason.
    const { placed, invite, at } = await ringing('carol', '203');
    const refused = rest(people.carol, `/api/v1/calls/${at.id}/answer`);
    (await phones.carol.next('INFO')).reply(200, 'OK', {
      headers: cstaHeaders,
      body: `<CSTAErrorCode xmlns="${NS}"><stateIncompatibility>noCallToAnswer</stateIncompatibility></CSTAErrorCode>`,
    });
    const error = assertError(await refused, 409, 'PARLEY_ERR_INVALID_STATE');
    assert.match(error.message, /stateIncompatibility: noCallToAnswer/);
    invite.reply(486, 'Busy Here', { toTag: 'carol-tag' });
    assert.equal((await placed).response.status, 486);
  });

  test('HoldCall and RetrieveCall at a uaCSTA phone: HoldCall, RetrieveCall in its session; it holds and resumes itself', async () => {
    const cstaHeaders = [{ name: 'Content-Type', value: 'application/csta+xml' }];
    const NS = 'http://www.ecma-international.org/standards/ecma-323/csta/ed3';
    const { placed, invite, at } = await ringing('carol', '203');
    invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(43000), toTag: 'carol-tag' });
    const { dialog: aliceDialog } = await placed;
    assert.ok(aliceDialog);
    await phones.carol.next('ACK');
    await eventually(() => (live(people.carol)[0]?.answeredAt ? true : undefined), 'answered');
    const carolDialog = SipPhone.dialogOf(invite.request, 'carol-tag');

    // The session of the earlier test is still open: the requests come as INFOs in it.
    const held = rest(people.carol, `/api/v1/calls/${at.id}/hold`);
    const hold = await phones.carol.next('INFO');
    const body = hold.request.body.toString();
    assert.match(
      body,
      /<HoldCall [^>]*><callToBeHeld><callID>([^<]*)<\/callID><deviceID>sip:203@example.test<\/deviceID>/,
    );
    assert.match(body, new RegExp(`<callID>${invite.request.callId}</callID>`));
    hold.reply(200, 'OK', { headers: cstaHeaders, body: `<HoldCallResponse xmlns="${NS}"/>` });
    assert.match(
      (await reinvites('carol', carolDialog, SDP(43000, 'sendonly'), SDP(40000, 'recvonly'))).request.body.toString(),
      /a=sendonly/,
    );
    assert.equal((await held).status, 200);

    const retrieved = rest(people.carol, `/api/v1/calls/${at.id}/retrieve`);
    const retrieve = await phones.carol.next('INFO');
    assert.match(retrieve.request.body.toString(), /<RetrieveCall [^>]*><callToBeRetrieved>/);
    retrieve.reply(200, 'OK', { headers: cstaHeaders, body: `<RetrieveCallResponse xmlns="${NS}"/>` });
    await reinvites('carol', carolDialog, SDP(43000), SDP(40000));
    assert.equal((await retrieved).status, 200);
    await eventually(
      () => (live(people.carol)[0]?.connections.every((c) => c.state === 'connected') ? true : undefined),
      'connected again',
    );
    await phones.alice.sendInDialog(aliceDialog, 'BYE');
    (await phones.carol.next('BYE')).reply(200, 'OK');
  });
});

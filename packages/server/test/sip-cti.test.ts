// Call control over REST carried out by the SIP switch (RFC 3725 third-party call control):
// MakeCall, hold and retrieve, clear, remote answer by the talk event, deflection and pickup, with
// the SIP each phone sees and the core's call events.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Call } from '@parley/api';
import { singleHeader } from '../src/adapters/sip/message/index.js';
import { assertError, call } from './support/http.js';
import { RtpPhone } from './support/rtp-phone.js';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, type Incoming, phoneFor, SDP, SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };
type Person = Awaited<ReturnType<TestServer['user']>>;

const header = (i: Incoming, name: string) => singleHeader(i.request.headers, name) ?? '';
const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];

describe('call control over REST through the SIP switch', () => {
  let s: TestServer;
  const people: Record<'alice' | 'bob' | 'carol', Person> = {} as never;
  const phones: Record<'alice' | 'bob' | 'carol', Phone> = {} as never;

  before(async () => {
    s = await startTestServer();
    const numbers = { alice: '201', bob: '202', carol: '203' } as const;
    for (const name of ['alice', 'bob', 'carol'] as const) {
      people[name] = await s.user(`${name}@example.test`);
      await s.core.users.update(people[name].tenantId, people[name].userId, { displayName: name.toUpperCase() });
      await s.core.lines.add(people[name].tenantId, { number: numbers[name], userId: people[name].userId });
      phones[name] = await phoneFor(s, `${name}@example.test`, 'udp', people[name]);
      // Bob's phone can be answered remotely (BroadSoft talk event).
      const headers = name === 'bob' ? [{ name: 'Allow-Events', value: 'talk, hold' }] : [];
      assert.equal((await phones[name].register(600, { headers })).status, 200);
    }
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    await s.stop();
  });

  const rest = (who: Person, method: string, path: string, body?: unknown) =>
    call(s.url, method, path, { token: who.token, ...(body === undefined ? {} : { body }) });
  const post = async (who: Person, path: string, body: unknown = {}) => {
    const r = await rest(who, 'POST', path, body);
    assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`);
    return JSON.parse(r.text) as Call;
  };
  const live = (who: Person) => s.core.control.calls({ tenantId: who.tenantId, userId: who.userId, scope: 'user' });
  const noCalls = (who: Person) => eventually(() => (live(who).length === 0 ? true : undefined), 'no live calls');

  /** Answers a re-INVITE without an offer with `port`'s SDP; resolves with the ACK's body. */
  const offerOnReinvite = async (phone: Phone, port: number) => {
    const reinvite = await phone.next('INVITE');
    assert.equal(reinvite.request.body.length, 0, 'a re-INVITE without an offer (RFC 3725 Flow IV)');
    reinvite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(port) });
    return (await phone.next('ACK')).request.body.toString();
  };

  /** MakeCall alice → bob, both answering: the established call. */
  async function connected() {
    const made = await post(people.alice, '/api/v1/calls', { to: '202' });
    const ring = await phones.alice.next('INVITE');
    ring.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40000) });
    await phones.alice.next('ACK');
    const invite = await phones.bob.next('INVITE');
    invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41000) });
    (await phones.alice.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: SDP(40000) });
    await phones.alice.next('ACK');
    await phones.bob.next('ACK');
    return eventually(() => live(people.alice).find((c) => c.id === made.id && c.answeredAt !== null), 'answered');
  }

  /**
   * Alice, connected with bob (`first`), consults carol: the first call is parked, alice's phone
   * answers the consultation on `port`, carol's on `carolPort`. The consultation and carol's INVITE.
   */
  async function consulted(first: { id: string }, port: number, carolPort: number) {
    const consulting = post(people.alice, `/api/v1/calls/${first.id}/consult`, { to: '203' });
    await offerOnReinvite(phones.alice, 40002);
    await offerOnReinvite(phones.bob, 41002);
    const ring = await phones.alice.next('INVITE');
    const second = await consulting;
    ring.reply(200, 'OK', { headers: sdpHeaders, body: SDP(port) });
    await phones.alice.next('ACK');
    const atCarol = await phones.carol.next('INVITE');
    atCarol.reply(200, 'OK', { headers: sdpHeaders, body: SDP(carolPort) });
    (await phones.alice.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: SDP(port) });
    await phones.alice.next('ACK');
    await phones.carol.next('ACK');
    await eventually(() => live(people.carol).find((c) => c.id === second.id && c.answeredAt !== null), 'consulted');
    return { second, atCarol };
  }

  test('MakeCall rings the caller first with auto-answer hints, parks its media, then calls the destination', async () => {
    const made = await post(people.alice, '/api/v1/calls', { to: '202' });
    assert.equal(made.state, 'initiated');
    assert.equal(made.called.line, '202');
    const ring = await phones.alice.next('INVITE');
    assert.equal(ring.request.body.length, 0, 'no offer: the device offers (RFC 3725)');
    assert.equal(header(ring, 'Answer-Mode'), 'Auto', 'RFC 5373');
    assert.match(header(ring, 'Call-Info'), /answer-after=0/);
    assert.match(header(ring, 'From'), /"BOB" <sip:202@example\.test>/, "the caller's display shows whom it calls");
    ring.reply(180, 'Ringing');
    ring.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40000) });
    const parked = (await phones.alice.next('ACK')).request.body.toString();
    assert.match(parked, /a=inactive/, 'the answer parks the media until the destination answers');
    const invite = await phones.bob.next('INVITE');
    assert.equal(invite.request.body.length, 0, 'the destination gets no offer: it makes one');
    assert.match(header(invite, 'From'), /"ALICE" <sip:alice@example\.test>/);
    invite.reply(180, 'Ringing');
    await eventually(
      () =>
        live(people.bob)[0]?.connections.some((c) => c.party.userId === people.bob.userId && c.state === 'alerting'),
      'bob alerting',
    );
    invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41000) });
    const reinvite = await phones.alice.next('INVITE');
    assert.match(reinvite.request.body.toString(), /m=audio 41000/, "the destination's offer reaches the caller");
    reinvite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40000) });
    await phones.alice.next('ACK');
    const ack = await phones.bob.next('ACK');
    assert.match(ack.request.body.toString(), /m=audio 40000/, "the caller's answer reaches the destination");
    const call = await eventually(() => live(people.alice).find((c) => c.answeredAt !== null), 'established');
    assert.deepEqual(
      call.connections.map((c) => [c.party.lineNumber, c.role, c.state]),
      [
        ['201', 'calling', 'connected'],
        ['202', 'called', 'connected'],
      ],
    );
    const listed = JSON.parse((await rest(people.alice, 'GET', '/api/v1/calls')).text) as { calls: Call[] };
    assert.equal(listed.calls[0]?.state, 'connected');
    assert.equal(listed.calls[0]?.called.name, 'BOB');
    await post(people.alice, `/api/v1/calls/${call.id}/clear`);
    await Promise.all([phones.alice.next('BYE'), phones.bob.next('BYE')]).then((byes) =>
      byes.map((b) => b.reply(200, 'OK')),
    );
    await noCalls(people.alice);
  });

  test('hold parks both legs, retrieve connects them again (re-INVITEs without offers)', async () => {
    const established = await connected();
    const held = post(people.alice, `/api/v1/calls/${established.id}/hold`);
    assert.match(await offerOnReinvite(phones.alice, 40002), /a=inactive/);
    assert.match(await offerOnReinvite(phones.bob, 41002), /a=inactive/);
    const afterHold = await held;
    assert.equal(afterHold.state, 'held');
    await assertError(
      await rest(people.alice, 'POST', `/api/v1/calls/${established.id}/hold`, {}),
      409,
      'PARLEY_ERR_INVALID_STATE',
    );
    const retrieved = post(people.alice, `/api/v1/calls/${established.id}/retrieve`);
    const fromAlice = await phones.alice.next('INVITE');
    fromAlice.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40004) });
    const toBob = await phones.bob.next('INVITE');
    assert.match(toBob.request.body.toString(), /m=audio 40004/, "alice's new offer goes to bob");
    toBob.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41004) });
    await phones.bob.next('ACK');
    assert.match((await phones.alice.next('ACK')).request.body.toString(), /m=audio 41004/, "bob's answer to alice");
    assert.equal((await retrieved).state, 'connected');
    await post(people.bob, `/api/v1/calls/${established.id}/clear`);
    for (const p of [phones.alice, phones.bob]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);
  });

  test('SingleStepTransfer: the transferring device leaves, the other party is called through to the target', async () => {
    const established = await connected();
    const transferred: string[] = [];
    const unsubscribe = s.core.ctx.bus.subscribe('call.transferred', (e) => void transferred.push(e.cause ?? ''), {
      userId: people.alice.userId,
    });
    const after = await post(people.alice, `/api/v1/calls/${established.id}/transfer`, { to: '203' });
    assert.equal(after.called.line, '203');
    (await phones.alice.next('BYE')).reply(200, 'OK');
    const atCarol = await phones.carol.next('INVITE');
    assert.equal(atCarol.request.body.length, 0, 'the target offers');
    assert.match(header(atCarol, 'From'), /"BOB" <sip:bob@example\.test>/, 'the target sees who is put through');
    atCarol.reply(180, 'Ringing');
    atCarol.reply(200, 'OK', { headers: sdpHeaders, body: SDP(42000) });
    const toBob = await phones.bob.next('INVITE');
    assert.match(toBob.request.body.toString(), /m=audio 42000/);
    toBob.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41000) });
    await phones.bob.next('ACK');
    assert.match((await phones.carol.next('ACK')).request.body.toString(), /m=audio 41000/);
    const call = await eventually(
      () =>
        live(people.carol).find((c) =>
          c.connections.some((x) => x.party.lineNumber === '203' && x.state === 'connected'),
        ),
      'carol connected with bob',
    );
    assert.deepEqual(transferred, ['singleStepTransfer']);
    unsubscribe();
    assert.deepEqual(
      call.connections
        .filter((c) => c.state === 'connected')
        .map((c) => c.party.lineNumber)
        .sort(),
      ['202', '203'],
    );
    assert.equal(live(people.alice).length, 0, 'alice is out of the call');
    await post(people.carol, `/api/v1/calls/${call.id}/clear`);
    for (const p of [phones.bob, phones.carol]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.bob);
  });

  test('ConsultationCall holds the call and calls the consulted party from the same line', async () => {
    const established = await connected();
    const consulting = post(people.alice, `/api/v1/calls/${established.id}/consult`, { to: '203' });
    assert.match(await offerOnReinvite(phones.alice, 40002), /a=inactive/);
    assert.match(await offerOnReinvite(phones.bob, 41002), /a=inactive/);
    const ring = await phones.alice.next('INVITE');
    assert.equal(header(ring, 'Answer-Mode'), 'Auto');
    const consultation = await consulting;
    assert.notEqual(consultation.id, established.id);
    assert.equal(consultation.called.line, '203');
    assert.equal(s.core.calls.get(people.alice.tenantId, established.id).connections[0]?.state, 'held');
    ring.reply(486, 'Busy Here');
    await phones.alice.next('ACK'); // of the 486, by the transaction (RFC 3261 §17.1.1.3)
    await eventually(() => (live(people.alice).length === 1 ? true : undefined), 'the consultation is over');
    await post(people.alice, `/api/v1/calls/${established.id}/clear`);
    for (const p of [phones.alice, phones.bob]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);
  });

  test('TransferCall (attended): the consulted party and the held party are connected, the transferring device leaves both', async () => {
    const first = await connected();
    const { second } = await consulted(first, 40020, 42020);
    const transferring = post(people.alice, `/api/v1/calls/${first.id}/transfer`, { call: second.id });
    const byes = await Promise.all([phones.alice.next('BYE'), phones.alice.next('BYE')]);
    for (const bye of byes) bye.reply(200, 'OK');
    assert.notEqual(byes[0]?.request.callId, byes[1]?.request.callId, "alice's two dialogs end");
    const fromCarol = await phones.carol.next('INVITE');
    assert.equal(fromCarol.request.body.length, 0, 'the consulted party is asked for an offer (Flow IV)');
    fromCarol.reply(200, 'OK', { headers: sdpHeaders, body: SDP(42022) });
    const toBob = await phones.bob.next('INVITE');
    assert.match(toBob.request.body.toString(), /m=audio 42022/, 'the held party answers it');
    toBob.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41020) });
    await phones.bob.next('ACK');
    assert.match((await phones.carol.next('ACK')).request.body.toString(), /m=audio 41020/);
    const joined = await transferring;
    assert.equal(joined.id, second.id);
    assert.deepEqual(
      joined.connections
        .filter((c) => c.state === 'connected')
        .map((c) => c.party.line)
        .sort(),
      ['202', '203'],
    );
    assert.equal(live(people.alice).length, 0, 'alice is in no call');
    assert.equal(live(people.bob).length, 1, 'the held call ended, bob is in the joined one');
    await post(people.bob, `/api/v1/calls/${second.id}/clear`);
    for (const p of [phones.bob, phones.carol]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.bob);
  });

  test('GenerateDigits anchors the media through Parley and sends RFC 4733 events to the other party', async () => {
    const [ears, mouth] = [await RtpPhone.open(), await RtpPhone.open()];
    const withEvents = (port: number) =>
      `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
    try {
      const made = await post(people.alice, '/api/v1/calls', { to: '202' });
      (await phones.alice.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: withEvents(mouth.port) });
      await phones.alice.next('ACK');
      (await phones.bob.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: withEvents(ears.port) });
      (await phones.alice.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: withEvents(mouth.port) });
      await phones.alice.next('ACK');
      await phones.bob.next('ACK');
      await eventually(() => live(people.alice).find((c) => c.answeredAt !== null), 'established');
      const sent = post(people.alice, `/api/v1/calls/${made.id}/digits`, { digits: '12#' });
      (await phones.alice.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: withEvents(mouth.port) });
      const toBob = await phones.bob.next('INVITE');
      const anchored = /m=audio (\d+)/.exec(toBob.request.body.toString())?.[1];
      assert.ok(anchored && Number(anchored) !== mouth.port, "bob is offered Parley's relay, not alice's phone");
      toBob.reply(200, 'OK', { headers: sdpHeaders, body: withEvents(ears.port) });
      await phones.bob.next('ACK');
      assert.notEqual(
        /m=audio (\d+)/.exec((await phones.alice.next('ACK')).request.body.toString())?.[1],
        String(ears.port),
      );
      await sent;
      const events = () => ears.received.filter((r) => r.packet.payloadType === 101);
      await ears.until(() => events().filter((r) => (r.packet.payload[1] ?? 0) & 0x80).length >= 9);
      const ended = [
        ...new Set(
          events()
            .filter((r) => (r.packet.payload[1] ?? 0) & 0x80)
            .map((r) => r.packet.payload[0]),
        ),
      ];
      assert.deepEqual(ended, [1, 2, 11], 'the events 1, 2 and # (RFC 4733 §3.2), each ended');
      await post(people.alice, `/api/v1/calls/${made.id}/clear`);
      for (const p of [phones.alice, phones.bob]) (await p.next('BYE')).reply(200, 'OK');
      await noCalls(people.alice);
    } finally {
      ears.close();
      mouth.close();
    }
  });

  test('GenerateDigits on encrypted media: DEVICE_UNSUPPORTED with the reason, the two phones keep talking end to end', async () => {
    const srtp = (port: number) =>
      `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoc2VuZGluZyk=\r\na=sendrecv\r\n`;
    const made = await connected();
    const refused = rest(people.alice, 'POST', `/api/v1/calls/${made.id}/digits`, { digits: '1' });
    (await phones.alice.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: srtp(40040) });
    const toBob = await phones.bob.next('INVITE');
    assert.match(toBob.request.body.toString(), /m=audio 40040 RTP\/SAVP/, "bob is offered alice's own media again");
    toBob.reply(200, 'OK', { headers: sdpHeaders, body: srtp(41040) });
    await phones.bob.next('ACK');
    assert.match((await phones.alice.next('ACK')).request.body.toString(), /m=audio 41040 RTP\/SAVP/);
    const error = assertError(await refused, 422, 'PARLEY_ERR_DEVICE_UNSUPPORTED');
    assert.match(error.message, /media.*RTP\/AVP/);
    assert.deepEqual(
      live(people.alice)[0]?.connections.map((c) => c.state),
      ['connected', 'connected'],
      'the call goes on',
    );
    await post(people.alice, `/api/v1/calls/${made.id}/clear`);
    for (const p of [phones.alice, phones.bob]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);
  });

  test('ConferenceCall: the held party joins, all three legs are re-INVITEd to the mixer; one hangs up, the others go on', async () => {
    const first = await connected();
    const { second, atCarol } = await consulted(first, 40030, 42030);
    const conferencing = post(people.alice, `/api/v1/calls/${first.id}/conference`, { call: second.id });
    // Each party's leg in turn: asked for an offer, answered by the mixer's endpoint.
    const mixer = new Set<string>();
    for (const [phone, port] of [
      [phones.alice, 40030],
      [phones.carol, 42030],
      [phones.bob, 41030],
    ] as const) {
      const answer = await offerOnReinvite(phone, port);
      mixer.add(/m=audio (\d+)/.exec(answer)?.[1] ?? '');
      assert.match(answer, /c=IN IP4 127\.0\.0\.1/);
    }
    assert.equal(mixer.size, 3, 'one mixer endpoint per party');
    (await phones.alice.next('BYE')).reply(200, 'OK');
    const conference = await conferencing;
    assert.equal(conference.id, second.id);
    assert.deepEqual(
      conference.connections
        .filter((c) => c.state === 'connected')
        .map((c) => c.party.line)
        .sort(),
      ['201', '202', '203'],
    );
    assert.equal(live(people.bob).length, 1, 'the held call ended, bob is in the conference');
    // Carol hangs up: alice and bob stay; then alice hangs up: bob, alone, is hung up.
    const dialog = SipPhone.dialogOf(atCarol.request, phones.carol.tag);
    assert.equal((await phones.carol.sendInDialog(dialog, 'BYE')).status, 200);
    await eventually(
      () => (live(people.alice)[0]?.connections.filter((c) => c.state === 'connected').length === 2 ? true : undefined),
      'two left',
    );
    await post(people.alice, `/api/v1/calls/${second.id}/clear`);
    for (const p of [phones.alice, phones.bob]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);
  });

  test('AnswerCall: the talk event for a phone that names it, a clear refusal for one that does not', async () => {
    const placed = phones.carol.invite('202@example.test');
    const ringing = await phones.bob.next('INVITE');
    ringing.reply(180, 'Ringing');
    const ringingCall = await eventually(() => live(people.bob)[0], 'the call at bob');
    await eventually(
      () => (live(people.bob)[0]?.connections.some((c) => c.state === 'alerting') ? true : undefined),
      'alerting',
    );
    const answered = post(people.bob, `/api/v1/calls/${ringingCall.id}/answer`);
    const talk = await phones.bob.next('NOTIFY');
    assert.equal(header(talk, 'Event'), 'talk');
    assert.equal(talk.request.callId, ringing.request.callId, 'in the early dialog of the INVITE');
    talk.reply(200, 'OK');
    await answered;
    ringing.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41000) });
    const { dialog } = await placed;
    assert.ok(dialog);
    await phones.bob.next('ACK');
    await phones.carol.sendInDialog(dialog, 'BYE');
    (await phones.bob.next('BYE')).reply(200, 'OK');
    await noCalls(people.bob);

    const toCarol = phones.bob.invite('203@example.test');
    const atCarol = await phones.carol.next('INVITE');
    atCarol.reply(180, 'Ringing');
    const carolCall = await eventually(
      () => live(people.carol).find((c) => c.connections.some((x) => x.state === 'alerting')),
      'ringing at carol',
    );
    const refused = await rest(people.carol, 'POST', `/api/v1/calls/${carolCall.id}/answer`, {});
    const error = assertError(refused, 422, 'PARLEY_ERR_DEVICE_UNSUPPORTED');
    assert.match(error.message, /neither uaCSTA nor the talk event/);
    atCarol.reply(486, 'Busy Here');
    assert.equal((await toCarol).response.status, 486);
    await noCalls(people.carol);
  });

  test('DeflectCall sends a ringing call elsewhere; DirectedPickup takes it at another line', async () => {
    const placed = phones.carol.invite('201@example.test');
    const atAlice = await phones.alice.next('INVITE');
    atAlice.reply(180, 'Ringing');
    const ringing = await eventually(
      () => live(people.alice).find((c) => c.connections.some((x) => x.state === 'alerting')),
      'ringing at alice',
    );
    const deflected = await post(people.alice, `/api/v1/calls/${ringing.id}/deflect`, { to: '202' });
    assert.equal(deflected.called.line, '202');
    (await phones.alice.next('CANCEL')).reply(200, 'OK');
    atAlice.reply(487, 'Request Terminated');
    const atBob = await phones.bob.next('INVITE');
    assert.match(atBob.request.body.toString(), /m=audio 40000/, "the caller's offer goes to the new target");
    atBob.reply(180, 'Ringing');
    await eventually(
      () =>
        live(people.bob).find((c) =>
          c.connections.some((x) => x.party.userId === people.bob.userId && x.state === 'alerting'),
        ),
      'ringing at bob',
    );
    // Alice takes it back from bob's line.
    const picked = await post(people.alice, `/api/v1/calls/${ringing.id}/pickup`);
    assert.equal(picked.called.line, '201');
    (await phones.bob.next('CANCEL')).reply(200, 'OK');
    atBob.reply(487, 'Request Terminated');
    const pickup = await phones.alice.next('INVITE');
    assert.equal(header(pickup, 'Answer-Mode'), 'Auto', 'the picking device answers by itself');
    pickup.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40010) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), /m=audio 40010/);
    await phones.alice.next('ACK');
    const call = await eventually(() => live(people.alice).find((c) => c.answeredAt !== null), 'picked up');
    assert.deepEqual(
      call.connections
        .filter((c) => c.state === 'connected')
        .map((c) => c.party.lineNumber)
        .sort(),
      ['201', '203'],
    );
    assert.ok(dialog);
    await phones.carol.sendInDialog(dialog, 'BYE');
    (await phones.alice.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);
  });

  test('a user controls only their own calls; MakeCall to an unregistered line or a caller that refuses fails clearly', async () => {
    const established = await connected();
    const outsider = await s.user('mallory@other.test');
    for (const who of [people.carol, outsider]) {
      assertError(await rest(who, 'POST', `/api/v1/calls/${established.id}/hold`, {}), 404, 'PARLEY_ERR_NOT_FOUND');
      assertError(await rest(who, 'GET', `/api/v1/calls/${established.id}`), 404, 'PARLEY_ERR_NOT_FOUND');
    }
    assertError(
      await rest(people.alice, 'POST', '/api/v1/calls', { to: '202', from: '203' }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    await post(people.alice, `/api/v1/calls/${established.id}/clear`);
    for (const p of [phones.alice, phones.bob]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);

    const dave = await s.user('dave@example.test');
    await s.core.lines.add(dave.tenantId, { number: '204', userId: dave.userId });
    assertError(await rest(people.alice, 'POST', '/api/v1/calls', { to: '204' }), 409, 'PARLEY_ERR_DEVICE_UNREACHABLE');
    assertError(await rest(dave, 'POST', '/api/v1/calls', { to: '201' }), 409, 'PARLEY_ERR_DEVICE_UNREACHABLE');
    assertError(await rest(people.alice, 'POST', '/api/v1/calls', { to: '999' }), 400, 'PARLEY_ERR_VALIDATION');

    const failed: string[] = [];
    const unsubscribe = s.core.ctx.bus.subscribe('call.failed', (e) => void failed.push(e.cause ?? ''), {
      userId: people.alice.userId,
    });
    await post(people.alice, '/api/v1/calls', { to: '202' });
    (await phones.alice.next('INVITE')).reply(486, 'Busy Here');
    await eventually(() => (failed.includes('busy') ? true : undefined), 'the call failed: busy');
    unsubscribe();
    await noCalls(people.alice);
  });
});

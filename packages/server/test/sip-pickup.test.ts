// GroupPickup and the pickup feature codes through the SIP switch: a call ringing at a line of the
// picking line's pickup group, the longest ringing first, answered at the picking line's device.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Call } from '@parley/api';
import { singleHeader } from '../src/adapters/sip/message/index.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, type Incoming, phoneFor, SDP, type SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };
type Person = Awaited<ReturnType<TestServer['user']>>;
const names = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
type Name = (typeof names)[number];

const header = (i: Incoming, name: string) => singleHeader(i.request.headers, name) ?? '';
const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];

describe('GroupPickup and feature codes through the SIP switch', () => {
  let s: TestServer;
  const people = {} as Record<Name, Person>;
  const phones = {} as Record<Name, Phone>;
  // alice 201, bob 202 and erin 205 share the pickup group "sales"; carol 203 and dave 204 are in none.
  const lines: Record<Name, [string, string | null]> = {
    alice: ['201', 'sales'],
    bob: ['202', 'sales'],
    carol: ['203', null],
    dave: ['204', null],
    erin: ['205', 'sales'],
  };

  before(async () => {
    s = await startTestServer();
    for (const name of names) {
      people[name] = await s.user(`${name}@pickup.test`);
      const [number, pickupGroup] = lines[name];
      await s.core.lines.add(people[name].tenantId, { number, userId: people[name].userId, pickupGroup });
      phones[name] = await phoneFor(s, `${name}@pickup.test`, 'udp', people[name]);
      assert.equal((await phones[name].register(600)).status, 200);
    }
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    await s.stop();
  });

  const rest = (who: Person, path: string, body: unknown = {}) => call(s.url, 'POST', path, { token: who.token, body });
  const live = (who: Person) => s.core.control.calls({ tenantId: who.tenantId, userId: who.userId, scope: 'user' });
  const noCalls = (who: Person) => eventually(() => (live(who).length === 0 ? true : undefined), 'no live calls');
  const ringingAt = (who: Person) =>
    eventually(
      () => live(who).find((c) => c.connections.some((x) => x.party.userId === who.userId && x.state === 'alerting')),
      `a call ringing at ${who.userId}`,
    );

  /** `from` calls `to`'s line; its phone rings (180). */
  async function ring(from: Name, to: Name) {
    const placed = phones[from].invite(`${lines[to][0]}@pickup.test`);
    const invite = await phones[to].next('INVITE');
    invite.reply(180, 'Ringing');
    return { placed, invite, call: await ringingAt(people[to]) };
  }

  /** The picked call rings `at` with the auto-answer hints; it answers and the caller gets its answer. */
  async function answerPicked(
    at: Name,
    port: number,
    rung: { invite: Incoming; placed: ReturnType<Phone['invite']> },
    ringingPhone: Name,
  ) {
    (await phones[ringingPhone].next('CANCEL')).reply(200, 'OK');
    rung.invite.reply(487, 'Request Terminated');
    await phones[ringingPhone].next('ACK');
    const pickup = await phones[at].next('INVITE');
    assert.equal(header(pickup, 'Answer-Mode'), 'Auto', 'the picking device answers by itself');
    pickup.reply(200, 'OK', { headers: sdpHeaders, body: SDP(port) });
    const { response, dialog } = await rung.placed;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), new RegExp(`m=audio ${port}`));
    await phones[at].next('ACK');
    assert.ok(dialog);
    return dialog;
  }

  /**
   * `at` dialled a feature code: its own INVITE takes the call over (a holding answer, then
   * connected with the caller's phone by re-INVITEs, RFC 3725 Flow IV). The caller's dialog.
   */
  async function takenOver(
    at: Name,
    port: number,
    rung: { invite: Incoming; placed: ReturnType<Phone['invite']> },
    ringingPhone: Name,
    callerPhone: Name,
    dialled: ReturnType<Phone['invite']>,
  ) {
    (await phones[ringingPhone].next('CANCEL')).reply(200, 'OK');
    rung.invite.reply(487, 'Request Terminated');
    await phones[ringingPhone].next('ACK');
    const mine = await dialled;
    assert.equal(mine.response.status, 200, mine.response.reason);
    assert.match(mine.response.body.toString(), /a=inactive/, 'a holding answer');
    const { response, dialog } = await rung.placed;
    assert.equal(response.status, 200);
    (await phones[at].next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: SDP(port) });
    const toCaller = await phones[callerPhone].next('INVITE');
    assert.match(toCaller.request.body.toString(), new RegExp(`m=audio ${port}`), "the picking phone's offer");
    toCaller.reply(200, 'OK', { headers: sdpHeaders, body: SDP(port + 1) });
    assert.match((await phones[at].next('ACK')).request.body.toString(), new RegExp(`m=audio ${port + 1}`));
    await phones[callerPhone].next('ACK');
    assert.ok(dialog);
    return dialog;
  }

  test('GroupPickup takes the call ringing longest in the group; *8 on a phone takes the next one', async () => {
    const first = await ring('carol', 'bob');
    const second = await ring('dave', 'erin');
    const picked = await rest(people.alice, '/api/v1/calls/pickup');
    assert.equal(picked.status, 200, picked.text);
    const call1 = JSON.parse(picked.text) as Call;
    assert.equal(call1.id, first.call.id, 'the longest ringing call');
    assert.equal(call1.called.line, '201');
    const dialog1 = await answerPicked('alice', 40020, first, 'bob');
    await eventually(
      () => live(people.alice).find((c) => c.id === first.call.id && c.answeredAt !== null),
      'picked up at alice',
    );

    // Bob dials *8: his phone's own call takes over the call ringing at erin's line.
    const dialog2 = await takenOver('bob', 40022, second, 'erin', 'dave', phones.bob.invite('*8@pickup.test'));
    const taken = await eventually(
      () => live(people.bob).find((c) => c.id === second.call.id && c.answeredAt !== null),
      'picked up at bob',
    );
    assert.deepEqual(
      taken.connections.filter((c) => c.state === 'connected').map((c) => c.party.lineNumber),
      ['204', '202'],
    );
    await phones.carol.sendInDialog(dialog1, 'BYE');
    (await phones.alice.next('BYE')).reply(200, 'OK');
    await phones.dave.sendInDialog(dialog2, 'BYE');
    (await phones.bob.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);
    await noCalls(people.bob);
  });

  test('nothing ringing, a line in no group, another tenant: clear refusals; **EXT picks up one line', async () => {
    const none = assertError(await rest(people.alice, '/api/v1/calls/pickup'), 409, 'PARLEY_ERR_INVALID_STATE');
    assert.equal(none.message, 'no call is ringing in your pickup group');
    const alone = assertError(await rest(people.carol, '/api/v1/calls/pickup'), 409, 'PARLEY_ERR_INVALID_STATE');
    assert.match(alone.message, /line 203 is in no pickup group/);
    assert.equal((await phones.alice.invite('*8@pickup.test')).response.status, 480);
    assert.equal((await phones.carol.invite('**999@pickup.test')).response.status, 404);

    // A call ringing at alice's own line is not hers to pick up from the group.
    const own = await ring('carol', 'alice');
    assertError(await rest(people.alice, '/api/v1/calls/pickup'), 409, 'PARLEY_ERR_INVALID_STATE');
    // Another tenant's admin with a line in a group called "sales" too sees nothing of it.
    const outsider = await s.user('mallory@elsewhere.test', { role: 'tenant-admin' });
    await s.core.lines.add(outsider.tenantId, { number: '201', userId: outsider.userId, pickupGroup: 'sales' });
    assertError(await rest(outsider, '/api/v1/calls/pickup'), 409, 'PARLEY_ERR_INVALID_STATE');
    assertError(await rest(outsider, '/api/v1/calls/pickup', { device: '203' }), 404, 'PARLEY_ERR_NOT_FOUND');

    // Dave (in no group) dials **201: directed pickup of the call ringing at alice.
    const dialog = await takenOver('dave', 40024, own, 'alice', 'carol', phones.dave.invite('**201@pickup.test'));
    await phones.carol.sendInDialog(dialog, 'BYE');
    (await phones.dave.next('BYE')).reply(200, 'OK');
    await noCalls(people.dave);
  });
});

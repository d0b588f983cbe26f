// CallBack (ECMA-269 §17.1.4/5, CancelCallBack) through the SIP switch: "call me back when this line
// is free". Busy (CCBS): served when the target's calls end; no answer (CCNR): when the target has
// used its phone again and that call ended. The asker's phone rings without auto-answer hints, then
// the target is called as by MakeCall.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallBack } from '@parley/api';
import { singleHeader } from '../src/adapters/sip/message/index.js';
import type { CallBackStatus } from '../src/core/callbacks/model.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { type Dialog, eventually, type Incoming, phoneFor, SDP, type SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };
type Person = Awaited<ReturnType<TestServer['user']>>;
const names = ['alice', 'bob', 'carol'] as const;
type Name = (typeof names)[number];
const numbers: Record<Name, string> = { alice: '201', bob: '202', carol: '203' };

const header = (i: Incoming, name: string) => singleHeader(i.request.headers, name);
const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];

describe('CallBack through the SIP switch', () => {
  let s: TestServer;
  const people = {} as Record<Name, Person>;
  const phones = {} as Record<Name, Phone>;
  const seen: { status: CallBackStatus; id: string; callId?: string }[] = [];

  before(async () => {
    s = await startTestServer();
    for (const name of names) {
      people[name] = await s.user(`${name}@callback.test`);
      await s.core.lines.add(people[name].tenantId, { number: numbers[name], userId: people[name].userId });
      phones[name] = await phoneFor(s, `${name}@callback.test`, 'udp', people[name]);
      assert.equal((await phones[name].register(600)).status, 200);
    }
    s.core.ctx.bus.subscribe(
      'callback.changed',
      (e) => void seen.push({ status: e.status, id: e.callBack.id, ...(e.callId && { callId: e.callId }) }),
      { userId: people.alice.userId },
    );
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    await s.stop();
  });

  const rest = (who: Person, method: string, path: string, body?: unknown) =>
    call(s.url, method, path, { token: who.token, ...(body === undefined ? {} : { body }) });
  const live = (who: Person) => s.core.control.calls({ tenantId: who.tenantId, userId: who.userId, scope: 'user' });
  const noCalls = (who: Person) => eventually(() => (live(who).length === 0 ? true : undefined), 'no live calls');
  const pending = async (who: Person) =>
    (JSON.parse((await rest(who, 'GET', '/api/v1/callbacks')).text) as { callBacks: CallBack[] }).callBacks;
  const statuses = (id: string) => seen.filter((e) => e.id === id).map((e) => e.status);

  /** `from` calls `to`, who answers: the caller's dialog. */
  async function talk(from: Name, to: Name, port: number): Promise<Dialog> {
    const placed = phones[from].invite(`${numbers[to]}@callback.test`);
    const invite = await phones[to].next('INVITE');
    invite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(port) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    await phones[to].next('ACK');
    assert.ok(dialog);
    return dialog;
  }

  /** `from` hangs up the dialog; the other phone gets the BYE. */
  async function hangUp(from: Name, dialog: Dialog, other: Name) {
    await phones[from].sendInDialog(dialog, 'BYE');
    (await phones[other].next('BYE')).reply(200, 'OK');
  }

  /**
   * The call-back: alice's phone rings (no auto-answer: she asked for a ring; the display names
   * whom it calls), she answers, `target` is called and answers; both hang up.
   */
  async function servedTo(target: Name, id: string) {
    const ring = await phones.alice.next('INVITE', 20_000);
    assert.equal(header(ring, 'Answer-Mode'), undefined, 'a call-back rings: no auto-answer hints');
    assert.equal(header(ring, 'Call-Info'), undefined);
    assert.match(header(ring, 'From') ?? '', new RegExp(`sip:${numbers[target]}@callback\\.test`));
    ring.reply(180, 'Ringing');
    ring.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40100) });
    await phones.alice.next('ACK');
    const atTarget = await phones[target].next('INVITE');
    atTarget.reply(200, 'OK', { headers: sdpHeaders, body: SDP(41100) });
    const reinvite = await phones.alice.next('INVITE');
    assert.match(reinvite.request.body.toString(), /m=audio 41100/, "the target's offer reaches alice");
    reinvite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40100) });
    await phones.alice.next('ACK');
    await phones[target].next('ACK');
    const ringing = seen.find((e) => e.id === id && e.status === 'ringing');
    assert.ok(ringing?.callId, 'ringing names the call-back call');
    const established = await eventually(
      () => live(people.alice).find((c) => c.id === ringing.callId && c.answeredAt !== null),
      'the call-back call connected',
    );
    assert.deepEqual(
      established.connections.map((c) => [c.party.lineNumber, c.role, c.state]),
      [
        ['201', 'calling', 'connected'],
        [numbers[target], 'called', 'connected'],
      ],
    );
    await rest(people.alice, 'POST', `/api/v1/calls/${established.id}/clear`, {});
    for (const p of [phones.alice, phones[target]]) (await p.next('BYE')).reply(200, 'OK');
    await noCalls(people.alice);
    await eventually(() => (statuses(id).includes('done') ? true : undefined), 'done');
    assert.deepEqual(statuses(id), ['requested', 'ringing', 'done']);
    assert.deepEqual(await pending(people.alice), [], 'the request is used up');
  }

  test('busy: alice calls bob, who is on the phone; she is rung when his call ends, then he is called', async () => {
    const withCarol = await talk('carol', 'bob', 41200);
    const placed = phones.alice.invite('202@callback.test');
    const atBob = await phones.bob.next('INVITE');
    const attempt = await eventually(() => live(people.alice)[0], "alice's call");
    atBob.reply(486, 'Busy Here');
    assert.equal((await placed).response.status, 486);
    const asked = await rest(people.alice, 'POST', `/api/v1/calls/${attempt.id}/callback`);
    assert.equal(asked.status, 201, asked.text);
    const callBack = JSON.parse(asked.text) as CallBack;
    assert.deepEqual(
      { from: callBack.from, to: callBack.to, toUser: callBack.toUser, mode: callBack.mode },
      { from: '201', to: '202', toUser: 'bob@callback.test', mode: 'busy' },
    );
    assert.deepEqual(
      (await pending(people.alice)).map((c) => c.id),
      [callBack.id],
    );
    const again = await rest(people.alice, 'POST', '/api/v1/callbacks', { to: 'bob@callback.test' });
    assert.equal((JSON.parse(again.text) as CallBack).id, callBack.id, 'the same request is the pending one');
    await s.core.callBacks.sweep();
    assert.equal((await pending(people.alice)).length, 1, 'bob is still on the phone');
    await hangUp('carol', withCarol, 'bob');
    await servedTo('bob', callBack.id);
  });

  test('no answer: served only after the target has used its phone again and that call ended', async () => {
    const placed = phones.alice.invite('202@callback.test');
    const atBob = await phones.bob.next('INVITE');
    atBob.reply(180, 'Ringing');
    const attempt = await eventually(() => live(people.alice)[0], "alice's call");
    const asked = await rest(people.alice, 'POST', `/api/v1/calls/${attempt.id}/callback`);
    assert.equal(asked.status, 201, asked.text);
    const callBack = JSON.parse(asked.text) as CallBack;
    assert.equal(callBack.mode, 'noAnswer');
    assert.equal((await phones.alice.cancelInvite()).status, 200);
    (await phones.bob.next('CANCEL')).reply(200, 'OK');
    atBob.reply(487, 'Request Terminated');
    assert.equal((await placed).response.status, 487);
    await noCalls(people.alice);
    await s.core.callBacks.sweep();
    assert.equal((await pending(people.alice)).length, 1, 'bob has not been at his phone since');
    // Bob comes back and makes a call; when it ends, alice is rung.
    const withCarol = await talk('bob', 'carol', 41300);
    await s.core.callBacks.sweep();
    assert.equal((await pending(people.alice)).length, 1, 'still on the phone');
    await hangUp('bob', withCarol, 'carol');
    await servedTo('bob', callBack.id);
  });

  test('cancel, expiry, the per-user limit, bad targets and other tenants', async () => {
    const asked = await rest(people.alice, 'POST', '/api/v1/callbacks', { to: '203' });
    assert.equal(asked.status, 201, asked.text);
    const { id } = JSON.parse(asked.text) as CallBack;
    assert.equal((await rest(people.alice, 'DELETE', `/api/v1/callbacks/${id}`)).status, 204);
    assertError(await rest(people.alice, 'DELETE', `/api/v1/callbacks/${id}`), 404, 'PARLEY_ERR_NOT_FOUND');
    assert.deepEqual(statuses(id), ['requested', 'cancelled']);

    // Expiry: a request past its time goes at the next round of the serving node.
    const old = JSON.parse((await rest(people.alice, 'POST', '/api/v1/callbacks', { to: '203' })).text) as CallBack;
    await s.core.ctx.store.db.updateTable('call_backs').set({ expires_at: 0 }).where('id', '=', old.id).execute();
    await s.core.callBacks.sweep();
    assert.deepEqual(statuses(old.id), ['requested', 'expired']);
    assert.deepEqual(await pending(people.alice), []);

    assertError(await rest(people.alice, 'POST', '/api/v1/callbacks', { to: '201' }), 400, 'PARLEY_ERR_VALIDATION');
    assertError(await rest(people.alice, 'POST', '/api/v1/callbacks', { to: '299' }), 404, 'PARLEY_ERR_NOT_FOUND');
    for (let i = 0; i < 5; i++) {
      const extra = await s.user(`extra${i}@callback.test`);
      await s.core.lines.add(extra.tenantId, { number: `21${i}`, userId: extra.userId });
      assert.equal((await rest(people.alice, 'POST', '/api/v1/callbacks', { to: `21${i}` })).status, 201);
    }
    const full = assertError(
      await rest(people.alice, 'POST', '/api/v1/callbacks', { to: '203' }),
      409,
      'PARLEY_ERR_CONFLICT',
    );
    assert.match(full.message, /5 call-backs pending/);

    // Another tenant names alice's request, her line, her calls: nothing of hers.
    const mallory = await s.user('mallory@elsewhere.test');
    await s.core.lines.add(mallory.tenantId, { number: '201', userId: mallory.userId });
    const [first] = await pending(people.alice);
    assertError(await rest(mallory, 'DELETE', `/api/v1/callbacks/${first?.id}`), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await rest(mallory, 'POST', '/api/v1/callbacks', { to: '202' }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(
      await rest(mallory, 'POST', '/api/v1/callbacks', { to: '202', from: '201' }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    assert.deepEqual(await pending(mallory), []);
    for (const r of await pending(people.alice))
      assert.equal((await rest(people.alice, 'DELETE', `/api/v1/callbacks/${r.id}`)).status, 204);
  });
});

describe('a pending call-back across a restart', () => {
  test('kept in the store: the restarted server lists it and serves it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-callback-'));
    const first = await startTestServer({ dataDir });
    const alice = await first.user('alice@restart.test');
    const bob = await first.user('bob@restart.test');
    await first.core.lines.add(alice.tenantId, { number: '201', userId: alice.userId });
    await first.core.lines.add(bob.tenantId, { number: '202', userId: bob.userId });
    const asked = await alice.api.request('callbacks.create', { body: { to: '202' } });
    await first.server.stop();

    const s = await startTestServer({ dataDir });
    const phones: Phone[] = [];
    try {
      const { token } = await s.api.request('auth.login', {
        body: { user: 'alice@restart.test', password: alice.password },
      });
      const listed = await s.api.withToken(token).request('callbacks.list', {});
      assert.deepEqual(
        listed.callBacks.map((c) => [c.id, c.to, c.mode]),
        [[asked.id, '202', 'noAnswer']],
      );
      for (const who of [alice, bob]) {
        const address = who === alice ? 'alice@restart.test' : 'bob@restart.test';
        const phone = await phoneFor(s, address, 'udp', who);
        assert.equal((await phone.register(600)).status, 200);
        phones.push(phone);
      }
      const [alicePhone, bobPhone] = phones as [Phone, Phone];
      // Bob uses his phone (he calls alice); when that ends, the restarted server serves the request.
      const placed = bobPhone.invite('201@restart.test');
      (await alicePhone.next('INVITE')).reply(200, 'OK', { headers: sdpHeaders, body: SDP(40400) });
      const { dialog } = await placed;
      await alicePhone.next('ACK');
      assert.ok(dialog);
      await bobPhone.sendInDialog(dialog, 'BYE');
      (await alicePhone.next('BYE')).reply(200, 'OK');
      const ring = await alicePhone.next('INVITE', 20_000);
      assert.match(header(ring, 'From') ?? '', /sip:202@restart\.test/);
      assert.equal(header(ring, 'Answer-Mode'), undefined);
      ring.reply(486, 'Busy Here');
      await eventually(
        async () => ((await s.core.callBacks.list(alice.tenantId, alice.userId)).length === 0 ? true : undefined),
        'used up',
      );
    } finally {
      for (const p of phones) p.close();
      await s.stop();
    }
  });
});

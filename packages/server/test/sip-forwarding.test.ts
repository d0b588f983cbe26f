// The callee's call settings applied by the SIP switch: do not disturb refuses the call, immediate
// forwarding rings the target instead, forwarding on busy and on no answer take over from the
// callee's devices, and a callee with no registered device is forwarded at once.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, phoneFor, SDP, type SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };

const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];

describe('forwarding and do not disturb in the SIP switch', () => {
  let s: TestServer;
  const phones: Record<'alice' | 'bob' | 'carol', Phone> = {} as never;
  const events: { type: string; cause: string | null }[] = [];

  before(async () => {
    s = await startTestServer();
    const numbers = { alice: '201', bob: '202', carol: '203' } as const;
    for (const name of ['alice', 'bob', 'carol'] as const) {
      const person = await s.user(`${name}@example.test`);
      await s.core.lines.add(person.tenantId, { number: numbers[name], userId: person.userId });
      phones[name] = await phoneFor(s, `${name}@example.test`, 'udp', person);
      assert.equal((await phones[name].register(600)).status, 200);
    }
    for (const type of ['call.diverted', 'call.failed'] as const)
      s.core.ctx.bus.subscribe(type, (e) => void events.push({ type, cause: e.cause }), {
        userId: phones.alice.userId,
      });
  });
  beforeEach(async () => {
    events.length = 0;
    const { tenantId, userId } = phones.bob;
    await s.core.forwarding.setDnd(tenantId, userId, false);
    for (const type of ['immediate', 'busy', 'noAnswer'] as const)
      await s.core.forwarding.setForwarding(tenantId, userId, type, { enabled: false });
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    await s.stop();
  });

  const noCalls = () =>
    eventually(() => (s.core.calls.ofTenant(phones.alice.tenantId).length === 0 ? true : undefined), 'no live calls');
  const seen = (type: string, cause: string) => () =>
    events.some((e) => e.type === type && e.cause === cause) ? true : undefined;

  /** Carol's phone answers the forwarded call; alice hangs up. */
  async function carolTakes(placed: ReturnType<SipPhone['invite']>): Promise<void> {
    const atCarol = await phones.carol.next('INVITE');
    assert.match(atCarol.request.body.toString(), /m=audio 40000/, "alice's offer reaches carol");
    atCarol.reply(200, 'OK', { headers: sdpHeaders, body: SDP(42000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), /m=audio 42000/);
    await phones.carol.next('ACK');
    assert.ok(dialog);
    await phones.alice.sendInDialog(dialog, 'BYE');
    (await phones.carol.next('BYE')).reply(200, 'OK');
    await noCalls();
  }

  test('do not disturb: the caller gets 486 and the call fails with cause doNotDisturb', async () => {
    await s.core.forwarding.setDnd(phones.bob.tenantId, phones.bob.userId, true);
    const { response } = await phones.alice.invite('202@example.test');
    assert.equal(response.status, 486);
    await eventually(seen('call.failed', 'doNotDisturb'), 'failed: doNotDisturb');
    assert.equal(phones.bob.incoming.filter((i) => i.request.method === 'INVITE').length, 0, "bob's phone never rang");
    await noCalls();
  });

  test('immediate forwarding rings the target instead of the callee', async () => {
    await s.core.forwarding.setForwarding(phones.bob.tenantId, phones.bob.userId, 'immediate', {
      enabled: true,
      to: '203',
    });
    const before = phones.bob.incoming.length;
    const placed = phones.alice.invite('202@example.test');
    await carolTakes(placed);
    assert.ok(seen('call.diverted', 'callForwardImmediate')());
    assert.equal(phones.bob.incoming.length, before, "bob's phone never rang");
  });

  test('forwarding on busy takes over when the callee is busy', async () => {
    await s.core.forwarding.setForwarding(phones.bob.tenantId, phones.bob.userId, 'busy', { enabled: true, to: '203' });
    const placed = phones.alice.invite('202@example.test');
    (await phones.bob.next('INVITE')).reply(486, 'Busy Here');
    await carolTakes(placed);
    assert.ok(seen('call.diverted', 'callForwardBusy')());
  });

  test('forwarding on no answer takes over after its time; the ringing phone is cancelled', async () => {
    await s.core.forwarding.setForwarding(phones.bob.tenantId, phones.bob.userId, 'noAnswer', {
      enabled: true,
      to: '203',
      afterSeconds: 5,
    });
    const placed = phones.alice.invite('202@example.test');
    const atBob = await phones.bob.next('INVITE');
    atBob.reply(180, 'Ringing');
    (await phones.bob.next('CANCEL', 30_000)).reply(200, 'OK');
    atBob.reply(487, 'Request Terminated');
    await carolTakes(placed);
    assert.ok(seen('call.diverted', 'callForwardNoAnswer')());
  });

  test('a callee with no registered device is forwarded at once by their no-answer rule', async () => {
    await s.core.forwarding.setForwarding(phones.bob.tenantId, phones.bob.userId, 'noAnswer', {
      enabled: true,
      to: '203',
      afterSeconds: 20,
    });
    assert.equal((await phones.bob.register(0)).status, 200);
    try {
      await carolTakes(phones.alice.invite('202@example.test'));
      assert.ok(seen('call.diverted', 'callForwardNoAnswer')());
    } finally {
      assert.equal((await phones.bob.register(600)).status, 200);
    }
  });
});

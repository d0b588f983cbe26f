// Call pickup by Replaces (RFC 3891) the way BLF keys do it: a colleague's phone watches bob's
// line (dialog-info), sees the call ring with its dialog ids, and sends an INVITE whose Replaces
// names that early dialog. Parley cancels bob's phone and connects the caller with the picking
// phone (RFC 3725 Flow IV: both parked, then connected); the core reports the pickup. Ids of
// another tenant's call, unknown ids and a call no longer ringing are refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { renderUri, type SipHeader } from '../src/adapters/sip/message/index.js';
import { startTestServer, type TestServer } from './support/server.js';
import { type Dialog, eventually, phoneFor, SDP, type SipPhone } from './support/sip-phone.js';
import { SipWatcher } from './support/sip-watcher.js';

type Phone = SipPhone & { userId: string; tenantId: string };
const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];

describe('call pickup by INVITE with Replaces', () => {
  let s: TestServer;
  const phones: Record<'alice' | 'bob' | 'carol' | 'eve', Phone> = {} as never;
  let watcher: SipWatcher;

  before(async () => {
    s = await startTestServer();
    for (const [address, number] of [
      ['alice@example.test', '201'],
      ['bob@example.test', '202'],
      ['carol@example.test', '203'],
      ['eve@other.test', '301'],
    ] as const) {
      const u = await s.user(address);
      await s.core.lines.add(u.tenantId, { number, userId: u.userId });
      const name = address.split('@')[0] as keyof typeof phones;
      phones[name] = await phoneFor(s, address, 'udp', u);
      assert.equal((await phones[name].register(600)).status, 200);
    }
    const carol = phones.carol;
    const { device, password } = await s.core.devices.create(carol.tenantId, carol.userId, { name: 'blf' });
    const udp = s.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(udp);
    watcher = await SipWatcher.open(
      { host: udp.host, port: udp.port },
      { user: 'carol', domain: 'example.test', username: device.username, password },
    );
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    watcher?.close();
    await s.stop();
  });

  const replacing = (phone: SipPhone, value: string) =>
    phone.request(
      'INVITE',
      'sip:202@example.test',
      [
        {
          name: 'From',
          value: `<sip:${phone === phones.eve ? 'eve@other.test' : 'carol@example.test'}>;tag=p${Date.now()}`,
        },
        { name: 'To', value: '<sip:202@example.test>' },
        { name: 'Call-ID', value: `pickup-${Math.random()}@phone` },
        { name: 'Contact', value: phone.contact },
        { name: 'Replaces', value },
        ...(sdpHeaders as SipHeader[]),
      ],
      { body: SDP(43000) },
    );

  test('a BLF key sees the early dialog and picks the call up with Replaces', async () => {
    const { dialog: subscription } = await watcher.subscribe('sip:202@example.test', 'dialog');
    assert.ok(subscription);
    const placed = phones.alice.invite('202@example.test');
    const ringing = await phones.bob.next('INVITE');
    ringing.reply(180, 'Ringing', { toTag: 'bobtag' });
    const notify = await watcher.nextNotify((n) => /<state>early<\/state>/.test(n.body.toString()), {
      dialog: subscription,
    });
    const xml = notify.body.toString();
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(xml)?.[1] ?? '';
    assert.equal(attr('call-id'), ringing.request.callId, 'the dialog ringing at bob');
    assert.equal(attr('local-tag'), 'bobtag', "bob's tag is the local one");
    const ids = { callId: attr('call-id'), local: attr('local-tag'), remote: attr('remote-tag') };
    assert.ok(ids.remote);

    // Another tenant's device, and ids nobody has, get 481.
    const value = `${ids.callId};to-tag=${ids.remote};from-tag=${ids.local};early-only`;
    assert.equal((await replacing(phones.eve, value)).status, 481);
    assert.equal((await replacing(phones.carol, `nope@x;to-tag=${ids.remote};from-tag=${ids.local}`)).status, 481);

    const picking = replacing(phones.carol, value);
    const cancel = await phones.bob.next('CANCEL');
    cancel.reply(200, 'OK');
    ringing.reply(487, 'Request Terminated');
    const picked = await picking;
    assert.equal(picked.status, 200);
    assert.match(picked.body.toString(), /a=inactive/, 'a holding answer (Flow IV)');
    const contact = picked.contact === '*' ? undefined : picked.contact?.[0];
    const carolDialog: Dialog = {
      callId: picked.callId,
      localTag: picked.from.params.get('tag') ?? '',
      remoteTag: picked.to.params.get('tag') ?? '',
      remoteTarget: contact ? renderUri(contact.uri) : 'sip:202@example.test',
      localUri: '<sip:carol@example.test>',
      remoteUri: '<sip:202@example.test>',
      seq: picked.cseq.seq,
      routeSet: [],
    };
    phones.carol.send(phones.carol.inDialog(carolDialog, 'ACK', carolDialog.seq));
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.ok(dialog);
    // Connected: carol's phone offers in a re-INVITE, alice's answers.
    const reinvite = await phones.carol.next('INVITE');
    reinvite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(43000) });
    const toAlice = await phones.alice.next('INVITE');
    assert.match(toAlice.request.body.toString(), /m=audio 43000/);
    toAlice.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40000) });
    assert.match((await phones.carol.next('ACK')).request.body.toString(), /m=audio 40000/);
    await phones.alice.next('ACK');
    const call = await eventually(
      () =>
        s.core.control
          .calls({ tenantId: phones.carol.tenantId, userId: phones.carol.userId, scope: 'user' })
          .find((c) => c.connections.some((x) => x.party.userId === phones.carol.userId && x.state === 'connected')),
      'connected at carol',
    );
    assert.ok(call.connections.some((c) => c.party.userId === phones.alice.userId && c.state === 'connected'));

    // The call no longer rings: the same ids get 486.
    assert.equal((await replacing(phones.carol, value)).status, 486);
    await phones.alice.sendInDialog(dialog, 'BYE');
    (await phones.carol.next('BYE')).reply(200, 'OK');
  });
});

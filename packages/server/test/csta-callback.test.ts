// GroupPickupCall, CallBackNonCallRelated, CancelCallBack and the CallBack event over a real CSTA
// session (ECMA-323 XML on TCP), against the same core services as REST.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CstaClient, startSession } from './support/csta.js';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, phoneFor, type SipPhone } from './support/sip-phone.js';

const ED4 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed4';
const csta = (name: string, inner = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><${name} xmlns="${ED4}">${inner}</${name}>`;
const callBack = (name: string) =>
  csta(name, '<orignatingDevice>201</orignatingDevice><targetDevice>202</targetDevice>');

describe('CSTA pickup groups and call-backs', () => {
  let server: TestServer;
  let client: CstaClient;
  const phones: SipPhone[] = [];

  before(async () => {
    server = await startTestServer();
    for (const [address, number] of [
      ['alice@cb.test', '201'],
      ['bob@cb.test', '202'],
      ['carol@cb.test', '203'],
    ] as const) {
      const u = await server.user(address, { password: `${address} password` });
      await server.core.lines.add(u.tenantId, { number, userId: u.userId, pickupGroup: 'desk' });
      const phone = await phoneFor(server, address, 'udp', u);
      await phone.register(600);
      phones.push(phone);
    }
    const port = server.listeners.find((l) => l.name === 'csta')?.port as number;
    client = await CstaClient.open(port, 'header', false);
    const r = await client.ask(startSession('alice@cb.test', 'alice@cb.test password'));
    assert.equal(r.root.name, 'StartApplicationSessionPosResponse', r.xml);
  });
  after(async () => {
    client.close();
    for (const p of phones) p.close();
    await server.stop();
  });

  test('features list the services and the CallBack event', async () => {
    const features = await client.ask(csta('GetCSTAFeatures'));
    for (const name of ['callBack', 'callBackNonCallRelated', 'cancelCallBack', 'groupPickupCall'])
      assert.match(features.xml, new RegExp(`<${name}>true</${name}>`), name);
    assert.match(features.xml, /<logicalDeviceFeatureEvents><callBack>true<\/callBack>/);
  });

  test('CallBackNonCallRelated sets a call-back (CallBack event), CancelCallBack takes it away', async () => {
    await client.ask(csta('MonitorStart', '<monitorObject><deviceObject>201</deviceObject></monitorObject>'));
    const set = await client.ask(callBack('CallBackNonCallRelated'));
    assert.equal(set.root.name, 'CallBackNonCallRelatedResponse', set.xml);
    const on = await client.event('CallBackEvent');
    assert.deepEqual(
      [
        on.text('originatingDevice/deviceIdentifier'),
        on.text('targetDevice/deviceIdentifier'),
        on.text('callBackSetCanceled'),
      ],
      ['201', '202', 'true'],
    );
    const [alice] = await server.core.users.list((await server.core.tenants.byDomain('cb.test')).id);
    assert.ok(alice);
    await eventually(
      async () => ((await server.core.callBacks.list(alice.tenantId, alice.id)).length === 1 ? true : undefined),
      'kept',
    );
    const cancelled = await client.ask(callBack('CancelCallBack'));
    assert.equal(cancelled.root.name, 'CancelCallBackResponse', cancelled.xml);
    assert.equal((await client.event('CallBackEvent')).text('callBackSetCanceled'), 'false');
    assert.equal((await client.ask(callBack('CancelCallBack'))).error, 'operation/invalidDeviceID');
  });

  test('GroupPickupCall with nothing ringing in the group is refused with the CSTA error', async () => {
    const r = await client.ask(csta('GroupPickupCall', '<newDestination>201</newDestination>'));
    assert.equal(r.error, 'stateIncompatibility/invalidObjectState', r.xml);
  });
});

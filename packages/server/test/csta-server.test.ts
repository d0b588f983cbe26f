import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CstaClient, startSession } from './support/csta.js';
import { startTestServer, type TestServer } from './support/server.js';
import { phoneFor, SDP, type SipPhone } from './support/sip-phone.js';

const ED4 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed4';
const csta = (name: string, inner = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><${name} xmlns="${ED4}">${inner}</${name}>`;
const monitor = (device: string) =>
  csta('MonitorStart', `<monitorObject><deviceObject>${device}</deviceObject></monitorObject>`);
const status = csta('RequestSystemStatus');

/**
 * The CSTA listener over real TCP (and TLS): logins of users, tenant admins and application
 * accounts; what each may see; and hostile input, after which every other session goes on.
 */
describe('CSTA server', () => {
  let server: TestServer;
  let port: number;
  let tlsPort: number;
  let appSecret: string;
  const phones: Record<string, SipPhone> = {};
  const open = async (framing: 'header' | 'nul' = 'header', tls = false) =>
    CstaClient.open(tls ? tlsPort : port, framing, tls);
  const login = async (user: string, password: string, framing: 'header' | 'nul' = 'header') => {
    const client = await open(framing);
    const r = await client.ask(startSession(user, password));
    assert.equal(r.root.name, 'StartApplicationSessionPosResponse', r.xml);
    return client;
  };

  before(async () => {
    server = await startTestServer({
      'csta.tls.enabled': true,
      'csta.tls.port': 0,
      'csta.limits.maxFrameBytes': 4096,
      'csta.session.minSeconds': 1,
      'csta.limits.loginSeconds': 2,
    });
    port = server.listeners.find((l) => l.name === 'csta')?.port as number;
    tlsPort = server.listeners.find((l) => l.name === 'csta-tls')?.port as number;
    const people = [
      ['alice@a.test', '201', 'user'],
      ['bob@a.test', '202', 'user'],
      ['admin@a.test', '209', 'tenant-admin'],
      ['eve@b.test', '301', 'user'],
    ] as const;
    for (const [address, number, role] of people) {
      const u = await server.user(address, { role, password: `${address} password` });
      await server.core.lines.add(u.tenantId, { number, userId: u.userId });
      if (number === '201' || number === '202') {
        // Alice's phone answers by itself; bob's rings and can be answered remotely (talk event).
        const phone = await phoneFor(server, address, 'udp', u);
        phone.autoAnswer = (r) =>
          r.method === 'ACK' || (number === '202' && r.method === 'INVITE')
            ? undefined
            : r.method === 'INVITE'
              ? { status: 200, sdp: SDP(40000) }
              : 200;
        const headers = number === '202' ? [{ name: 'Allow-Events', value: 'talk' }] : [];
        await phone.register(600, { headers });
        phones[number] = phone;
      }
    }
    const a = await server.core.tenants.byDomain('a.test');
    appSecret = (await server.core.ctiApps.create(a.id, 'crm')).secret;
  });
  after(async () => {
    for (const p of Object.values(phones)) p.close();
    await server.stop();
  });

  test('a user sees their own line only: another user’s and another tenant’s are unknown devices', async () => {
    const alice = await login('alice@a.test', 'alice@a.test password');
    assert.ok((await alice.ask(monitor('201'))).text('monitorCrossRefID'));
    assert.equal((await alice.ask(monitor('202'))).error, 'operation/invalidDeviceID');
    assert.equal((await alice.ask(monitor('301'))).error, 'operation/invalidDeviceID');
    alice.close();
  });

  test('a tenant admin and an application account see the tenant’s lines, never another tenant’s', async () => {
    for (const [user, password] of [
      ['admin@a.test', 'admin@a.test password'],
      ['crm@a.test', appSecret],
    ]) {
      const client = await login(user as string, password as string, 'nul');
      assert.ok((await client.ask(monitor('202'))).text('monitorCrossRefID'), user);
      assert.equal((await client.ask(monitor('301'))).error, 'operation/invalidDeviceID', user);
      client.close();
    }
  });

  test('wrong passwords and app secrets get the negative response; the session stays closed', async () => {
    const client = await open();
    for (const [user, password] of [
      ['alice@a.test', 'wrong'],
      ['crm@a.test', 'wrong'],
      ['nobody@a.test', 'x'],
    ]) {
      const r = await client.ask(startSession(user as string, password as string));
      assert.equal(r.root.name, 'StartApplicationSessionNegResponse', user);
      assert.equal(r.text('errorCode/definedError'), 'invalidApplicationInfo');
    }
    assert.equal((await client.ask(status)).error, 'operation/securityViolation');
    client.close();
  });

  test('a monitor sees the calls of its device, and forwarding and DND set over CSTA', async () => {
    const bob = await login('bob@a.test', 'bob@a.test password');
    const xref = (await bob.ask(monitor('202'))).text('monitorCrossRefID');
    const alice = await login('alice@a.test', 'alice@a.test password', 'nul');
    const made = await alice.ask(
      csta('MakeCall', '<callingDevice>201</callingDevice><calledDirectoryNumber>202</calledDirectoryNumber>'),
    );
    const callId = made.text('callingDevice/callID');
    const ringing = await phones['202']?.next('INVITE');
    ringing?.reply(180, 'Ringing');
    const delivered = await bob.event('DeliveredEvent');
    assert.deepEqual(
      [
        delivered.text('monitorCrossRefID'),
        delivered.text('connection/callID'),
        delivered.text('callingDevice/deviceIdentifier'),
        delivered.text('localConnectionInfo'),
      ],
      [xref, callId, '201', 'alerting'],
    );
    assert.equal(delivered.invokeId, '9999');
    const answered = await bob.ask(
      csta('AnswerCall', `<callToBeAnswered><callID>${callId}</callID><deviceID>202</deviceID></callToBeAnswered>`),
    );
    assert.equal(answered.root.name, 'AnswerCallResponse', answered.xml);
    // The phone was told to answer (the talk event) and does.
    assert.equal((await phones['202']?.next('NOTIFY'))?.request.headers.find((h) => h.name === 'Event')?.value, 'talk');
    ringing?.reply(200, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: SDP(41000) });
    assert.equal((await bob.event('EstablishedEvent')).text('answeringDevice/deviceIdentifier'), '202');
    const snapshot = await alice.ask(
      csta('SnapshotCall', `<snapshotObject><callID>${callId}</callID><deviceID>201</deviceID></snapshotObject>`),
    );
    assert.equal(snapshot.root.name, 'SnapshotCallResponse', snapshot.xml);
    // A transfer to a line with no registered device is refused with the CSTA error, never silently.
    const transfer = await bob.ask(
      csta(
        'SingleStepTransferCall',
        `<activeCall><callID>${callId}</callID><deviceID>202</deviceID></activeCall><transferredTo>209</transferredTo>`,
      ),
    );
    assert.equal(transfer.error, 'systemResourceAvailability/resourceOutOfService');
    await bob.ask(
      csta(
        'SetForwarding',
        '<device>202</device><forwardingType>forwardImmediate</forwardingType><activateForward>true</activateForward><forwardDN>209</forwardDN>',
      ),
    );
    const forwarding = await bob.event('ForwardingEvent');
    assert.deepEqual(
      [forwarding.text('forwardingType'), forwarding.text('forwardStatus'), forwarding.text('forwardTo')],
      ['forwardImmediate', 'true', '209'],
    );
    const get = await bob.ask(csta('GetForwarding', '<device>202</device>'));
    assert.match(
      get.xml,
      /<forwardListItem><forwardingType>forwardImmediate<\/forwardingType><forwardStatus>true<\/forwardStatus><forwardDN>209<\/forwardDN><\/forwardListItem>/,
    );
    await bob.ask(csta('SetDoNotDisturb', '<device>202</device><doNotDisturbOn>true</doNotDisturbOn>'));
    assert.equal((await bob.event('DoNotDisturbEvent')).text('doNotDisturbOn'), 'true');
    assert.equal(
      (await alice.ask(csta('SetDoNotDisturb', '<device>202</device><doNotDisturbOn>false</doNotDisturbOn>'))).error,
      'operation/invalidDeviceID',
    );
    await alice.ask(
      csta(
        'ClearConnection',
        `<connectionToBeCleared><callID>${callId}</callID><deviceID>201</deviceID></connectionToBeCleared>`,
      ),
    );
    assert.equal((await bob.event('ConnectionClearedEvent')).text('droppedConnection/deviceID'), '201');
    await bob.ask(csta('SetDoNotDisturb', '<device>202</device><doNotDisturbOn>false</doNotDisturbOn>'));
    alice.close();
    bob.close();
  });

  test('a monitor reports the owner’s devices leaving (OutOfService) and registering (BackInService)', async () => {
    const bob = await login('bob@a.test', 'bob@a.test password');
    await bob.ask(monitor('202'));
    const phone = phones['202'] as SipPhone;
    const headers = [{ name: 'Allow-Events', value: 'talk' }];
    assert.equal((await phone.register(0, { headers })).status, 200);
    assert.equal((await bob.event('OutOfServiceEvent')).text('device/deviceIdentifier'), '202');
    assert.equal((await phone.register(600, { headers })).status, 200);
    assert.equal((await bob.event('BackInServiceEvent')).text('device/deviceIdentifier'), '202');
    bob.close();
  });

  test('hostile input: each gets a CSTA error or a closed connection, and every other session goes on', async () => {
    const bystander = await login('alice@a.test', 'alice@a.test password');
    const client = await login('bob@a.test', 'bob@a.test password');
    assert.equal((await client.ask('<MakeCall><callingDevice>201')).error, 'operation/generic', 'malformed XML');
    const bomb = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><MakeCall xmlns="${ED4}"><callingDevice>&c;</callingDevice></MakeCall>`;
    assert.equal((await client.ask(bomb)).error, 'operation/generic', 'entity bomb');
    assert.equal((await client.ask(csta('FrobnicateCall'))).error, 'operation/invalidFeature', 'unknown service');
    assert.equal((await client.ask(status, '9999')).error, 'operation/valueOutOfRange', 'the events’ invoke id');
    assert.equal((await client.ask(status)).text('systemStatus'), 'normal', 'still in service');

    const broken: [string, Buffer][] = [
      ['an oversized frame', Buffer.from([0, 0, 0x20, 0, 0x30, 0x30, 0x30, 0x31])],
      ['a length shorter than its header', Buffer.from([0, 0, 0, 4, 0x30, 0x30, 0x30, 0x31])],
      ['an invoke id that is not digits', Buffer.from([0, 0, 0, 12, 0x41, 0x42, 0x43, 0x44, 0x3c, 0x61, 0x2f, 0x3e])],
      ['bytes that are no framing', Buffer.from('GET / HTTP/1.1\r\n\r\n')],
    ];
    for (const [name, bytes] of broken) {
      const victim = await login('bob@a.test', 'bob@a.test password');
      victim.raw(bytes);
      await victim.closed;
      assert.ok(victim.socket.destroyed, name);
    }
    const nul = await open('nul');
    nul.raw(`<a>${'x'.repeat(5000)}`);
    await nul.closed;

    assert.equal((await bystander.ask(status)).text('systemStatus'), 'normal');
    assert.equal((await client.ask(status)).text('systemStatus'), 'normal');
    bystander.close();
    client.close();
  });

  test('a connection that never logs in is closed; an expired session ends with StopApplicationSession', async () => {
    const idle = await open();
    await idle.closed;
    const client = await open('nul');
    const started = await client.ask(
      startSession('alice@a.test', 'alice@a.test password', '<requestedSessionDuration>1</requestedSessionDuration>'),
    );
    assert.equal(started.text('actualSessionDuration'), '1');
    const stop = await client.next((m) => m.root.name === 'StopApplicationSession');
    assert.equal(stop.text('sessionID'), started.text('sessionID'));
    await client.closed;
  });

  test('CSTA logins draw on the one login throttle: HTTP and app accounts are locked after CSTA guesses', async () => {
    await server.user('carol@a.test', { password: 'carol password' });
    const a = await server.core.tenants.byDomain('a.test');
    const ivr = (await server.core.ctiApps.create(a.id, 'ivr')).secret;
    const client = await open();
    for (let i = 0; i < 6; i++) {
      assert.equal(
        (await client.ask(startSession('carol@a.test', `guess ${i}`))).root.name,
        'StartApplicationSessionNegResponse',
      );
      assert.equal(
        (await client.ask(startSession('ivr@a.test', `guess ${i}`))).root.name,
        'StartApplicationSessionNegResponse',
      );
    }
    const http = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'carol@a.test', password: 'carol password' }),
    });
    assert.equal(http.status, 429, 'the right password over HTTP waits too');
    assert.equal(
      (await client.ask(startSession('ivr@a.test', ivr))).root.name,
      'StartApplicationSessionNegResponse',
      'the right secret waits',
    );
    client.close();
  });

  test('over TLS, with the generated certificate', async () => {
    const client = await open('header', true);
    assert.equal(
      (await client.ask(startSession('crm@a.test', appSecret))).root.name,
      'StartApplicationSessionPosResponse',
    );
    assert.equal((await client.ask(status)).text('systemStatus'), 'normal');
    client.close();
  });
});

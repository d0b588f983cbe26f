// SIP over WebSocket (RFC 7118) with a client nobody here wrote: JsSIP in Node registers at
// /sip-ws with a device's credentials, chats with a UDP phone and is called by it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingMessageEvent, IncomingRTCSessionEvent } from 'jssip/lib/UA.js';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, phoneFor, type SipPhone } from './support/sip-phone.js';

const DOMAIN = 'ws.test';
type Phone = SipPhone & { userId: string; tenantId: string };

// JsSIP takes the WebSocket from the global scope and accepts INVITEs only where WebRTC exists:
// Node has neither, so `ws` and a stand-in RTCPeerConnection (never used: the call is rejected).
Object.assign(globalThis, { WebSocket, window: { RTCPeerConnection: class {} } });

describe('SIP over WebSocket: JsSIP in Node registers, chats and is called at /sip-ws', () => {
  let t: TestServer;
  let alice: { userId: string; tenantId: string };
  let bob: Phone;
  let ua: JsSIP.UA;
  const sessions: RTCSession[] = [];
  const messages: IncomingMessageEvent[] = [];
  const wsUrl = () => `${t.url.replace(/^http/, 'ws')}/sip-ws`;

  before(async () => {
    t = await startTestServer();
    alice = await t.user(`alice@${DOMAIN}`);
    bob = await phoneFor(t, `bob@${DOMAIN}`);
    assert.equal((await bob.register(600)).status, 200);
    const { device, password } = await t.core.devices.create(alice.tenantId, alice.userId, { name: 'JsSIP' });
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(wsUrl())],
      uri: `sip:alice@${DOMAIN}`,
      authorization_user: device.username,
      password,
      register_expires: 600,
    });
    ua.on('newRTCSession', (e: IncomingRTCSessionEvent) => {
      if (e.originator === 'remote') sessions.push(e.session);
    });
    // JsSIP 3.13 leaves Timer H (32 s) running when Timer I ends a rejected INVITE's transaction:
    // cleared then, so the test run ends when the tests do.
    (ua as unknown as NodeJS.EventEmitter).on('transactionDestroyed', (e: { transaction: { H?: NodeJS.Timeout } }) =>
      clearTimeout(e.transaction.H),
    );
    ua.on('newMessage', (e: IncomingMessageEvent) => {
      if (e.originator === 'remote') messages.push(e);
    });
    const registered = new Promise<void>((resolve, reject) => {
      ua.once('registered', () => resolve());
      ua.once('registrationFailed', (e) => reject(new Error(`JsSIP registration failed: ${e.cause}`)));
    });
    ua.start();
    await registered;
  });
  after(async () => {
    if (ua?.isConnected()) {
      const gone = new Promise((resolve) => ua.once('disconnected', resolve));
      ua.stop();
      await gone;
    }
    bob?.close();
    await t?.stop();
  });

  test('the binding is over WS, on the connection JsSIP registered on', async () => {
    const [binding] = await t.core.registrations.of(alice.tenantId, alice.userId);
    assert.ok(binding);
    assert.equal(binding.flow.transport, 'WS');
    assert.match(binding.contact, /transport=ws/i);
  });

  test('a MESSAGE from JsSIP reaches the UDP phone', async () => {
    const sent = new Promise<number>((resolve, reject) =>
      ua.sendMessage(`sip:bob@${DOMAIN}`, 'hello over a WebSocket', {
        eventHandlers: {
          succeeded: (e) => resolve(e.response.status_code),
          failed: (e) => reject(new Error(`MESSAGE failed: ${e.cause}`)),
        },
      }),
    );
    const incoming = await bob.next('MESSAGE');
    assert.equal(incoming.request.body.toString(), 'hello over a WebSocket');
    incoming.reply(200, 'OK');
    assert.equal(await sent, 200);
  });

  test('a MESSAGE from the UDP phone arrives at JsSIP over the WebSocket', async () => {
    const r = await bob.request(
      'MESSAGE',
      `sip:alice@${DOMAIN}`,
      [
        { name: 'From', value: `<sip:bob@${DOMAIN}>;tag=${bob.tag}` },
        { name: 'To', value: `<sip:alice@${DOMAIN}>` },
        { name: 'Call-ID', value: `m-${bob.callId}` },
        { name: 'Content-Type', value: 'text/plain' },
      ],
      { body: 'and back over UDP' },
    );
    assert.equal(r.status, 200);
    const got = await eventually(() => messages.shift(), 'the MESSAGE at JsSIP');
    assert.equal(got.request.body, 'and back over UDP');
  });

  test('an INVITE from the UDP phone arrives at JsSIP; its rejection reaches the phone', async () => {
    const placed = bob.invite(`alice@${DOMAIN}`);
    const session = await eventually(() => sessions.shift(), 'the INVITE at JsSIP');
    assert.match(session.remote_identity.uri.toString(), new RegExp(`bob@${DOMAIN}`));
    session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    const { response } = await placed;
    assert.equal(response.status, 486);
  });

  test('a connection without the "sip" subprotocol is refused', async () => {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(wsUrl());
      socket.once('open', () => {
        socket.close();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(true);
        socket.terminate();
      });
    });
    assert.equal(refused, true);
    const opened = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(wsUrl(), 'sip');
      socket.once('open', () => {
        resolve(socket.protocol);
        socket.close();
      });
      socket.once('error', reject);
    });
    assert.equal(opened, 'sip', 'the same URL with the subprotocol is accepted');
  });
});

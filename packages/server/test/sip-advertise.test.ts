// `sip.advertise`: the host every Via and Contact of ours names — on UDP to a phone and on the TLS
// connection we open to a federated peer (a real TLS server with certificates of a throwaway CA).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer, type Server } from 'node:tls';
import {
  renderMessage,
  respond,
  type SipRequest,
  SipStreamFramer,
  singleHeader,
} from '../src/adapters/sip/message/index.js';
import { removeTemp, tempDir } from './support/cluster.js';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, phoneFor, type SipPhone } from './support/sip-phone.js';
import { issueCertificate, makeCertificates } from './support/slapd.js';

describe('sip.advertise in what Parley sends', () => {
  let dir: string;
  let peer: Server;
  let s: TestServer;
  let alice: SipPhone;
  let carol: SipPhone;
  /** Requests the federated peer received; each INVITE is answered 486. */
  const atPeer: SipRequest[] = [];

  before(async () => {
    dir = tempDir('parley-advertise-');
    await makeCertificates(dir);
    const ca = join(dir, 'ca.crt');
    const peerCert = await issueCertificate(dir, 'peer', ['other.test']);
    const ours = await issueCertificate(dir, 'parley', ['example.test', 'localhost']);
    peer = createServer(
      {
        cert: readFileSync(peerCert.certFile, 'utf8'),
        key: readFileSync(peerCert.keyFile, 'utf8'),
        ca: [readFileSync(ca, 'utf8')],
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        const framer = new SipStreamFramer();
        socket.on('data', (chunk: Buffer) => {
          for (const e of framer.push(chunk)) {
            if (e.kind !== 'message' || e.message.kind !== 'request') continue;
            atPeer.push(e.message);
            if (e.message.method === 'INVITE')
              socket.write(renderMessage(respond(e.message, 486, 'Busy Here', { toTag: 'peer' })));
          }
        });
      },
    );
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    s = await startTestServer({
      'sip.advertise': 'localhost',
      'sip.tls.cert': ours.certFile,
      'sip.tls.key': ours.keyFile,
      'sip.federation.peers': [{ domain: 'other.test', address: `127.0.0.1:${(peer.address() as AddressInfo).port}` }],
      'sip.federation.caFile': ca,
      'outbound.allow': ['127.0.0.1'],
    });
    alice = await phoneFor(s, 'alice@example.test');
    carol = await phoneFor(s, 'carol@example.test');
    for (const p of [alice, carol]) assert.equal((await p.register(600)).status, 200);
  });
  after(async () => {
    for (const p of [alice, carol]) p?.close();
    await s?.stop();
    await new Promise((resolve) => peer?.close(resolve));
    if (dir) removeTemp(dir);
  });

  const port = (name: string) => s.listeners.find((l) => l.name === name)?.port;

  test('a call to a phone over UDP: Via and Contact name the advertised host', async () => {
    const placed = alice.invite('carol@example.test');
    const invite = await carol.next('INVITE');
    assert.equal(invite.request.via[0]?.host, 'localhost');
    assert.equal(singleHeader(invite.request.headers, 'Contact'), `<sip:localhost:${port('sip-udp')}>`);
    invite.reply(486, 'Busy Here');
    assert.equal((await placed).response.status, 486);
  });

  test('a call to a federated peer over the TLS connection we open: Via and Contact name the advertised host', async () => {
    const placed = alice.invite('bob@other.test');
    const invite = await eventually(() => atPeer.find((r) => r.method === 'INVITE'), 'the INVITE at the peer');
    assert.equal(invite.via[0]?.host, 'localhost');
    assert.equal(invite.via[0]?.port, port('sip-tls'));
    assert.equal(singleHeader(invite.headers, 'Contact'), `<sip:localhost:${port('sip-tls')};transport=tls>`);
    assert.equal((await placed).response.status, 486);
  });
});

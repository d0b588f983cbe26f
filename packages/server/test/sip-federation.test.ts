// The federation's connections to a peer's server, against a real TLS server on loopback with
// certificates of a throwaway CA: found by SRV, through the outbound policy, the peer's
// certificate matched to its domain, ours presented as client certificate, one connection reused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import pino from 'pino';
import { SipFederation } from '../src/adapters/sip/federation/peers.js';
import type { SrvRecord } from '../src/adapters/sip/federation/route.js';
import { type Flow, streamFlow } from '../src/adapters/sip/transport/flow.js';
import { OutboundPolicy } from '../src/platform/outbound.js';
import { removeTemp, tempDir } from './support/cluster.js';
import { issueCertificate, makeCertificates } from './support/slapd.js';

const log = pino({ level: 'silent' });

describe('SipFederation connections', () => {
  let dir: string;
  let server: Server;
  let port: number;
  /** The names of the client certificate each accepted connection presented. */
  const clients: string[][] = [];
  let ca: string;
  let ours: { cert: string; key: string };
  const srvAsked: string[] = [];

  const federation = (allow: string[], srv: SrvRecord[] = []) => {
    const f = new SipFederation({
      peers: [{ domain: 'other.test' }, { domain: 'wrong.test', address: `localhost:${port}` }],
      log,
      outbound: new OutboundPolicy(allow),
      ca: [ca],
      resolveSrv: async (name) => {
        srvAsked.push(name);
        return srv;
      },
      connectTimeoutMs: 10_000,
    });
    const attached: Flow[] = [];
    const closed: Flow[] = [];
    f.tls = {
      ...ours,
      attach: (socket: TLSSocket, peerNames) => {
        const flow = streamFlow(socket, 'TLS', { localPort: 5061, peerNames });
        attached.push(flow);
        socket.on('close', () => {
          f.closed(flow);
          closed.push(flow);
        });
        return flow;
      },
    };
    return { f, attached, closed };
  };

  before(async () => {
    dir = tempDir('parley-federation-');
    await makeCertificates(dir);
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const peer = await issueCertificate(dir, 'peer', ['other.test']);
    const mine = await issueCertificate(dir, 'parley', ['example.test']);
    ours = { cert: readFileSync(mine.certFile, 'utf8'), key: readFileSync(mine.keyFile, 'utf8') };
    server = createServer(
      {
        cert: readFileSync(peer.certFile, 'utf8'),
        key: readFileSync(peer.keyFile, 'utf8'),
        ca: [ca],
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        const cert = socket.getPeerCertificate();
        clients.push(String(cert.subjectaltname ?? '').split(', '));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server?.close();
    if (dir) removeTemp(dir);
  });

  test('SRV _sips._tcp names the server; our certificate is the client’s; the connection is reused', async () => {
    const { f, attached, closed } = federation(['127.0.0.1'], [{ name: '127.0.0.1', port, priority: 1, weight: 1 }]);
    const before = clients.length;
    const flow = await f.flowTo('other.test');
    assert.ok(srvAsked.includes('_sips._tcp.other.test'));
    assert.equal(flow.transport, 'TLS');
    assert.deepEqual(flow.peerNames, ['other.test']);
    assert.equal(flow.local.port, 5061, 'Via and Contact name our listener');
    assert.deepEqual(await Promise.all([f.flowTo('other.test'), f.flowTo('other.test')]), [flow, flow]);
    assert.equal(attached.length, 1);
    await waitFor(() => clients.length > before);
    assert.ok(clients.at(-1)?.includes('DNS:example.test'), 'the server saw our certificate');
    flow.close();
    await waitFor(() => closed.includes(flow));
    const again = await f.flowTo('other.test');
    assert.notEqual(again, flow, 'a closed connection is replaced');
    again.close();
  });

  test('a verified connection the peer opened carries our requests to it (RFC 5923)', async () => {
    const { f, attached } = federation([]);
    const inbound: Flow = {
      id: 'tls|in',
      transport: 'TLS',
      reliable: true,
      remote: { address: '192.0.2.9', port: 40000 },
      local: { address: '192.0.2.1', port: 5061 },
      peerNames: ['other.test', 'unrelated.test'],
      send() {},
      close() {},
    };
    f.opened(inbound);
    assert.equal(await f.flowTo('other.test'), inbound);
    assert.equal(attached.length, 0, 'no new connection');
    f.closed(inbound);
    await assert.rejects(f.flowTo('other.test'), /refused|no server/, 'gone with its close');
  });

  test('the outbound policy refuses loopback unless allowed; nothing is connected', async () => {
    const { f, attached } = federation([], [{ name: '127.0.0.1', port, priority: 1, weight: 1 }]);
    const before = clients.length;
    await assert.rejects(f.flowTo('other.test'), /refused: 127\.0\.0\.1 is a loopback address/);
    assert.equal(attached.length, 0);
    assert.equal(clients.length, before);
  });

  test('a server whose certificate does not name the domain is refused', async () => {
    const { f, attached } = federation(['127.0.0.1', 'localhost']);
    await assert.rejects(f.flowTo('wrong.test'), /no server of wrong\.test reached/);
    assert.equal(attached.length, 0);
    await assert.rejects(f.flowTo('nobody.test'), /not a federation peer/);
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

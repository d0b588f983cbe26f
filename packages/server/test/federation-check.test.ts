// `parley federation check` against local peers on loopback (issue 15): a DNS responder for the
// SRV and address records, and tiny XMPP servers that get one thing wrong each.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TLSSocket } from 'node:tls';
import selfsigned from 'selfsigned';
import { federationChecker } from '../src/adapters/xmpp/federation/checker.js';
import { type DnsRecords, startDnsResponder } from './support/dns-responder.js';

const DAY = 86_400_000;
const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' id='s1' version='1.0'>";
const STARTTLS = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>";
const AFTER_TLS =
  "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL</mechanism></mechanisms><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>";

interface Peer {
  cert?: { cert: string; key: string };
  /** Offer STARTTLS (else the features are empty). */
  starttls: boolean;
  /** TLS from the first byte (XEP-0368). */
  direct?: boolean;
}

/** A server that speaks just enough XMPP s2s: features, STARTTLS, features again. */
function xmppPeer(peer: Peer): Server {
  const afterTls = (tls: TLSSocket) => {
    let seen = '';
    tls.on('data', (d) => {
      seen += d.toString();
      if (seen.includes('<stream:stream')) {
        seen = '';
        tls.write(HEADER + AFTER_TLS);
      }
    });
    tls.on('error', () => tls.destroy());
  };
  return createServer((socket: Socket) => {
    socket.on('error', () => socket.destroy());
    if (peer.direct && peer.cert) {
      afterTls(new TLSSocket(socket, { isServer: true, ...peer.cert }));
      return;
    }
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('<stream:stream')) {
        seen = seen.slice(seen.indexOf('<stream:stream') + 1);
        socket.write(`${HEADER}<stream:features>${peer.starttls ? STARTTLS : ''}</stream:features>`);
      }
      if (seen.includes('<starttls') && peer.cert) {
        socket.off('data', onData);
        socket.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", () =>
          afterTls(new TLSSocket(socket, { isServer: true, ...peer.cert })),
        );
      }
    };
    socket.on('data', onData);
  });
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

describe('federation check (DNS, TCP, TLS, certificate, authentication, ping)', () => {
  const table = new Map<string, DnsRecords>();
  const servers: Server[] = [];
  let dns: Awaited<ReturnType<typeof startDnsResponder>>;
  let dir: string;
  let check: ReturnType<typeof federationChecker>;
  let closedPort: number;

  const srv = (domain: string, port: number, direct = false) => {
    table.set(`_${direct ? 'xmpps' : 'xmpp'}-server._tcp.${domain}`, {
      srv: [{ priority: 0, weight: 5, port, target: `xmpp.${domain}` }],
    });
    table.set(`xmpp.${domain}`, { a: ['127.0.0.1'] });
  };
  const peer = async (domain: string, p: Peer, direct = false) => {
    const server = xmppPeer({ ...p, direct });
    servers.push(server);
    srv(domain, await listen(server), direct);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-fedcheck-'));
    dns = await startDnsResponder(table);
    const ca = await selfsigned.generate([{ name: 'commonName', value: 'Test CA' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true },
      ],
    });
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    const leaf = async (name: string, notAfter = new Date(Date.now() + 30 * DAY), notBefore?: Date) => {
      const pems = await selfsigned.generate([{ name: 'commonName', value: name }], {
        keyType: 'ec',
        algorithm: 'sha256',
        notAfterDate: notAfter,
        ...(notBefore && { notBeforeDate: notBefore }),
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: name }] }],
        ca: { key: ca.private, cert: ca.cert },
      });
      return { cert: pems.cert, key: pems.private };
    };
    await peer('good.test', { starttls: true, cert: await leaf('good.test') });
    await peer('direct.test', { starttls: false, cert: await leaf('direct.test') }, true);
    await peer('expired.test', {
      starttls: true,
      cert: await leaf('expired.test', new Date('2026-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z')),
    });
    await peer('wrongname.test', { starttls: true, cert: await leaf('other.test') });
    await peer('plain.test', { starttls: false });
    const closed = createServer();
    closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    srv('closed.test', closedPort);
    check = federationChecker({
      federation: { dnsServers: [dns.server], caFile: join(dir, 'ca.pem'), checkTimeoutSeconds: 5 },
      outbound: { allow: ['127.0.0.0/8'] },
    });
  });
  after(async () => {
    for (const s of servers) s.close();
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stepOf = (r: Awaited<ReturnType<typeof check>>, name: string) => {
    const s = r.steps.find((x) => x.step === name);
    assert.ok(s, `no ${name} step in ${JSON.stringify(r.steps)}`);
    return s;
  };

  test('a good server: every step passes, without the running server the ping says it needs it', async () => {
    const r = await check('good.test', 'example.test');
    assert.deepEqual(
      r.steps.map((s) => [s.step, s.outcome, s.code]),
      [
        ['dns', 'ok', 'srv'],
        ['tcp', 'ok', 'connected'],
        ['tls', 'ok', 'starttls'],
        ['certificate', 'ok', 'cert-valid'],
        ['authentication', 'ok', 'external'],
        ['ping', 'skipped', 'needs-server'],
      ],
    );
    assert.equal(r.ok, true);
    assert.match(stepOf(r, 'authentication').message, /SASL EXTERNAL and dialback/);
  });

  test('_xmpps-server: direct TLS from the first byte (XEP-0368)', async () => {
    const r = await check('direct.test');
    assert.equal(stepOf(r, 'tls').code, 'direct-tls');
    assert.equal(stepOf(r, 'certificate').code, 'cert-valid');
    assert.equal(r.ok, true);
  });

  test('no SRV record and no address', async () => {
    const r = await check('nowhere.test');
    const dnsStep = stepOf(r, 'dns');
    assert.equal(dnsStep.code, 'no-srv-no-address');
    assert.equal(dnsStep.message, 'no SRV record for _xmpp-server._tcp.nowhere.test and no address for nowhere.test');
    assert.deepEqual(
      r.steps.slice(1).map((s) => [s.step, s.outcome]),
      ['tcp', 'tls', 'certificate', 'authentication', 'ping'].map((s) => [s, 'skipped']),
    );
    assert.equal(r.ok, false);
  });

  test('the port is closed', async () => {
    const r = await check('closed.test');
    const tcp = stepOf(r, 'tcp');
    assert.equal(tcp.outcome, 'failed');
    assert.equal(tcp.message, `port ${closedPort} on 127.0.0.1 refused the connection`);
  });

  test('the server does not offer STARTTLS', async () => {
    const r = await check('plain.test');
    const tls = stepOf(r, 'tls');
    assert.equal(tls.code, 'no-starttls');
    assert.match(tls.message, /the server did not offer TLS/);
  });

  test('an expired certificate: the date, and the authentication is still looked at', async () => {
    const r = await check('expired.test');
    const cert = stepOf(r, 'certificate');
    assert.equal(cert.code, 'cert-expired');
    assert.equal(cert.message, 'the certificate expired on 2026-01-01');
    assert.equal(stepOf(r, 'authentication').outcome, 'ok');
    assert.equal(r.ok, false);
  });

  test('a certificate for another name', async () => {
    const r = await check('wrongname.test');
    const cert = stepOf(r, 'certificate');
    assert.equal(cert.code, 'cert-wrong-name');
    assert.equal(cert.message, 'the certificate is for other.test, not wrongname.test');
  });

  test('a certificate no trusted authority signed', async () => {
    const untrusting = federationChecker({
      federation: { dnsServers: [dns.server], checkTimeoutSeconds: 5 },
      outbound: { allow: ['127.0.0.0/8'] },
    });
    const cert = stepOf(await untrusting('good.test'), 'certificate');
    assert.equal(cert.code, 'cert-untrusted');
  });

  test('the outbound policy: loopback is refused unless the system admin allowed it', async () => {
    const strict = federationChecker({
      federation: { dnsServers: [dns.server], checkTimeoutSeconds: 5 },
      outbound: { allow: [] },
    });
    const r = await strict('good.test');
    const dnsStep = stepOf(r, 'dns');
    assert.equal(dnsStep.code, 'outbound-refused');
    assert.match(dnsStep.message, /xmpp\.good\.test resolves to 127\.0\.0\.1, a loopback address/);
    assert.equal(stepOf(r, 'tcp').outcome, 'skipped');
  });
});

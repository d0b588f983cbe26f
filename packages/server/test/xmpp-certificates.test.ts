// The XMPP listeners' self-signed certificates: a tenant created after the server started gets a
// certificate that names its domain (by SNI, on direct TLS and after STARTTLS); a name this
// server does not serve gets the default one and nothing is generated for it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { startTestServer, type TestServer } from './support/server.js';
import { RawXmpp } from './support/xmpp.js';

let server: TestServer;
let c2s: number;
let c2sTls: number;

before(async () => {
  server = await startTestServer();
  c2s = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
  c2sTls = server.listeners.find((l) => l.name === 'xmpp-c2s-tls')?.port as number;
});
after(() => server.stop());

/** The certificate the direct TLS listener presents for `servername`. */
async function presented(servername: string) {
  const socket = connect({ host: '127.0.0.1', port: c2sTls, servername, rejectUnauthorized: false });
  try {
    await new Promise((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return socket.getPeerX509Certificate();
  } finally {
    socket.destroy();
  }
}

test('a tenant created after start gets a certificate for its domain; other names the default', async () => {
  await server.core.tenants.create({ domain: 'late.test', name: 'Late' });
  const late = await presented('late.test');
  assert.equal(late?.checkHost('late.test'), 'late.test');
  assert.ok(existsSync(join(server.dataDir, 'tls', 'xmpp-late.test.cert.pem')), 'kept for the next start');
  // The same certificate again (made once), and after STARTTLS on the plain port.
  assert.equal((await presented('LATE.test'))?.fingerprint256, late?.fingerprint256);
  const raw = await RawXmpp.open(c2s);
  try {
    await raw.startTls('late.test');
    assert.equal((raw.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256, late?.fingerprint256);
  } finally {
    raw.socket.destroy();
  }

  const stranger = await presented('not-served.test');
  assert.equal(stranger?.checkHost('not-served.test'), undefined);
  assert.equal(stranger?.checkHost('localhost'), 'localhost', 'the default certificate');
  assert.equal(existsSync(join(server.dataDir, 'tls', 'xmpp-not-served.test.cert.pem')), false);
});

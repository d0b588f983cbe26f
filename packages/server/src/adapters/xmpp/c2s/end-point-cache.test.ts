import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { xmppCertificates } from '../certificates.js';
import { tlsChannelBindings } from './transport.js';

// The listener's certificates give each connection's tls-server-end-point without parsing the
// certificate it presented: it must be that certificate's, whichever SNI chose.
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-end-point-cache-'));
  for (const [name, curve] of [
    ['a', 'P-256'],
    ['b', 'P-384'],
  ] as const) {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', `${name}.key`);
    openssl('req', '-x509', '-key', `${name}.key`, '-subj', `/CN=${name}.test`, '-days', '1', '-out', `${name}.pem`);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('tls-server-end-point from the certificates, once per certificate, is the presented certificate’s', async () => {
  const certificates = await xmppCertificates(
    {
      certificates: ['a', 'b'].map((n) => ({
        domain: `${n}.test`,
        cert: join(dir, `${n}.pem`),
        key: join(dir, `${n}.key`),
      })),
    },
    { dataDir: dir, domains: ['a.test', 'b.test'], hosted: async () => true },
  );
  const server = createServer(certificates.options);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  try {
    for (const servername of [undefined, 'b.test', 'a.test']) {
      const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
      const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername && { servername }) });
      const [socket] = await accepted;
      const cached = tlsChannelBindings(socket, (s) => certificates.endPoint(s.servername || undefined));
      const parsed = tlsChannelBindings(socket);
      assert.ok(parsed['tls-server-end-point'], String(servername));
      assert.deepEqual(cached['tls-server-end-point'], parsed['tls-server-end-point'], String(servername));
      client.destroy();
      socket.destroy();
    }
    assert.notDeepEqual(certificates.endPoint('a.test'), certificates.endPoint('b.test'));
    assert.equal(certificates.endPoint('b.test'), certificates.endPoint('b.test'), 'the same Buffer: worked out once');
  } finally {
    server.close();
  }
});

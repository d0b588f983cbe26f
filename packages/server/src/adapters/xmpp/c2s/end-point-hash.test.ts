import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { endPointHash, tlsServerEndPoint } from './end-point-hash.js';
import { tlsChannelBindings } from './transport.js';

// Certificates of different signature algorithms, made by OpenSSL for this test.
let dir: string;
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }).toString();

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-end-point-'));
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'ec.key');
  openssl('genpkey', '-algorithm', 'ED25519', '-out', 'ed25519.key');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate (PEM file name) of `key` signed with these `openssl req` options. */
function certificate(name: string, key: string, ...sign: string[]): string {
  openssl('req', '-x509', '-key', key, '-subj', '/CN=chat.example.test', '-days', '1', ...sign, '-out', name);
  return name;
}
const derOf = (pem: string) => {
  openssl('x509', '-in', pem, '-outform', 'DER', '-out', `${pem}.der`);
  return readFileSync(join(dir, `${pem}.der`));
};

test('tls-server-end-point hashes as RFC 5929 §4.1 says for each signature algorithm', () => {
  // The signature algorithm as `openssl x509 -text` names it, how it is made, the binding's hash.
  const pss = ['-sigopt', 'rsa_padding_mode:pss'];
  const cases: [string, string, string[], string | undefined][] = [
    ['md5WithRSAEncryption', 'rsa.key', ['-md5'], 'sha256'],
    ['sha1WithRSAEncryption', 'rsa.key', ['-sha1'], 'sha256'],
    ['sha224WithRSAEncryption', 'rsa.key', ['-sha224'], 'sha224'],
    ['sha256WithRSAEncryption', 'rsa.key', ['-sha256'], 'sha256'],
    ['sha384WithRSAEncryption', 'rsa.key', ['-sha384'], 'sha384'],
    ['sha512WithRSAEncryption', 'rsa.key', ['-sha512'], 'sha512'],
    ['rsassaPss[^]*?Hash Algorithm: sha256', 'rsa.key', ['-sha256', ...pss], 'sha256'],
    ['rsassaPss[^]*?Hash Algorithm: sha512', 'rsa.key', ['-sha512', ...pss], 'sha512'],
    ['ecdsa-with-SHA1', 'ec.key', ['-sha1'], 'sha256'],
    ['ecdsa-with-SHA256', 'ec.key', ['-sha256'], 'sha256'],
    ['ecdsa-with-SHA384', 'ec.key', ['-sha384'], 'sha384'],
    ['ecdsa-with-SHA512', 'ec.key', ['-sha512'], 'sha512'],
    ['ED25519', 'ed25519.key', [], undefined],
  ];
  for (const [i, [name, key, sign, hash]] of cases.entries()) {
    const pem = certificate(`c${i}.pem`, key, ...sign);
    const text = openssl('x509', '-in', pem, '-noout', '-text');
    assert.match(text, new RegExp(`Signature Algorithm: ${name}`), 'the certificate the case is about');
    const raw = derOf(pem);
    assert.equal(endPointHash(raw), hash, name);
    // OpenSSL's own fingerprint with that hash is the binding.
    const fingerprint =
      hash &&
      openssl('x509', '-in', pem, '-noout', '-fingerprint', `-${hash}`).split('=')[1]?.trim().replaceAll(':', '');
    assert.equal(tlsServerEndPoint(raw)?.toString('hex').toUpperCase(), fingerprint || undefined, name);
  }
  assert.equal(endPointHash(Buffer.from('not a certificate')), undefined);
});

/** The server side's channel bindings of one TLS handshake with this certificate. */
async function bindingsWith(pem: string, key: string): Promise<Record<string, Buffer>> {
  const server = createServer({ cert: readFileSync(join(dir, pem)), key: readFileSync(join(dir, key)) });
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  try {
    const [socket] = await accepted;
    const bindings = tlsChannelBindings(socket);
    socket.destroy();
    return bindings;
  } finally {
    client.destroy();
    server.close();
  }
}

test('a TLS connection binds to its certificate with the hash of its signature', async () => {
  const ec384 = certificate('tls-ec384.pem', 'ec.key', '-sha384');
  const bindings = await bindingsWith(ec384, 'ec.key');
  assert.equal(bindings['tls-server-end-point']?.length, 48, 'SHA-384 for ecdsa-with-SHA384');
  assert.deepEqual(bindings['tls-server-end-point'], tlsServerEndPoint(derOf(ec384)));
  const ed = certificate('tls-ed25519.pem', 'ed25519.key');
  const edBindings = await bindingsWith(ed, 'ed25519.key');
  assert.equal(edBindings['tls-server-end-point'], undefined, 'none for Ed25519');
  assert.ok(edBindings['tls-exporter'], 'the other bindings stay');
});

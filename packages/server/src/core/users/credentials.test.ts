import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { deriveCredentials, hashPassword, scramSha256Keys, sipHa1, verifyPassword } from './credentials.js';

test('scrypt hash verifies the right password only, and salts differ', async () => {
  const h1 = await hashPassword('correct horse', 1024);
  const h2 = await hashPassword('correct horse', 1024);
  assert.match(h1, /^\$scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(h1, h2);
  assert.equal(await verifyPassword('correct horse', h1), true);
  assert.equal(await verifyPassword('correct horsE', h1), false);
  assert.equal(await verifyPassword('correct horse', 'not-a-hash'), false);
});

test('SCRAM-SHA-256 keys complete the RFC 7677 example exchange', async () => {
  const keys = await scramSha256Keys('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const authMessage = [
    'n=user,r=rOprNGfwEbeRWgbNEkqO',
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  ].join(',');
  // The server proves itself with ServerSignature = HMAC(ServerKey, AuthMessage) …
  const serverSignature = createHmac('sha256', Buffer.from(keys.serverKey, 'base64'))
    .update(authMessage)
    .digest('base64');
  assert.equal(serverSignature, '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  // … and checks the client's proof using only StoredKey.
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const clientSignature = createHmac('sha256', Buffer.from(keys.storedKey, 'base64')).update(authMessage).digest();
  const clientKey = Buffer.from(proof.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
  assert.equal(createHash('sha256').update(clientKey).digest('base64'), keys.storedKey);
});

test('SIP digest HA1 matches RFC 2617 (MD5) and completes the RFC 7616 SHA-256 example', () => {
  assert.equal(sipHa1('md5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'), '939e7578ed9e3c518a452acee763bce9');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const ha1 = sipHa1('sha256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
  const response = sha(
    `${ha1}:7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ:auth:${sha('GET:/dir/index.html')}`,
  );
  assert.equal(response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('derived credentials hold no plaintext and no fast hash of the password (no SIP HA1)', async () => {
  const c = await deriveCredentials('S3cret-pass', { scryptCost: 1024, scramIterations: 10_000 });
  assert.ok(!JSON.stringify(c).includes('S3cret-pass'));
  assert.deepEqual(Object.keys(c).sort(), ['passwordHash', 'scram']);
  assert.ok(!JSON.stringify(c).includes(sipHa1('md5', 'alice', 'example.test', 'S3cret-pass')));
  assert.equal(c.scram.iterations, 10_000);
  assert.equal(await verifyPassword('S3cret-pass', c.passwordHash), true);
});

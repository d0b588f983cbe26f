import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { deriveCredentials, hashPassword, sipHa1, verifyPassword } from './credentials.js';

test('scrypt hash verifies the right password only, and salts differ', async () => {
  const h1 = await hashPassword('correct horse', 1024);
  const h2 = await hashPassword('correct horse', 1024);
  assert.match(h1, /^\$scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(h1, h2);
  assert.equal(await verifyPassword('correct horse', h1), true);
  assert.equal(await verifyPassword('correct horsE', h1), false);
  assert.equal(await verifyPassword('correct horse', 'not-a-hash'), false);
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
  assert.deepEqual(Object.keys(c).sort(), ['passwordHash', 'scram', 'scramSha1']);
  assert.ok(!JSON.stringify(c).includes(sipHa1('md5', 'alice', 'example.test', 'S3cret-pass')));
  assert.equal(c.scram.iterations, 10_000);
  assert.equal(c.scramSha1?.iterations, 10_000);
  assert.equal(Buffer.from(c.scramSha1?.storedKey ?? '', 'base64').length, 20, 'SHA-1 keys');
  assert.notEqual(c.scramSha1?.salt, c.scram.salt, 'each mechanism has its own salt');
  assert.equal(await verifyPassword('S3cret-pass', c.passwordHash), true);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sipHa1 } from '../users/credentials.js';
import { type DigestParams, type DigestSecret, verifyDigest } from './sip-digest.js';

const secretOf = (username: string, realm: string, password: string): DigestSecret => ({
  username,
  realm,
  ha1Md5: sipHa1('md5', username, realm, password),
  ha1Sha256: sipHa1('sha256', username, realm, password),
});

/** RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5. */
const rfc7616 = {
  secret: secretOf('Mufasa', 'http-auth@example.org', 'Circle of Life'),
  params: {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  },
  sha256: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  md5: '8ca523f5e9506fed4657c9700eebdbec',
};

/** RFC 2617 §3.5 (MD5, no algorithm parameter). */
const rfc2617 = {
  secret: secretOf('Mufasa', 'testrealm@host.com', 'Circle Of Life'),
  params: {
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
    response: '6629fae49393a05397450978507c4ef1',
    opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  },
};

describe('SIP digest: the RFC examples verify', () => {
  test('RFC 7616 §3.9.1 SHA-256', () => {
    const params = { ...rfc7616.params, algorithm: 'SHA-256', response: rfc7616.sha256 };
    assert.equal(verifyDigest(params, 'GET', '/dir/index.html', rfc7616.secret), true);
  });
  test('RFC 7616 §3.9.1 MD5', () => {
    const params = { ...rfc7616.params, algorithm: 'MD5', response: rfc7616.md5 };
    assert.equal(verifyDigest(params, 'GET', '/dir/index.html', rfc7616.secret), true);
  });
  test('RFC 2617 §3.5 MD5 (algorithm absent), hex in any case', () => {
    assert.equal(verifyDigest(rfc2617.params, 'GET', '/dir/index.html', rfc2617.secret), true);
    const upper = { ...rfc2617.params, response: rfc2617.params.response.toUpperCase() };
    assert.equal(verifyDigest(upper, 'GET', '/dir/index.html', rfc2617.secret), true);
  });
});

describe('SIP digest: anything else fails', () => {
  const good: DigestParams = { ...rfc7616.params, algorithm: 'SHA-256', response: rfc7616.sha256 };
  const cases: [string, Partial<DigestParams>, { method?: string; uri?: string; secret?: DigestSecret }?][] = [
    ['another method', {}, { method: 'POST' }],
    ['digest-uri other than the request URI', {}, { uri: '/dir/other.html' }],
    ['another password', {}, { secret: secretOf('Mufasa', 'http-auth@example.org', 'Circle of Death') }],
    ['another device', {}, { secret: { ...rfc7616.secret, username: 'Simba' } }],
    ['another realm', { realm: 'elsewhere.example.org' }],
    ['the MD5 response under SHA-256', { response: rfc7616.md5 }],
    ['the SHA-256 response under MD5', { algorithm: 'MD5' }],
    ['a changed nonce', { nonce: '8ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v' }],
    ['a changed cnonce', { cnonce: 'g2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' }],
    ['a changed nonce count', { nc: '00000002' }],
    ['a malformed nonce count', { nc: '1' }],
    ['no qop (RFC 2069)', { qop: undefined }],
    ['qop=auth-int', { qop: 'auth-int' }],
    ['no cnonce', { cnonce: undefined }],
    ['a -sess algorithm', { algorithm: 'SHA-256-sess' }],
    ['an algorithm not offered', { algorithm: 'SHA-512-256' }],
    ['a name of Object.prototype as algorithm', { algorithm: 'constructor' }],
    ['a hashed user name', { userhash: 'true' }],
    ['a truncated response', { response: rfc7616.sha256.slice(0, 63) }],
    ['an empty response', { response: '' }],
  ];
  for (const [name, change, request = {}] of cases) {
    test(name, () => {
      const params = { ...good, ...change };
      const ok = verifyDigest(
        params,
        request.method ?? 'GET',
        request.uri ?? '/dir/index.html',
        request.secret ?? rfc7616.secret,
      );
      assert.equal(ok, false);
    });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateNamesDomain, identityMatches, presentedIdentities } from './certificate.js';

test('the identities of a certificate: DNS-IDs and xmpp-server SRV-IDs, the CN only without subjectAltName', () => {
  const cases: [Parameters<typeof presentedIdentities>[0], string[]][] = [
    [{ subjectaltname: 'DNS:Example.test., DNS:*.example.test' }, ['example.test', '*.example.test']],
    [{ subjectaltname: 'othername:SRVName:_xmpp-server.a.test, othername:SRVName:_xmpp-client.b.test' }, ['a.test']],
    [{ subjectaltname: 'othername:XmppAddr:a.test, IP Address:192.0.2.1' }, []],
    [{ subject: { CN: 'cn.test' }, subjectaltname: 'DNS:san.test' }, ['san.test']],
    [{ subject: { CN: ['cn.test', 'other.test'] } }, ['cn.test']],
    [{ subject: null }, []],
  ];
  for (const [cert, want] of cases) assert.deepEqual(presentedIdentities(cert), want, JSON.stringify(cert));
});

test('RFC 6125 matching: exact names, a wildcard for one leftmost label only', () => {
  const cases: [string, string, boolean][] = [
    ['example.test', 'example.test', true],
    ['example.test', 'EXAMPLE.test.', true],
    ['example.test', 'other.test', false],
    ['*.example.test', 'xmpp.example.test', true],
    ['*.example.test', 'example.test', false],
    ['*.example.test', 'a.b.example.test', false],
    ['*.test', 'example.test', false],
  ];
  for (const [id, domain, want] of cases) assert.equal(identityMatches(id, domain), want, `${id} ~ ${domain}`);
  assert.equal(
    certificateNamesDomain({ subjectaltname: 'DNS:other.test, DNS:*.example.test' }, 'a.example.test'),
    true,
  );
  assert.equal(
    certificateNamesDomain({ subject: { CN: 'example.test' }, subjectaltname: 'DNS:x.test' }, 'example.test'),
    false,
  );
});

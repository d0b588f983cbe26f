import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateNames, type FederationPeer, foreignSender, namesDomain } from './trust.js';

test('the names a certificate speaks for (RFC 5922 §7.1)', () => {
  const cases: [Parameters<typeof certificateNames>[0], string[]][] = [
    [{ subjectaltname: 'DNS:other.test, IP Address:127.0.0.1, DNS:localhost' }, ['other.test', 'localhost']],
    [{ subjectaltname: 'DNS:Other.TEST.', subject: { CN: 'ignored.test' } }, ['other.test']],
    [{ subjectaltname: 'URI:sip:other.test, DNS:other.test' }, ['other.test']],
    // A subjectAltName without DNS names: the CN does not count then.
    [{ subjectaltname: 'IP Address:127.0.0.1', subject: { CN: 'other.test' } }, []],
    [{ subject: { CN: 'other.test' } }, ['other.test']],
    [{ subject: { CN: ['a.test', 'b.test'] } }, ['a.test']],
    [{ subject: null }, []],
    [{}, []],
  ];
  for (const [cert, names] of cases) assert.deepEqual(certificateNames(cert), names, JSON.stringify(cert));
});

test('a domain matches a name exactly, never by wildcard (RFC 5922 §7.2)', () => {
  assert.equal(namesDomain(['other.test'], 'OTHER.test'), true);
  assert.equal(namesDomain(['*.other.test'], 'sip.other.test'), false);
  assert.equal(namesDomain(['sip.other.test'], 'other.test'), false);
  assert.equal(namesDomain([], 'other.test'), false);
});

test('a request from another domain is taken only from a verified peer over TLS', () => {
  const peers: FederationPeer[] = [{ domain: 'other.test' }, { domain: 'third.test', address: '127.0.0.1:5061' }];
  const tls = (peerNames?: string[]) => ({ transport: 'TLS' as const, ...(peerNames && { peerNames }) });
  const cases: [string, Parameters<typeof foreignSender>[1], string][] = [
    ['other.test', tls(['other.test']), 'trusted'],
    ['Other.Test', tls(['other.test', 'localhost']), 'trusted'],
    ['nobody.test', tls(['nobody.test']), 'not a federation peer'],
    ['other.test', { transport: 'TCP' }, 'a peer must come over TLS'],
    ['other.test', { transport: 'UDP', peerNames: ['other.test'] }, 'a peer must come over TLS'],
    ['other.test', { transport: 'WSS' }, 'a peer must come over TLS'],
    ['other.test', tls(), 'no verified client certificate'],
    ['third.test', tls(['other.test']), 'the certificate does not name the domain'],
  ];
  for (const [domain, flow, expected] of cases) {
    const r = foreignSender(domain, flow, peers);
    assert.equal(r.trusted ? 'trusted' : r.reason, expected, `${domain} ${JSON.stringify(flow)}`);
    if (r.trusted) assert.equal(r.peer.domain, 'other.test');
  }
});

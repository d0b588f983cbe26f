import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeCertificate, type Srv, targetsOf } from './steps.js';

const srv = (name: string, port: number, priority = 0, weight = 0): Srv => ({ name, port, priority, weight });

test('targets: both SRV sets by priority, direct TLS first at equal priority, heavier first; the domain at 5269 without SRV', () => {
  const cases: [string, Srv[], Srv[], string[]][] = [
    ['no SRV at all', [], [], ['d.test:5269']],
    ['xmpp-server only', [], [srv('xmpp.d.test.', 5269)], ['xmpp.d.test:5269']],
    [
      'both, same priority',
      [srv('tls.d.test', 5270)],
      [srv('xmpp.d.test', 5269)],
      ['tls.d.test:5270 tls', 'xmpp.d.test:5269'],
    ],
    [
      'priority before direct TLS, weight within a priority',
      [srv('tls.d.test', 5270, 10)],
      [srv('a.d.test', 5269, 5, 1), srv('b.d.test', 5269, 5, 9)],
      ['b.d.test:5269', 'a.d.test:5269', 'tls.d.test:5270 tls'],
    ],
    ['"." says the service is not offered', [], [srv('.', 0)], []],
    ['"." for direct TLS only', [srv('.', 0)], [srv('xmpp.d.test', 5269)], ['xmpp.d.test:5269']],
  ];
  for (const [what, xmpps, xmpp, want] of cases)
    assert.deepEqual(
      targetsOf('d.test', xmpps, xmpp).map((t) => `${t.host}:${t.port}${t.directTls ? ' tls' : ''}`),
      want,
      what,
    );
});

const NOW = Date.parse('2026-06-01T00:00:00Z');
const cert = (san: string, from = 'Jan  1 00:00:00 2026 GMT', to = 'Jan  1 00:00:00 2027 GMT') => ({
  subjectaltname: san,
  valid_from: from,
  valid_to: to,
});

test('the certificate step: dates, then the name, then the chain, each said in words', () => {
  const cases: [ReturnType<typeof cert>, string | null, string, string][] = [
    [cert('DNS:d.test'), null, 'cert-valid', 'the certificate is valid for d.test until 2027-01-01'],
    [cert('DNS:*.d.test'), null, 'cert-wrong-name', 'the certificate is for *.d.test, not d.test'],
    [
      cert('othername:SRVName:_xmpp-server.d.test'),
      null,
      'cert-valid',
      'the certificate is valid for d.test until 2027-01-01',
    ],
    [
      cert('DNS:d.test', 'Jan  1 00:00:00 2025 GMT', 'Jan  1 00:00:00 2026 GMT'),
      'CERT_HAS_EXPIRED',
      'cert-expired',
      'the certificate expired on 2026-01-01',
    ],
    [
      cert('DNS:d.test', 'Jan  1 00:00:00 2027 GMT', 'Jan  1 00:00:00 2028 GMT'),
      'CERT_NOT_YET_VALID',
      'cert-not-yet-valid',
      'the certificate is not valid before 2027-01-01',
    ],
    [
      cert('DNS:other.test, DNS:www.other.test'),
      null,
      'cert-wrong-name',
      'the certificate is for other.test, www.other.test, not d.test',
    ],
    [cert('IP Address:192.0.2.1'), null, 'cert-wrong-name', 'the certificate is for no name, not d.test'],
    [
      cert('DNS:d.test'),
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'cert-self-signed',
      'the certificate is self-signed: no authority vouches for it',
    ],
    [
      cert('DNS:d.test'),
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'cert-untrusted',
      'the certificate is not signed by an authority this server trusts (a private authority goes into federation.caFile)',
    ],
    [cert('DNS:d.test'), 'CERT_REVOKED', 'cert-invalid', 'the certificate did not verify (CERT_REVOKED)'],
  ];
  for (const [c, chainError, code, message] of cases) {
    const step = judgeCertificate(c, chainError, 'd.test', NOW);
    assert.deepEqual(
      [step.step, step.code, step.message],
      ['certificate', code, message],
      `${c.subjectaltname} ${chainError}`,
    );
    assert.equal(step.outcome, code === 'cert-valid' ? 'ok' : 'failed');
  }
});

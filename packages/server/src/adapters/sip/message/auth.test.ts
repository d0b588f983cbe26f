import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRefusals } from '../../../../test/support/sip.js';
import { parseAuth, renderAuth } from './auth.js';

test('digest credentials and challenges', () => {
  const credentials = parseAuth(
    'Digest username="alice", realm="a.test", nonce="n,1", uri="sip:a.test", response="abc", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c"',
  );
  assert.equal(credentials.scheme, 'Digest');
  assert.equal(credentials.params.get('nonce'), 'n,1');
  assert.equal(credentials.params.get('algorithm'), 'SHA-256');
  assert.equal(credentials.params.get('nc'), '00000001');
  const challenge = parseAuth('Digest realm="a \\"quoted\\" realm",qop="auth,auth-int" , stale=TRUE');
  assert.equal(challenge.params.get('realm'), 'a "quoted" realm');
  assert.equal(challenge.params.get('qop'), 'auth,auth-int');
  assert.equal(challenge.params.get('stale'), 'TRUE');
  assert.deepEqual(parseAuth('NoOneKnowsThisScheme opaque-data=here').params, new Map([['opaque-data', 'here']]));
});

test('bad credentials are refused', () => {
  const cases: [string, RegExp][] = [
    ['Digest realm="open', /unterminated/],
    ['Digest realm', /bad Digest parameter/],
    ['Digest realm="a", realm="b"', /twice/],
    ['Digest nonce="a"x', /text after quoted/],
    ['Di gest', /bad value|bad Di parameter/],
  ];
  assertRefusals((text) => parseAuth(text), cases);
});

test('rendering quotes the quoted-string parameters', () => {
  const challenge = {
    scheme: 'Digest',
    params: new Map([
      ['realm', 'a.test'],
      ['nonce', 'n"1'],
      ['algorithm', 'MD5'],
      ['qop', 'auth'],
    ]),
  };
  assert.equal(renderAuth(challenge), 'Digest realm="a.test", nonce="n\\"1", algorithm=MD5, qop="auth"');
  assert.equal(renderAuth(challenge, ['qop']), 'Digest realm="a.test", nonce="n\\"1", algorithm=MD5, qop=auth');
  assert.deepEqual(parseAuth(renderAuth(challenge)), challenge);
});

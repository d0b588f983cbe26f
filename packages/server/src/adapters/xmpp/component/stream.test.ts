import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handshakeDigest, handshakeValid } from './stream.js';

// `printf '%s' 'sid-1secret' | sha1sum` (coreutils), not this code, gives the expected digest.
const SHA1_OF_SID1_SECRET = 'e9cdc2ef8ac8be901cf1bec2badef96f4d79df5b';

test('the handshake is the lower-case hex SHA-1 of the stream id and the secret', () => {
  assert.equal(handshakeDigest('sid-1', 'secret'), SHA1_OF_SID1_SECRET);
});

test('a handshake is valid in either case and with surrounding space, and only for its stream and secret', () => {
  const cases: [string, string, string, boolean][] = [
    [SHA1_OF_SID1_SECRET, 'sid-1', 'secret', true],
    [SHA1_OF_SID1_SECRET.toUpperCase(), 'sid-1', 'secret', true],
    [` ${SHA1_OF_SID1_SECRET}\n`, 'sid-1', 'secret', true],
    [SHA1_OF_SID1_SECRET, 'sid-2', 'secret', false],
    [SHA1_OF_SID1_SECRET, 'sid-1', 'Secret', false],
    [SHA1_OF_SID1_SECRET.slice(1), 'sid-1', 'secret', false],
    ['', 'sid-1', 'secret', false],
  ];
  for (const [given, sid, secret, valid] of cases) assert.equal(handshakeValid(given, sid, secret), valid, given);
});

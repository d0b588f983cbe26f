import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrustLevel } from '../../../core/federation/model.js';
import { parseJid } from '../../../lib/jid.js';
import {
  addressingError,
  authenticationFor,
  bounceCondition,
  type CertificateState,
  type OutboundFailure,
  pairKey,
} from './policy.js';

test('the authentication a domain gets by trust level and certificate', () => {
  const table: [TrustLevel, CertificateState, string][] = [
    ['blocked', 'valid', 'refused'],
    ['blocked', 'none', 'refused'],
    ['public', 'valid', 'external'],
    ['public', 'invalid', 'dialback'],
    ['business', 'none', 'dialback'],
    ['trusted', 'valid', 'external'],
    ['trusted', 'invalid', 'dialback'],
  ];
  for (const [level, cert, expected] of table)
    assert.equal(authenticationFor(level, cert), expected, `${level} ${cert}`);
});

test('a stanza passes only between a pair the stream authenticated', () => {
  const authenticated = new Set([pairKey('A.test', 'parley.test')]);
  const table: [string | null, string | null, string | undefined][] = [
    ['alice@a.test/r', 'bob@parley.test', undefined],
    ['a.test', 'parley.test', undefined],
    ['mallory@b.test', 'bob@parley.test', 'invalid-from'],
    ['alice@a.test', 'bob@other.test', 'invalid-from'],
    [null, 'bob@parley.test', 'invalid-from'],
    ['alice@a.test', null, 'improper-addressing'],
  ];
  for (const [from, to, expected] of table) {
    const f = from === null ? null : parseJid(from);
    const t = to === null ? null : parseJid(to);
    assert.equal(addressingError(f, t, authenticated), expected, `${from} → ${to}`);
  }
});

test('what the senders of a failed stream’s stanzas get (RFC 6120 §8.3.3)', () => {
  const table: [OutboundFailure, string][] = [
    ['not-found', 'remote-server-not-found'],
    ['refused', 'remote-server-not-found'],
    ['timeout', 'remote-server-timeout'],
    ['blocked', 'not-allowed'],
    ['overflow', 'resource-constraint'],
  ];
  for (const [failure, condition] of table) assert.equal(bounceCondition(failure), condition);
});

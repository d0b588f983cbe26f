import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownAuthzid, parsePlain, saslAccount, saslMechanisms } from './sasl.js';

test('mechanisms: -PLUS only with channel binding data over TLS, PLAIN only over TLS', () => {
  assert.deepEqual(saslMechanisms({ secure: false }), ['SCRAM-SHA-256', 'SCRAM-SHA-1']);
  assert.deepEqual(saslMechanisms({ secure: false, channelBindings: ['tls-exporter'] }), [
    'SCRAM-SHA-256',
    'SCRAM-SHA-1',
  ]);
  assert.deepEqual(saslMechanisms({ secure: true }), ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  assert.deepEqual(saslMechanisms({ secure: true, channelBindings: ['tls-exporter'] }), [
    'SCRAM-SHA-256-PLUS',
    'SCRAM-SHA-1-PLUS',
    'SCRAM-SHA-256',
    'SCRAM-SHA-1',
    'PLAIN',
  ]);
});

test('PLAIN messages (RFC 4616)', () => {
  assert.deepEqual(parsePlain(Buffer.from('\0tim\0tanstaaftanstaaf')), {
    authzid: '',
    authcid: 'tim',
    password: 'tanstaaftanstaaf',
  });
  assert.deepEqual(parsePlain(Buffer.from('Ursel\0Kurt\0xipj3plmq')), {
    authzid: 'Ursel',
    authcid: 'Kurt',
    password: 'xipj3plmq',
  });
  assert.equal(parsePlain(Buffer.from('\0jürgen\0pässwort'))?.password, 'pässwort');
  for (const bad of ['tim\0secret', '\0\0secret', '\0tim\0', '\0tim\0se\0cret', '']) {
    assert.equal(parsePlain(Buffer.from(bad)), null, JSON.stringify(bad));
  }
  assert.equal(parsePlain(Buffer.from([0, 0x74, 0, 0xff, 0xfe])), null, 'not UTF-8');
});

test('a SASL name is a local part in the connection domain; the authzid may only name the account itself', () => {
  assert.equal(saslAccount('alice', 'example.test'), 'alice@example.test');
  assert.equal(saslAccount('alice@other.test', 'example.test'), 'alice@other.test@example.test', 'no user');
  for (const authzid of [null, '', 'alice@example.test', 'Alice@Example.TEST']) {
    assert.equal(ownAuthzid(authzid, 'alice@example.test'), true, String(authzid));
  }
  for (const authzid of ['bob@example.test', 'alice', 'alice@other.test']) {
    assert.equal(ownAuthzid(authzid, 'alice@example.test'), false, authzid);
  }
});

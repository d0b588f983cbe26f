import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bareJid, formatJid, parseJid, sameJid } from './jid.js';

describe('parseJid', () => {
  const cases: [string, ReturnType<typeof parseJid>][] = [
    ['alice@example.test', { local: 'alice', domain: 'example.test', resource: null }],
    ['Alice@Example.TEST/Phone', { local: 'alice', domain: 'example.test', resource: 'Phone' }],
    ['example.test', { local: null, domain: 'example.test', resource: null }],
    ['example.test.', { local: null, domain: 'example.test', resource: null }],
    ['a@b/c/d@e', { local: 'a', domain: 'b', resource: 'c/d@e' }],
    ['', null],
    ['@example.test', null],
    ['alice@', null],
    ['alice@example.test/', null],
    ['al ice@example.test', null],
    ['a"b@example.test', null],
    [`${'a'.repeat(1024)}@example.test`, null],
    ['alice@exa<mple.test', null],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input.slice(0, 40)), () => assert.deepEqual(parseJid(input), expected));
  }

  it('formats and compares', () => {
    const a = parseJid('Alice@example.test/x');
    const b = parseJid('alice@example.test/y');
    assert.ok(a && b);
    assert.equal(formatJid(a), 'alice@example.test/x');
    assert.equal(bareJid(a), 'alice@example.test');
    assert.equal(sameJid(a, b), false);
    assert.equal(sameJid(a, b, true), true);
  });
});

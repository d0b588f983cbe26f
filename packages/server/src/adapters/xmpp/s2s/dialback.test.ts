import assert from 'node:assert/strict';
import { test } from 'node:test';
import { x } from '../xml/element.js';
import { DIALBACK_NS, dialback, dialbackAnswer, dialbackKey, dialbackKeyValid, isDialback } from './dialback.js';

test('the key is XEP-0185 §3 (computed with openssl dgst -hmac for the inputs of its example)', () => {
  // k=$(printf s3cr3tf0rd14lb4ck | sha256sum); printf 'example.net example.com D60000229F' | openssl dgst -sha256 -hmac $k
  assert.equal(
    dialbackKey('s3cr3tf0rd14lb4ck', 'example.net', 'example.com', 'D60000229F'),
    '008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc',
  );
});

test('a key verifies only for the same domains, stream and secret', () => {
  const key = dialbackKey('s', 'r.example', 'o.example', 'id1');
  const table: [string, string, string, string, boolean][] = [
    ['s', 'r.example', 'o.example', 'id1', true],
    ['s', 'o.example', 'r.example', 'id1', false],
    ['s', 'r.example', 'o.example', 'id2', false],
    ['t', 'r.example', 'o.example', 'id1', false],
  ];
  for (const [secret, r, o, id, valid] of table) assert.equal(dialbackKeyValid(secret, key, r, o, id), valid);
  assert.equal(dialbackKeyValid('s', 'short', 'r.example', 'o.example', 'id1'), false);
  assert.equal(dialbackKeyValid('s', `  ${key}\n`, 'r.example', 'o.example', 'id1'), true);
});

test('elements and answers', () => {
  assert.equal(
    dialback('result', { from: 'a.test', to: 'b.test' }, 'k').toString(),
    '<db:result from="a.test" to="b.test">k</db:result>',
  );
  const table: [Record<string, string>, string | undefined][] = [
    [{}, undefined],
    [{ type: 'valid' }, 'valid'],
    [{ type: 'invalid' }, 'invalid'],
    [{ type: 'error' }, 'error'],
    [{ type: 'bogus' }, 'error'],
  ];
  for (const [attrs, answer] of table)
    assert.equal(dialbackAnswer(x('result', { xmlns: DIALBACK_NS, ...attrs })), answer);
  assert.equal(isDialback(x('verify', { xmlns: DIALBACK_NS })), true);
  assert.equal(isDialback(x('verify')), false);
  assert.equal(isDialback(x('other', { xmlns: DIALBACK_NS })), false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRefusals } from '../../../../test/support/sip.js';
import { contactExpires, contactQ, MAX_DELTA_SECONDS, parseNameAddr, renderNameAddr, tagOf } from './name-addr.js';
import { renderUri } from './uri.js';

const MAX = 4096;

test('name-addr and addr-spec forms', () => {
  const cases: [string, string | undefined, string, [string, string | null][]][] = [
    ['"Alice" <sip:alice@a.test>;tag=1', 'Alice', 'sip:alice@a.test', [['tag', '1']]],
    ['Alice Liddell <sip:alice@a.test>', 'Alice Liddell', 'sip:alice@a.test', []],
    ['"caller"<sip:caller@example.com>;tag=323', 'caller', 'sip:caller@example.com', [['tag', '323']]],
    ['"J Rosenberg \\\\\\"" <sip:j@e.com>', 'J Rosenberg \\"', 'sip:j@e.com', []],
    [
      'sip:bob@b.test;tag=x ; Expires = 60',
      undefined,
      'sip:bob@b.test',
      [
        ['tag', 'x'],
        ['expires', '60'],
      ],
    ],
    ['<sip:a@h;lr>;+sip.instance="<urn:uuid:1>"', undefined, 'sip:a@h;lr', [['+sip.instance', '"<urn:uuid:1>"']]],
    ['"%Z%45" <sip:x@h>', '%Z%45', 'sip:x@h', []],
    ['"\u00e9\u0000" <tel:+49711>', '\u00e9\u0000', 'tel:+49711', []],
  ];
  for (const [text, display, uri, params] of cases) {
    const addr = parseNameAddr(text, MAX);
    assert.equal(addr.displayName, display, text);
    assert.equal(renderUri(addr.uri), uri, text);
    assert.deepEqual([...addr.params], params, text);
  }
});

test('bad addresses are refused', () => {
  const cases: [string, RegExp][] = [
    ['"Mr. J. User <sip:j.user@example.com>', /unterminated quoted/],
    ['"Watson, Thomas" < sip:t.watson@example.org >', /white space inside/],
    ['Bell, Alexander <sip:a@example.com>', /bad display name/],
    ['sip:user@example.com?Route=%3Csip:sip.example.com%3E', /outside <>/],
    ['"Joe" <sip:joe@example.org>;;;;', /bad parameter name/],
    ['<sip:a@h', /unterminated </],
    ['"Joe" sip:joe@h', /without <URI>/],
    ['<sip:a@h>;tag=', /bad value/],
  ];
  assertRefusals((text) => parseNameAddr(text, MAX), cases);
});

test('tag, Contact expires and q', () => {
  const c = parseNameAddr('<sip:a@h>;expires=280297596632815;q=0.5;tag=t', MAX);
  assert.equal(tagOf(c), 't');
  assert.equal(contactExpires(c), MAX_DELTA_SECONDS);
  assert.equal(contactQ(c), 0.5);
  assert.equal(contactExpires(parseNameAddr('<sip:a@h>;expires=0060', MAX)), 60);
  assert.equal(contactExpires(parseNameAddr('<sip:a@h>', MAX)), undefined);
  assert.throws(() => contactQ(parseNameAddr('<sip:a@h>;q=1.5', MAX)), /q value/);
  assert.throws(() => contactExpires(parseNameAddr('<sip:a@h>;expires=soon', MAX)), /not a number/);
});

test('rendering quotes the display name', () => {
  const addr = parseNameAddr('"A \\"B\\"" <sip:a@h>;tag=1', MAX);
  assert.equal(renderNameAddr(addr), '"A \\"B\\"" <sip:a@h>;tag=1');
  assert.equal(renderNameAddr(parseNameAddr('sip:a@h', MAX)), '<sip:a@h>');
});

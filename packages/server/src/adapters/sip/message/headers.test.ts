import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRefusals } from '../../../../test/support/sip.js';
import { canonicalName, headerValues, parseHeaderLines, singleHeader } from './headers.js';
import { DEFAULT_SIP_LIMITS, sipLimits } from './limits.js';

test('canonical names and compact forms', () => {
  const cases: [string, string][] = [
    ['i', 'Call-ID'],
    ['M', 'Contact'],
    ['v', 'Via'],
    ['l', 'Content-Length'],
    ['o', 'Event'],
    ['u', 'Allow-Events'],
    ['call-id', 'Call-ID'],
    ['cseq', 'CSeq'],
    ['www-authenticate', 'WWW-Authenticate'],
    ['MaX-fOrWaRdS', 'Max-Forwards'],
    ['x-custom-thing', 'X-Custom-Thing'],
  ];
  for (const [name, canonical] of cases) assert.equal(canonicalName(name), canonical, name);
});

test('folding, lists and opaque values', () => {
  const headers = parseHeaderLines(
    [
      'TO :',
      ' sip:a@h ;   tag    = 1',
      'v: SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b',
      'Contact: "A, B" <sip:a@h;x=1,2>, <sip:b@h>',
      'Unknown: ;;,,;;,;',
      'Subject:',
      'Accept:',
    ],
    DEFAULT_SIP_LIMITS,
  );
  assert.deepEqual(headers, [
    { name: 'To', value: 'sip:a@h ;   tag    = 1' },
    { name: 'Via', value: 'SIP/2.0/UDP a;branch=1' },
    { name: 'Via', value: 'SIP/2.0/TCP b' },
    { name: 'Contact', value: '"A, B" <sip:a@h;x=1,2>' },
    { name: 'Contact', value: '<sip:b@h>' },
    { name: 'Unknown', value: ';;,,;;,;' },
    { name: 'Subject', value: '' },
    { name: 'Accept', value: '' },
  ]);
  assert.deepEqual(headerValues(headers, 'v'), ['SIP/2.0/UDP a;branch=1', 'SIP/2.0/TCP b']);
  assert.equal(singleHeader(headers, 't'), 'sip:a@h ;   tag    = 1');
  assert.equal(singleHeader(headers, 'Call-ID'), undefined);
  assert.throws(() => singleHeader(headers, 'Via'), /appears 2 times/);
});

test('bad header sections and limits', () => {
  const limits = sipLimits({ maxHeaders: 3, maxHeaderValueBytes: 20 });
  const cases: [string[], RegExp][] = [
    [[' folded first'], /continuation line/],
    [['No colon here'], /bad header line/],
    [['Bad Name: x'], /bad header line/],
    [['Via: a,,b'], /empty element/],
    [['A: 1', 'B: 2', 'C: 3', 'D: 4'], /more than 3/],
    [['Allow: A, B, C, D'], /more than 3/],
    [[`Subject: ${'x'.repeat(21)}`], /too long/],
    [['Subject: 1234567890', ` ${'x'.repeat(20)}`], /too long/],
  ];
  assertRefusals((lines) => parseHeaderLines(lines, limits), cases);
  assert.throws(() => sipLimits({ maxHeaders: 0 }), /positive integer/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReplaces } from './replaces.js';

test('Replaces (RFC 3891 §6.1): the dialog named, early-only, or nothing when a part is missing', () => {
  const cases: [string, ReturnType<typeof parseReplaces>][] = [
    [
      '425928@bobster.example.org;to-tag=7743;from-tag=6472',
      { callId: '425928@bobster.example.org', toTag: '7743', fromTag: '6472', earlyOnly: false },
    ],
    ['abc@x ; from-tag=1 ; TO-TAG=2 ; early-only', { callId: 'abc@x', toTag: '2', fromTag: '1', earlyOnly: true }],
    ['abc@x;to-tag=2', undefined],
    ['abc@x;from-tag=1;to-tag=', undefined],
    [';to-tag=2;from-tag=1', undefined],
    [`${'x'.repeat(300)};to-tag=2;from-tag=1`, undefined],
  ];
  for (const [value, expected] of cases) assert.deepEqual(parseReplaces(value), expected, value);
});

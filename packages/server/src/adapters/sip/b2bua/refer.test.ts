import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReferTo } from './refer.js';

test('Refer-To (RFC 3515 §2.1): the target, an embedded Replaces percent-decoded, or why it is refused', () => {
  const replaces = { callId: 'a84b4c76e66710@pc33', toTag: '1928301774', fromTag: '314159', earlyOnly: false };
  const cases: [string[], ReturnType<typeof parseReferTo>][] = [
    [['<sip:203@example.test>'], { dialled: '203' }],
    [['sip:203@example.test'], { dialled: '203' }],
    [['"Carol" <sips:carol@example.test;user=phone>;x=1'], { dialled: 'carol' }],
    [['<tel:+4930123456;phone-context=example.test>'], { dialled: '+4930123456' }],
    [['<sip:203@example.test;method=INVITE>'], { dialled: '203' }],
    [
      ['<sip:203@example.test?Replaces=a84b4c76e66710%40pc33%3Bto-tag%3D1928301774%3Bfrom-tag%3D314159>'],
      { dialled: '203', replaces },
    ],
    [
      [
        '<sip:203@example.test?Require=replaces&replaces=a84b4c76e66710%40pc33%3Bfrom-tag%3D314159%3Bto-tag%3D1928301774>',
      ],
      { dialled: '203', replaces },
    ],
    [[], 'no Refer-To'],
    [['<sip:203@example.test>', '<sip:204@example.test>'], 'more than one Refer-To'],
    [['<sip:203@example.test>, <sip:204@example.test>'], 'more than one Refer-To'],
    [[`<sip:${'2'.repeat(1100)}@example.test>`], 'Refer-To longer than 1024'],
    [['<sip:203@example.test'], 'Refer-To is no URI'],
    [['203'], 'Refer-To is no URI'],
    [['<sip:example.test>'], 'Refer-To names no number or user'],
    [['<mailto:carol@example.test>'], 'Refer-To names no number or user'],
    [['<sip:%3Cscript%3E@example.test>'], 'Refer-To names no number or user'],
    [[`<sip:${'2'.repeat(65)}@example.test>`], 'Refer-To names no number or user'],
    [['<sip:203@example.test;method=BYE>'], 'Refer-To asks for another method than INVITE'],
    [['<sip:203@example.test?Replaces=abc%3Bto-tag%3D1>'], 'Replaces names no dialog'],
    [
      ['<sip:203@example.test?Replaces=a%3Bto-tag%3D1%3Bfrom-tag%3D2&Replaces=b%3Bto-tag%3D1%3Bfrom-tag%3D2>'],
      'more than one Replaces',
    ],
  ];
  for (const [values, expected] of cases) assert.deepEqual(parseReferTo(values), expected, values.join(' | '));
});

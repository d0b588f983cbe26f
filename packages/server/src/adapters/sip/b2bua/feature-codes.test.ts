import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featureCode } from './feature-codes.js';

test('feature codes: *8 is GroupPickup, **EXT DirectedPickup; anything else is dialled as it is', () => {
  const cases: [string, ReturnType<typeof featureCode>][] = [
    ['*8', { kind: 'groupPickup' }],
    ['**201', { kind: 'directedPickup', at: '201' }],
    ['**4971112345201', { kind: 'directedPickup', at: '4971112345201' }],
    ['**', undefined],
    ['**2a', undefined],
    ['*80', undefined],
    ['8', undefined],
    ['201', undefined],
    ['***201', undefined],
    ['**1234567890123456', undefined],
  ];
  for (const [user, expected] of cases) assert.deepEqual(featureCode(user), expected, user);
});

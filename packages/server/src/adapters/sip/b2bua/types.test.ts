import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRequest, respond } from '../message/index.js';
import { bestResponse } from './types.js';

const invite = makeRequest('INVITE', 'sip:bob@example.test', [
  { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1' },
  { name: 'From', value: '<sip:alice@example.test>;tag=1' },
  { name: 'To', value: '<sip:bob@example.test>' },
  { name: 'Call-ID', value: 'c' },
  { name: 'CSeq', value: '1 INVITE' },
]);
const r = (status: number) => respond(invite, status, `S${status}`, { toTag: 't' });

test('the response a forked call gives when nobody answered (RFC 3261 §16.7)', () => {
  const rows: [number[], number][] = [
    [[], 480],
    [[404, 486, 480], 486],
    [[480, 404], 404],
    [[486, 603], 603],
    [[487, 480], 480],
    [[487], 480],
    [[500, 408], 408],
  ];
  for (const [statuses, expected] of rows)
    assert.equal(bestResponse(statuses.map(r)).status, expected, String(statuses));
});

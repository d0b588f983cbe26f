import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MessageSummary, renderMessageSummary } from './message-summary.js';

const account = 'sip:alice@example.test';
const cases: [string, MessageSummary, string][] = [
  ['no voice mail yet', { account }, 'Messages-Waiting: no\r\nMessage-Account: sip:alice@example.test\r\n'],
  [
    'old messages only',
    { account, counts: { 'voice-message': { new: 0, old: 3 } } },
    'Messages-Waiting: no\r\nMessage-Account: sip:alice@example.test\r\nVoice-Message: 0/3\r\n',
  ],
  [
    'new with urgent, two classes in RFC order (RFC 3842 §5.2)',
    {
      account,
      counts: { 'fax-message': { new: 0, old: 1 }, 'voice-message': { new: 2, old: 8, urgentNew: 0, urgentOld: 2 } },
    },
    'Messages-Waiting: yes\r\nMessage-Account: sip:alice@example.test\r\nVoice-Message: 2/8 (0/2)\r\nFax-Message: 0/1\r\n',
  ],
];

for (const [name, summary, body] of cases) {
  test(`message-summary: ${name}`, () => assert.equal(renderMessageSummary(summary), body));
}

test('message-summary: refuses an account that would inject lines, and bad counts', () => {
  assert.throws(() => renderMessageSummary({ account: 'sip:a@x\r\nMessages-Waiting: yes' }), RangeError);
  assert.throws(() => renderMessageSummary({ account, counts: { 'voice-message': { new: -1, old: 0 } } }), RangeError);
});

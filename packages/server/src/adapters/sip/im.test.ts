import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParleyError } from '../../core/errors.js';
import { bodyText, refusalOf } from './im.js';

const cpim = (inner: string) => Buffer.from(`From: <sip:a@x.test>\r\nTo: <sip:b@x.test>\r\n\r\n${inner}`, 'utf8');

test('bodyText: text/plain in UTF-8 or US-ASCII, bare or in CPIM; the rest 415 or 400', () => {
  const cases: [string | undefined, Buffer, ReturnType<typeof bodyText>][] = [
    ['text/plain', Buffer.from('hi ✓'), { ok: true, text: 'hi ✓' }],
    ['Text/Plain; charset="UTF-8"', Buffer.from('hi'), { ok: true, text: 'hi' }],
    ['text/plain;charset=us-ascii', Buffer.from('hi'), { ok: true, text: 'hi' }],
    [
      'text/plain;charset=iso-8859-1',
      Buffer.from('hi'),
      { ok: false, status: 415, reason: 'Unsupported Media Type (charset)' },
    ],
    ['text/plain', Buffer.from([0xc3, 0x28]), { ok: false, status: 400, reason: 'Bad Request (body is not UTF-8)' }],
    ['text/html', Buffer.from('<b>hi</b>'), { ok: false, status: 415, reason: 'Unsupported Media Type' }],
    ['text/plain; charset="utf-8', Buffer.from('hi'), { ok: false, status: 400, reason: 'Bad Request (Content-Type)' }],
    [undefined, Buffer.from('hi'), { ok: false, status: 415, reason: 'Unsupported Media Type' }],
    ['message/cpim', cpim('Content-Type: text/plain;charset=utf-8\r\n\r\nhello'), { ok: true, text: 'hello' }],
    [
      'message/cpim',
      Buffer.from('From: <sip:a@x.test>\n\ncontent-type: text/plain\n\nlf only'),
      { ok: true, text: 'lf only' },
    ],
    [
      'message/cpim',
      cpim('Content-Type: text/html\r\n\r\n<b>hi</b>'),
      { ok: false, status: 415, reason: 'Unsupported Media Type' },
    ],
    [
      'message/cpim',
      cpim('Content-Type: message/cpim\r\n\r\nx'),
      { ok: false, status: 415, reason: 'Unsupported Media Type' },
    ],
    ['message/cpim', Buffer.from('From: <sip:a@x.test>\r\n'), { ok: false, status: 400, reason: 'Bad Request (CPIM)' }],
  ];
  for (const [type, body, expected] of cases) assert.deepEqual(bodyText(type, body), expected, `${type} ${body}`);
});

test('refusalOf: core refusals as SIP answers; other errors are not the sender’s', () => {
  const cases: [unknown, ReturnType<typeof refusalOf>][] = [
    [new ParleyError('PARLEY_ERR_BODY_TOO_LARGE'), { status: 413, reason: 'Request Entity Too Large' }],
    [
      new ParleyError('PARLEY_ERR_TOO_MANY_REQUESTS', 'slow down', undefined, 7),
      { status: 503, reason: 'Service Unavailable (too many messages)', retryAfter: 7 },
    ],
    [new ParleyError('PARLEY_ERR_FORBIDDEN'), { status: 403, reason: 'Forbidden' }],
    [new ParleyError('PARLEY_ERR_NOT_FOUND'), { status: 404, reason: 'Not Found' }],
    [new ParleyError('PARLEY_ERR_VALIDATION'), { status: 400, reason: 'Bad Request (empty message)' }],
    [new ParleyError('PARLEY_ERR_INTERNAL'), undefined],
    [new Error('disk full'), undefined],
  ];
  for (const [err, expected] of cases) assert.deepEqual(refusalOf(err), expected, String(err));
});

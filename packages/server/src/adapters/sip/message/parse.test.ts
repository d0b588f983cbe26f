import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipParseError } from './errors.js';
import { sipLimits } from './limits.js';
import { parseDatagram, type SipRequest } from './parse.js';

const REGISTER = [
  'REGISTER sip:a.test SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKr1;rport',
  'Max-Forwards: 70',
  'From: <sip:alice@a.test>;tag=f1',
  'To: <sip:alice@a.test>',
  'Call-ID: c1@192.0.2.1',
  'CSeq: 1 REGISTER',
  'Contact: <sip:alice@192.0.2.1:5060>;expires=600, <sip:alice@192.0.2.2>;q=0.5',
  'Expires: 3600',
];

function datagram(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function failure(bytes: Buffer, limits = sipLimits()): SipParseError {
  try {
    parseDatagram(bytes, limits);
  } catch (error) {
    assert.ok(error instanceof SipParseError);
    return error;
  }
  assert.fail('parsed');
}

test('a REGISTER parses into typed fields', () => {
  const m = parseDatagram(datagram(REGISTER)) as SipRequest;
  assert.equal(m.kind, 'request');
  assert.equal(m.method, 'REGISTER');
  assert.equal(m.via[0]?.rport, true);
  assert.equal(m.from.params.get('tag'), 'f1');
  assert.deepEqual(m.cseq, { seq: 1, method: 'REGISTER' });
  assert.equal(m.maxForwards, 70);
  assert.equal(m.expires, 3600);
  assert.ok(Array.isArray(m.contact) && m.contact.length === 2);
  assert.equal(m.body.length, 0);
});

test('Contact * and a response with a UTF-8 reason and a body', () => {
  const star = parseDatagram(datagram([...REGISTER.slice(0, 7), 'Contact: *', 'Expires: 0'])) as SipRequest;
  assert.equal(star.contact, '*');
  const response = parseDatagram(
    datagram(['SIP/2.0 486 Besetzt – später', ...REGISTER.slice(1, 7), 'c: text/plain', 'l: 5'], 'hello, ignored'),
  );
  assert.ok(response.kind === 'response');
  assert.equal(response.status, 486);
  assert.equal(response.reason, 'Besetzt – später');
  assert.equal(response.contentType, 'text/plain');
  assert.equal(response.body.toString(), 'hello');
});

test('datagram framing: no Content-Length takes the rest, bare LF is tolerated', () => {
  const m = parseDatagram(Buffer.from(`${REGISTER.join('\n')}\n\nv=0\r\n`));
  assert.equal(m.body.toString(), 'v=0\r\n');
});

test('broken requests are answered with 400 (or 505) when they can be, otherwise dropped', () => {
  const cases: [string[], string, string, number, RegExp][] = [
    [['OPTIONS sip:a.test SIP/2.0', ...REGISTER.slice(1, 6), 'CSeq: 1 REGISTER'], '', 'respond', 400, /CSeq method/],
    [['REGISTER sip:a.test SIP/3.0', ...REGISTER.slice(1)], '', 'respond', 505, /version/],
    [[...REGISTER, 'Content-Length: 10'], 'short', 'respond', 400, /Content-Length 10 but 5/],
    [[...REGISTER, 'Content-Length: 1', 'l: 1'], 'x', 'respond', 400, /appears 2 times/],
    [[...REGISTER, 'Max-Forwards: 70'], '', 'respond', 400, /Max-Forwards appears/],
    [
      [REGISTER[0] as string, ...REGISTER.slice(1, 7)].map((l) => l.replace('CSeq: 1', 'CSeq: 2147483648')),
      '',
      'respond',
      400,
      /CSeq is too large/,
    ],
    [REGISTER.filter((l) => !l.startsWith('From')), '', 'drop', 400, /From missing/],
    [REGISTER.filter((l) => !l.startsWith('Via')), '', 'drop', 400, /Via missing/],
    [['REGISTER  sip:a.test SIP/2.0', ...REGISTER.slice(1)], '', 'drop', 400, /request line/],
    [['SIP/2.0 99 Odd', ...REGISTER.slice(1)], '', 'drop', 400, /status line/],
    [['SIP/2.0 200 OK', ...REGISTER.slice(1, 5), 'Call-ID: a b', ...REGISTER.slice(6)], '', 'drop', 400, /Call-ID/],
    [['REGISTER sip:a.test?Route=x SIP/2.0', ...REGISTER.slice(1)], '', 'respond', 400, /headers in the Request-URI/],
  ];
  for (const [lines, body, action, status, reason] of cases) {
    const error = failure(datagram(lines, body));
    assert.match(error.reason, reason, lines[0]);
    assert.equal(error.action, action, error.reason);
    assert.equal(error.status, status, error.reason);
    if (action === 'respond') assert.equal(error.context?.headers.length, 5);
  }
});

test('limits give clear errors', () => {
  const big = datagram([...REGISTER, 'Subject: x'], 'b'.repeat(100));
  assert.match(failure(big, sipLimits({ maxMessageBytes: 200 })).reason, /message larger than 200/);
  assert.match(failure(big, sipLimits({ maxBodyBytes: 50 })).reason, /body larger than 50/);
  assert.match(
    failure(datagram([...REGISTER, 'l: 51']), sipLimits({ maxBodyBytes: 50 })).reason,
    /Content-Length is too large/,
  );
  assert.match(failure(big, sipLimits({ maxLineBytes: 60 })).reason, /line longer than 60/);
  assert.match(failure(big, sipLimits({ maxHeaders: 5 })).reason, /more than 5 header/);
  assert.match(failure(big, sipLimits({ maxUriLength: 10 })).reason, /URI longer than 10/);
  assert.match(failure(Buffer.from(REGISTER.join('\r\n'))).reason, /not ended by an empty line/);
});

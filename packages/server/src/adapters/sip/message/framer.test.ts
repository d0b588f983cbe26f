import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FramerEvent, SipStreamFramer } from './framer.js';
import { sipLimits } from './limits.js';

const HEAD = [
  'MESSAGE sip:bob@b.test SIP/2.0',
  'Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKm1',
  'Max-Forwards: 70',
  'From: <sip:alice@a.test>;tag=f1',
  'To: <sip:bob@b.test>',
  'Call-ID: m1',
  'CSeq: 1 MESSAGE',
].join('\r\n');

function message(body: string, length = Buffer.byteLength(body)): string {
  return `${HEAD}\r\nContent-Length: ${length}\r\n\r\n${body}`;
}

function summary(events: FramerEvent[]): string[] {
  return events.map((e) =>
    e.kind === 'message'
      ? `message:${e.message.body.toString()}`
      : e.kind === 'error'
        ? `${e.error.action}:${e.error.reason}`
        : e.kind,
  );
}

test('messages, pings and pongs in any chunking', () => {
  const stream = Buffer.from(`\r\n\r\n${message('hi')}${message('')}\r\n${message('ünï')}\r\n\r\n`);
  const expected = ['ping', 'message:hi', 'message:', 'pong', 'message:ünï', 'ping'];
  assert.deepEqual(summary(new SipStreamFramer().push(stream)), expected);
  for (const size of [1, 2, 3, 7, 64]) {
    const framer = new SipStreamFramer();
    const events: FramerEvent[] = [];
    for (let i = 0; i < stream.length; i += size) events.push(...framer.push(stream.subarray(i, i + size)));
    assert.deepEqual(summary(events), expected, `chunks of ${size}`);
  }
});

test('a lone CRLF waits: it may be the start of a ping', () => {
  const framer = new SipStreamFramer();
  assert.deepEqual(summary(framer.push(Buffer.from('\r\n'))), []);
  assert.deepEqual(summary(framer.push(Buffer.from('\r'))), []);
  assert.deepEqual(summary(framer.push(Buffer.from('\n'))), ['ping']);
});

test('a message that frames but does not parse is an error and the stream goes on', () => {
  const bad = message('x').replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE');
  assert.deepEqual(summary(new SipStreamFramer().push(Buffer.from(bad + message('ok')))), [
    'respond:CSeq method INVITE differs from MESSAGE',
    'message:ok',
  ]);
});

test('framing errors close the stream', () => {
  const cases: [string, RegExp][] = [
    [`${HEAD}\r\n\r\n`, /Content-Length missing/],
    [message('', 999_999), /Content-Length is too large/],
    [message('', 2000), /message larger than 1024/],
    [`${HEAD}\r\n${'X-Pad: y\r\n'.repeat(200)}`, /header section too large/],
    [`${HEAD}\r\nContent-Length: -1\r\n\r\n`, /not a number/],
    ['\r\rINVITE', /bare CR/],
  ];
  for (const [text, reason] of cases) {
    const framer = new SipStreamFramer(sipLimits({ maxMessageBytes: 1024, maxBodyBytes: 4096 }));
    const events = framer.push(Buffer.from(text));
    const last = events.at(-1);
    assert.ok(last?.kind === 'error' && last.error.action === 'close', text.slice(0, 30));
    assert.match(last.error.reason, reason);
    assert.throws(() => framer.push(Buffer.from('\r\n')), /after a framing error/);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResponse, respond } from './build.js';
import { SipParseError } from './errors.js';
import { parseDatagram, type SipRequest } from './parse.js';
import { buildResponse, type ResponseOptions, renderRequest, renderResponse } from './render.js';
import { parseUri } from './uri.js';

const INVITE = Buffer.from(
  [
    'INVITE sip:bob@b.test SIP/2.0',
    'v: SIP/2.0/UDP proxy.test;branch=z9hG4bKp, SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;rport=5060;received=192.0.2.1',
    'Max-Forwards: 69',
    'f: "Alice" <sip:alice@a.test>;tag=f1',
    't: <sip:bob@b.test>',
    'i: call-1',
    'CSeq: 7 INVITE',
    'm: <sip:alice@192.0.2.1>',
    'c: application/sdp',
    'l: 4',
    '',
    'v=0\n',
  ].join('\r\n'),
);

test('a response copies Via, From, To (with tag), Call-ID and CSeq', () => {
  const request = parseDatagram(INVITE) as SipRequest;
  const ringing = buildResponse(request, 180, 'Ringing', {
    toTag: 'b1',
    headers: [{ name: 'm', value: '<sip:bob@h>' }],
  });
  const text = renderResponse(ringing).toString();
  assert.equal(
    text,
    [
      'SIP/2.0 180 Ringing',
      'Via: SIP/2.0/UDP proxy.test;branch=z9hG4bKp',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;rport=5060;received=192.0.2.1',
      'From: "Alice" <sip:alice@a.test>;tag=f1',
      'To: <sip:bob@b.test>;tag=b1',
      'Call-ID: call-1',
      'CSeq: 7 INVITE',
      'Contact: <sip:bob@h>',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
  const parsed = parseDatagram(Buffer.from(text));
  assert.ok(parsed.kind === 'response' && parsed.to.params.get('tag') === 'b1');
  assert.doesNotMatch(renderResponse(buildResponse(request, 100, 'Trying', { toTag: 'b1' })).toString(), /tag=b1/);
});

test('a response that makes a dialog carries the Record-Route of its request (RFC 3261 §12.1.1)', () => {
  const routed = (method: string) =>
    parseDatagram(
      Buffer.from(
        INVITE.toString()
          .replace('CSeq: 7 INVITE', `CSeq: 7 ${method}`)
          .replace('INVITE sip:', `${method} sip:`)
          .replace('Max-Forwards: 69', 'Max-Forwards: 69\r\nRecord-Route: <sip:p2.test;lr>, <sip:p1.test;lr>'),
      ),
    ) as SipRequest;
  const routes = (method: string, status: number) =>
    renderResponse(buildResponse(routed(method), status, 'x', { toTag: 't' }))
      .toString()
      .split('\r\n')
      .filter((l) => l.startsWith('Record-Route'));
  assert.deepEqual(routes('INVITE', 200), ['Record-Route: <sip:p2.test;lr>', 'Record-Route: <sip:p1.test;lr>']);
  assert.equal(routes('INVITE', 180).length, 2);
  assert.equal(routes('SUBSCRIBE', 202).length, 2);
  for (const [method, status] of [
    ['INVITE', 100],
    ['INVITE', 486],
    ['MESSAGE', 200],
    ['BYE', 200],
  ] as const)
    assert.deepEqual(routes(method, status), [], `${method} ${status}`);
});

test('a 400 is built from the context of a parse error', () => {
  let error: unknown;
  try {
    parseDatagram(Buffer.from(INVITE.toString().replace('CSeq: 7 INVITE', 'CSeq: 7 BYE')));
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof SipParseError && error.context);
  const text = renderResponse(buildResponse(error.context, 400, 'Bad Request', { toTag: 'x' })).toString();
  assert.match(text, /^SIP\/2\.0 400 Bad Request\r\n/);
  assert.match(text, /\r\nCSeq: 7 BYE\r\n/);
});

test('a request renders with canonical names and its Content-Length', () => {
  const body = Buffer.from('hello ü');
  const bytes = renderRequest({
    method: 'MESSAGE',
    uri: parseUri('sip:bob@b.test', 100),
    headers: [
      { name: 'v', value: 'SIP/2.0/TCP h;branch=z9hG4bK1' },
      { name: 'call-id', value: 'm1' },
      { name: 'cseq', value: '1 MESSAGE' },
      { name: 'Content-Length', value: '999' },
    ],
    body,
  });
  assert.equal(
    bytes.toString(),
    'MESSAGE sip:bob@b.test SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCall-ID: m1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 8\r\n\r\nhello ü',
  );
  assert.throws(
    () => renderRequest({ method: 'X', uri: parseUri('sip:h', 9), headers: [{ name: 'S', value: 'a\r\nb' }] }),
    /line break/,
  );
  assert.throws(() => renderResponse({ status: 1000, reason: 'x', headers: [] }), /out of range/);
});

test('respond shares the request’s parsed fields and types the response as the parser would', () => {
  const request = parseDatagram(INVITE) as SipRequest;
  const tagged = parseDatagram(
    Buffer.from(INVITE.toString('latin1').replace('t: <sip:bob@b.test>', 't: <sip:bob@b.test>;tag=t9'), 'latin1'),
  ) as SipRequest;
  const cases: [SipRequest, number, ResponseOptions][] = [
    [request, 100, { toTag: 'x' }],
    [request, 180, { toTag: 'b1', headers: [{ name: 'm', value: '<sip:bob@h>;expires=30' }] }],
    [request, 200, { toTag: 'b1', headers: [{ name: 'Expires', value: '60' }], body: Buffer.from('v=0\r\n') }],
    [request, 401, { toTag: 'b2', headers: [{ name: 'WWW-Authenticate', value: 'Digest realm="b.test"' }] }],
    [request, 200, { headers: [{ name: 'c', value: 'application/sdp' }] }],
    [tagged, 200, { toTag: 'ignored' }],
    // A header of the copied set in the extras: the whole response is parsed (and refused).
    [request, 200, { toTag: 'b3', headers: [{ name: 'i', value: 'other' }] }],
  ];
  for (const [req, status, options] of cases) {
    const expected = (() => {
      try {
        return makeResponse(buildResponse(req, status, 'Reason', options));
      } catch (error) {
        return error;
      }
    })();
    const actual = (() => {
      try {
        return respond(req, status, 'Reason', options);
      } catch (error) {
        return error;
      }
    })();
    assert.deepEqual(actual, expected, `${status} ${JSON.stringify(options.headers)}`);
  }
});

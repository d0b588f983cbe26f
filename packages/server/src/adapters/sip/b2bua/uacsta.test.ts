import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRequest } from '../message/index.js';
import { acceptsCsta, deviceIdOf, renderUaCsta, uaCstaFailure } from './uacsta.js';

const NS = 'http://www.ecma-international.org/standards/ecma-323/csta/ed3';

const register = (accept?: string) =>
  makeRequest(
    'REGISTER',
    'sip:example.test',
    [
      { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1' },
      { name: 'From', value: '<sip:bob@example.test>;tag=1' },
      { name: 'To', value: '<sip:bob@example.test>' },
      { name: 'Call-ID', value: 'r1' },
      { name: 'CSeq', value: '1 REGISTER' },
      ...(accept === undefined ? [] : [{ name: 'Accept', value: accept }]),
    ],
    undefined,
  );

test('a device offers uaCSTA when it accepts application/csta+xml', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false],
    ['application/sdp', false],
    ['application/sdp, application/csta+xml', true],
    ['Application/CSTA+XML;q=0.5', true],
    ['application/csta+xml-x', false],
  ];
  for (const [accept, offers] of cases) assert.equal(acceptsCsta(register(accept)), offers, String(accept));
});

test('the requests Parley sends, in ECMA-323 edition 3', () => {
  assert.equal(
    renderUaCsta({ service: 'RequestSystemStatus' }),
    `<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="${NS}"/>`,
  );
  const cases = [
    ['AnswerCall', 'callToBeAnswered'],
    ['HoldCall', 'callToBeHeld'],
    ['RetrieveCall', 'callToBeRetrieved'],
    ['ClearConnection', 'connectionToBeCleared'],
  ] as const;
  for (const [service, element] of cases)
    assert.equal(
      renderUaCsta({ service, callId: 'a<b@parley', deviceId: 'sip:202@example.test' }),
      `<?xml version="1.0" encoding="UTF-8"?><${service} xmlns="${NS}"><${element}><callID>a&lt;b@parley</callID><deviceID>sip:202@example.test</deviceID></${element}></${service}>`,
    );
});

test("the phone's answer: the positive response, a CSTA error, or anything else refused with the reason", () => {
  const doc = (xml: string) => Buffer.from(`<?xml version="1.0"?>${xml}`);
  const cases: [string, Buffer, string | undefined, RegExp?][] = [
    ['positive', doc(`<AnswerCallResponse xmlns="${NS}"/>`), undefined],
    [
      'another edition',
      doc('<AnswerCallResponse xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed4"/>'),
      undefined,
    ],
    [
      'state error',
      doc(`<CSTAErrorCode xmlns="${NS}"><stateIncompatibility>noCallToAnswer</stateIncompatibility></CSTAErrorCode>`),
      'PARLEY_ERR_INVALID_STATE',
      /stateIncompatibility: noCallToAnswer/,
    ],
    [
      'operation error',
      doc(`<CSTAErrorCode xmlns="${NS}"><operation>requestIncompatibleWithObject</operation></CSTAErrorCode>`),
      'PARLEY_ERR_DEVICE_UNSUPPORTED',
      /operation: requestIncompatibleWithObject/,
    ],
    [
      'another response',
      doc(`<HoldCallResponse xmlns="${NS}"/>`),
      'PARLEY_ERR_DEVICE_UNSUPPORTED',
      /answered HoldCallResponse/,
    ],
    ['no body', Buffer.alloc(0), 'PARLEY_ERR_DEVICE_UNSUPPORTED', /no CSTA response/],
    [
      'a DTD',
      doc('<!DOCTYPE x [<!ENTITY e "x">]><AnswerCallResponse/>'),
      'PARLEY_ERR_DEVICE_UNSUPPORTED',
      /not usable XML/,
    ],
    [
      'too big',
      doc(`<AnswerCallResponse>${'<x/>'.repeat(5000)}</AnswerCallResponse>`),
      'PARLEY_ERR_DEVICE_UNSUPPORTED',
      /not usable XML/,
    ],
  ];
  for (const [what, body, code, message] of cases) {
    const failure = uaCstaFailure('AnswerCall', body);
    assert.equal(failure?.code, code, what);
    if (message) assert.match(failure?.message ?? '', message, what);
  }
});

test("a device's identifier is the URI of its address", () => {
  assert.equal(deviceIdOf('"Bob" <sip:202@example.test>'), 'sip:202@example.test');
  assert.equal(deviceIdOf('<sip:bob@example.test>'), 'sip:bob@example.test');
  assert.equal(deviceIdOf(' sip:bob@example.test '), 'sip:bob@example.test');
});

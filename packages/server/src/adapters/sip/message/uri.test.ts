import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRefusals } from '../../../../test/support/sip.js';
import { parseUri, renderUri, type SipUri } from './uri.js';

const MAX = 4096;

test('SIP URIs parse into their parts', () => {
  const cases: [string, Partial<SipUri>][] = [
    ['sip:alice@example.test', { scheme: 'sip', user: 'alice', host: 'example.test' }],
    [
      'SIPS:Bob:s3cret@EXAMPLE.test:5061',
      { scheme: 'sips', user: 'Bob', password: 's3cret', host: 'example.test', port: 5061 },
    ],
    ['sip:192.0.2.1', { host: '192.0.2.1' }],
    ['sip:[2001:DB8::10]:5070', { host: '[2001:db8::10]', port: 5070 }],
    ['sip:[2001:db8::10:5070]', { host: '[2001:db8::10:5070]', port: undefined }],
    ['sip:[2001:db8:::192.0.2.1]', { host: '[2001:db8::192.0.2.1]' }],
    ['sip:user;par=u%40example.net@example.com', { user: 'user;par=u@example.net' }],
    ['sip:%61lice%00@example.test', { user: 'alice\u0000' }],
    ['sip:+4971112345;phone-context=x@example.test', { user: '+4971112345;phone-context=x' }],
  ];
  for (const [text, expected] of cases) {
    const uri = parseUri(text, MAX) as SipUri;
    for (const [key, value] of Object.entries(expected))
      assert.deepEqual(uri[key as keyof SipUri], value, `${text} ${key}`);
  }
});

test('URI parameters and headers are unescaped, names lower-cased, no recursive unescape', () => {
  const uri = parseUri('sip:a@h;Transport=TCP;lr;x=value%2541?Route=%3Csip:r%3E&Subject=hi', MAX) as SipUri;
  assert.deepEqual(
    [...uri.params],
    [
      ['transport', 'TCP'],
      ['lr', null],
      ['x', 'value%41'],
    ],
  );
  assert.deepEqual(uri.headers, [
    ['Route', '<sip:r>'],
    ['Subject', 'hi'],
  ]);
});

test('other schemes are kept opaque', () => {
  assert.deepEqual(parseUri('tel:+1-201-555-0123', MAX), { scheme: 'tel', raw: 'tel:+1-201-555-0123' });
  assert.equal(parseUri('soap.beep://192.0.2.103:3002', MAX).scheme, 'soap.beep');
});

test('bad URIs are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['sip:2001:db8::10', /bad host|bad port/],
    ['sip:host:70000', /bad port/],
    ['sip:a b@host', /bad character/],
    ['<sip:a@host>', /bad URI/],
    ['sip:a%zz@host', /bad escape|bad user/],
    ['sip:[::1', /IPv6/],
    ['sip:[1:2]', /IPv6/],
    ['sip:999.1.1.1', /IPv4/],
    ['sip:a@host?novalue', /URI header/],
    ['nocolon', /bad URI/],
  ];
  assertRefusals((text) => parseUri(text, MAX), cases);
  assert.throws(() => parseUri(`sip:${'a'.repeat(100)}@h`, 50), /longer than 50/);
});

test('rendering escapes what needs it and round-trips', () => {
  for (const text of [
    'sip:alice@example.test',
    'sips:bob:pw@[2001:db8::1]:5061;transport=tcp;lr',
    'sip:%00@host5.example.com',
    'sip:user;par=u%40example.net@example.com',
    'sip:a@h?Route=%3Csip:r%3E',
  ]) {
    assert.equal(renderUri(parseUri(text, MAX)), text);
  }
  assert.equal(renderUri({ scheme: 'sip', user: 'a b', host: 'h', params: new Map(), headers: [] }), 'sip:a%20b@h');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRefusals } from '../../../../test/support/sip.js';
import { parseVia, renderVia, type Via } from './via.js';

test('Via values', () => {
  const cases: [string, Partial<Via>][] = [
    [
      'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1',
      { transport: 'UDP', host: '192.0.2.1', port: 5060, branch: 'z9hG4bK1' },
    ],
    [
      'SIP  /   2.0 /udp    pc.example.test ; branch = z9hG4bK2',
      { transport: 'UDP', host: 'pc.example.test', branch: 'z9hG4bK2' },
    ],
    ['SIP/2.0/TCP h;rport;branch=z9hG4bK3', { transport: 'TCP', rport: true, branch: 'z9hG4bK3' }],
    ['SIP/2.0/UDP h;received=192.0.2.9;rport=40000', { received: '192.0.2.9', rport: 40000 }],
    [
      'SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=b',
      { host: '[2001:db8::9:1]', received: '[2001:db8::9:255]', branch: 'b' },
    ],
    ['SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=b', { received: '2001:db8::9:255', branch: 'b' }],
    ['SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK4', { transport: 'WSS', host: 'df7jal23ls0d.invalid' }],
    ['SIP/2.0/UNKNOWN h.example.com:5060', { transport: 'UNKNOWN', port: 5060, branch: undefined }],
  ];
  for (const [text, expected] of cases) {
    const via = parseVia(text);
    for (const [key, value] of Object.entries(expected))
      assert.deepEqual(via[key as keyof Via], value, `${text} ${key}`);
  }
});

test('bad Via values are refused', () => {
  const cases: [string, RegExp][] = [
    ['SIP/2.0/UDP 192.0.2.15;;', /parameter name/],
    ['SIP/2.0 192.0.2.1', /sent-protocol/],
    ['SIP/2.0/UDP', /sent-protocol|sent-by/],
    ['SIP/2.0/UDP h;branch', /branch without value/],
    ['SIP/2.0/UDP h;rport=99999', /rport/],
    ['SIP/2.0/UDP h:port', /port/],
  ];
  assertRefusals((text) => parseVia(text), cases);
});

test('rendering keeps the parameters in order', () => {
  const via = parseVia('SIP / 2.0 / tcp h:5060 ; branch=z9hG4bK1;rport');
  via.params.set('rport', '5062');
  via.params.set('received', '192.0.2.7');
  assert.equal(renderVia(via), 'SIP/2.0/TCP h:5060;branch=z9hG4bK1;rport=5062;received=192.0.2.7');
});

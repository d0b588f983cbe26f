import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRequest, renderMessage, singleHeader } from '../message/index.js';
import { stampVia } from './endpoint.js';
import type { Flow } from './flow.js';

const flow = (address: string, port: number): Flow => ({
  id: 'f',
  transport: 'UDP',
  reliable: false,
  remote: { address, port },
  local: { address: '127.0.0.1', port: 5060 },
  send() {},
  close() {},
});
const request = (via: string) =>
  makeRequest('OPTIONS', 'sip:example.test', [
    { name: 'Via', value: via },
    { name: 'Via', value: 'SIP/2.0/UDP proxy.example.test;branch=z9hG4bKp' },
    { name: 'From', value: '<sip:a@example.test>;tag=1' },
    { name: 'To', value: '<sip:example.test>' },
    { name: 'Call-ID', value: 'c' },
    { name: 'CSeq', value: '1 OPTIONS' },
  ]);

test('the top Via as the server saw it: received when the host differs, rport filled in (RFC 3261 §18.2.1, RFC 3581)', () => {
  const rows: [string, [string, number], string][] = [
    ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1', ['192.0.2.1', 5060], 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1'],
    [
      'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1',
      ['198.51.100.4', 5060],
      'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=198.51.100.4',
    ],
    [
      'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport',
      ['198.51.100.4', 40123],
      'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport=40123;received=198.51.100.4',
    ],
    [
      'SIP/2.0/UDP phone.example.test;branch=z9hG4bK1;rport',
      ['192.0.2.1', 5062],
      'SIP/2.0/UDP phone.example.test;branch=z9hG4bK1;rport=5062;received=192.0.2.1',
    ],
  ];
  for (const [via, [address, port], expected] of rows) {
    const stamped = stampVia(request(via), flow(address, port));
    assert.equal(singleHeader(stamped.headers.slice(0, 1), 'Via'), expected);
    assert.equal(stamped.via.length, 2, 'the other Vias stay');
    assert.match(
      renderMessage(stamped).toString(),
      new RegExp(`^Via: ${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\r$`, 'm'),
    );
  }
});

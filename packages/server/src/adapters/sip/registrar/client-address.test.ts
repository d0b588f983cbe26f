import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRequest } from '../message/index.js';
import { clientAddress } from './client-address.js';

const request = (vias: string[]) =>
  makeRequest('REGISTER', 'sip:example.test', [
    ...vias.map((v, i) => ({ name: 'Via', value: `SIP/2.0/UDP ${v};branch=z9hG4bK${i}` })),
    { name: 'From', value: '<sip:alice@example.test>;tag=1' },
    { name: 'To', value: '<sip:alice@example.test>' },
    { name: 'Call-ID', value: 'c' },
    { name: 'CSeq', value: '1 REGISTER' },
  ]);

const balancer = '10.0.0.10';
const edge = '10.0.0.20';

test('the client address behind trusted proxies, from the Vias they stamped (RFC 3261 §18.2.1)', () => {
  const rows: { name: string; source: string; trusted: string[]; vias: string[]; client: string }[] = [
    {
      name: 'straight from the phone',
      source: '198.51.100.4',
      trusted: [balancer],
      vias: ['192.168.1.7:5062;received=198.51.100.4;rport'],
      client: '198.51.100.4',
    },
    {
      name: 'through the balancer, the phone behind NAT',
      source: balancer,
      trusted: [balancer],
      vias: [`${balancer}:5060`, '192.168.1.7:5062;received=198.51.100.4;rport=40112'],
      client: '198.51.100.4',
    },
    {
      name: 'through the balancer, no NAT: the sent-by host is the address',
      source: balancer,
      trusted: [balancer],
      vias: [`${balancer}:5060`, '198.51.100.9:5062;rport=5062'],
      client: '198.51.100.9',
    },
    {
      name: 'an IPv6 phone',
      source: balancer,
      trusted: [balancer],
      vias: [`${balancer}:5060`, '[2001:db8::7]:5062'],
      client: '2001:db8::7',
    },
    {
      name: 'an edge proxy and the balancer, both trusted',
      source: balancer,
      trusted: [balancer, edge],
      vias: [`${balancer}:5060`, `${edge}:5060;received=${edge}`, '192.168.1.7;received=203.0.113.5'],
      client: '203.0.113.5',
    },
    {
      name: 'an untrusted proxy in between is as far as it goes',
      source: balancer,
      trusted: [balancer],
      vias: [`${balancer}:5060`, `${edge}:5060`, '192.168.1.7;received=203.0.113.5'],
      client: edge,
    },
    {
      name: 'a source not trusted: its Vias are not believed',
      source: '203.0.113.66',
      trusted: [balancer],
      vias: ['203.0.113.66', '192.0.2.1;received=192.0.2.1'],
      client: '203.0.113.66',
    },
    {
      name: 'a host name without received: the last trusted hop',
      source: balancer,
      trusted: [balancer],
      vias: [`${balancer}:5060`, 'phone.example.test:5062'],
      client: balancer,
    },
    {
      name: 'a trusted hop with nothing under it',
      source: balancer,
      trusted: [balancer],
      vias: [`${balancer}:5060`],
      client: balancer,
    },
  ];
  for (const row of rows) {
    assert.equal(clientAddress(request(row.vias), row.source, new Set(row.trusted)), row.client, row.name);
  }
});

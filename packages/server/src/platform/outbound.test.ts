import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import {
  allowEntryError,
  classifyAddress,
  embeddedIpv4,
  OutboundPolicy,
  OutboundRefusedError,
  pinnedLookup,
} from './outbound.js';

test('addresses are classified, IPv6 forms that carry an IPv4 address by that address', () => {
  const table: [string, string, string?][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['168.63.129.16', 'metadata'],
    // IPv4-mapped and IPv4-compatible
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'],
    ['::ffff:7f00:1', 'loopback', '127.0.0.1'],
    ['::ffff:10.0.0.5', 'private', '10.0.0.5'],
    ['::ffff:169.254.169.254', 'metadata', '169.254.169.254'],
    ['::127.0.0.1', 'loopback', '127.0.0.1'],
    ['::a00:5', 'private', '10.0.0.5'],
    // NAT64, 6to4, Teredo
    ['64:ff9b::127.0.0.1', 'loopback', '127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'metadata', '169.254.169.254'],
    ['64:ff9b:1::10.1.2.3', 'private', '10.1.2.3'],
    ['2002:7f00:1::1', 'loopback', '127.0.0.1'],
    ['2002:c0a8:101::', 'private', '192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private', '10.0.0.1'],
    // public
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:808:808::1', 'public'],
  ];
  for (const [address, kind, via] of table) {
    assert.deepEqual(classifyAddress(address), via ? { kind, via } : { kind }, address);
  }
  assert.equal(embeddedIpv4('2606:4700:4700::1111'), null);
  assert.throws(() => classifyAddress('example.com'), /not an IP address/);
});

/** A policy whose names resolve from a table instead of DNS. */
const policyWith = (allow: string[], hosts: Record<string, string[]> = {}) =>
  new OutboundPolicy(allow, {
    resolver: async (host): Promise<LookupAddress[]> =>
      (hosts[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  });

test('without allowances every internal address is refused, public ones pass', () => {
  const p = policyWith([]);
  assert.equal(p.refusal('example.com', '93.184.216.34'), null);
  assert.equal(
    p.refusal('crm.example', '10.0.0.5'),
    'refused: crm.example resolves to 10.0.0.5, a private address (outbound.allow lets a system administrator allow it)',
  );
  assert.equal(
    p.refusal('127.0.0.1', '127.0.0.1'),
    'refused: 127.0.0.1 is a loopback address (outbound.allow lets a system administrator allow it)',
  );
  assert.match(p.refusal('[::ffff:7f00:1]', '::ffff:7f00:1') ?? '', /a loopback address \(127\.0\.0\.1 in IPv6 form\)/);
});

test('allow entries: exact names, *.suffix, addresses and ranges; metadata only by address', () => {
  const p = policyWith(['crm.corp', '*.intra.example', '10.1.2.0/24', '::1', '169.254.169.254', 'fd00::/8']);
  const table: [string, string, boolean][] = [
    ['crm.corp', '10.9.9.9', true],
    ['CRM.corp.', '10.9.9.9', true],
    ['crm.corp', '169.254.169.254', true], // allowed as an address
    ['crm.corp', '100.100.100.200', false], // metadata: a name entry does not allow it
    ['other.corp', '10.9.9.9', false],
    ['a.intra.example', '192.168.0.1', true],
    ['a.b.intra.example', '192.168.0.1', true],
    ['intra.example', '192.168.0.1', false],
    ['evilintra.example', '192.168.0.1', false],
    ['anything', '10.1.2.77', true],
    ['anything', '10.1.3.1', false],
    ['10.1.2.3', '10.1.2.3', true],
    ['[::ffff:10.1.2.3]', '::ffff:10.1.2.3', true],
    ['64:ff9b::10.1.2.3', '64:ff9b::10.1.2.3', true],
    ['localhost', '::1', true],
    ['localhost', '127.0.0.1', false],
    ['x', 'fd12::1', true],
    ['x', 'fc00::1', false],
  ];
  for (const [host, address, allowed] of table) {
    assert.equal(p.refusal(host, address) === null, allowed, `${host} → ${address}`);
  }
});

test('a name entry does not allow an IP literal, and a wide range allows everything', () => {
  assert.notEqual(policyWith(['localhost']).refusal('127.0.0.1', '127.0.0.1'), null);
  const open = policyWith(['0.0.0.0/0', '::/0']);
  for (const a of ['127.0.0.1', '169.254.169.254', '::1', 'fe80::1']) assert.equal(open.refusal(a, a), null, a);
});

test('bad allow entries are refused when the policy is built', () => {
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/8/1', 'crm corp', 'http://crm', '*.', '1.2.3.4/x', '']) {
    assert.notEqual(allowEntryError(bad), null, bad);
  }
  for (const good of ['crm.corp', '*.corp.example', '10.0.0.0/8', 'fd00::/8', '::1', 'localhost', 'db_1']) {
    assert.equal(allowEntryError(good), null, good);
  }
  assert.throws(() => new OutboundPolicy(['10.0.0.0/33']), /outbound\.allow: "10\.0\.0\.0\/33"/);
});

test('resolve checks every address of a name: one internal address refuses it (DNS rebinding)', async () => {
  const p = policyWith([], {
    'mixed.example': ['93.184.216.34', '10.0.0.5'],
    'public.example': ['93.184.216.34', '2606:4700:4700::1111'],
  });
  await assert.rejects(p.resolve('mixed.example'), (err: unknown) => {
    assert.ok(err instanceof OutboundRefusedError);
    assert.match(err.message, /^refused: mixed\.example resolves to 10\.0\.0\.5, a private address/);
    return true;
  });
  assert.deepEqual(
    (await p.resolve('public.example')).map((a) => a.address),
    ['93.184.216.34', '2606:4700:4700::1111'],
  );
  await assert.rejects(p.resolve('[::1]'), OutboundRefusedError);
  await assert.rejects(p.resolve('nowhere.example'), { code: 'ENOTFOUND' });
});

test('the pinned lookup answers like dns.lookup with the addresses the policy checked', async () => {
  const p = policyWith(['*.corp'], { 'a.corp': ['10.0.0.1', 'fd00::1'], 'b.example': ['127.0.0.1'] });
  const lookup = pinnedLookup(await p.resolve('a.corp'));
  const ask = (host: string, options: { all?: boolean; family?: number }) =>
    new Promise<unknown>((resolve, reject) =>
      lookup(host, options, (err, address, family) => (err ? reject(err) : resolve({ address, family }))),
    );
  assert.deepEqual(await ask('a.corp', {}), { address: '10.0.0.1', family: 4 });
  assert.deepEqual(await ask('a.corp', { family: 6 }), { address: 'fd00::1', family: 6 });
  assert.deepEqual(await ask('a.corp', { all: true }), {
    address: [
      { address: '10.0.0.1', family: 4 },
      { address: 'fd00::1', family: 6 },
    ],
    family: undefined,
  });
  await assert.rejects(p.resolve('b.example'), OutboundRefusedError);
});

test('the system resolver: localhost is refused unless allowed', async () => {
  await assert.rejects(new OutboundPolicy([]).resolve('localhost'), /refused: localhost resolves to/);
  assert.ok((await new OutboundPolicy(['localhost']).resolve('localhost')).length > 0);
});

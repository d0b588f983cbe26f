import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStun, stunBindingResponse } from './stun.js';

// RFC 5769 §2.2/§2.3: the transaction id and XOR-MAPPED-ADDRESS of the sample responses.
const ID = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex');
const request = (cookie = '2112a442', attributes = '') =>
  Buffer.from(
    `0001${(attributes.length / 2).toString(16).padStart(4, '0')}${cookie}${ID.toString('hex')}${attributes}`,
    'hex',
  );
const attribute = (response: Buffer, type: number): string | undefined => {
  for (let at = 20; at + 4 <= response.length; ) {
    const length = response.readUInt16BE(at + 2);
    if (response.readUInt16BE(at) === type) return response.subarray(at, at + 4 + length).toString('hex');
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return undefined;
};

test('a Binding request gets XOR-MAPPED-ADDRESS as in RFC 5769 (IPv4 and IPv6)', () => {
  const v4 = stunBindingResponse(request(), { address: '192.0.2.1', port: 32853 });
  assert.ok(v4);
  assert.equal(v4.readUInt16BE(0), 0x0101);
  assert.equal(v4.readUInt16BE(2), v4.length - 20);
  assert.deepEqual(v4.subarray(4, 20), request().subarray(4, 20));
  assert.equal(attribute(v4, 0x0020), '002000080001a147e112a643');
  assert.equal(attribute(v4, 0x0001), '0001000800018055c0000201');
  const v6 = stunBindingResponse(request(), { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  assert.equal(attribute(v6 as Buffer, 0x0020), '002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9');
  const mapped = stunBindingResponse(request(), { address: '::ffff:192.0.2.1', port: 32853 });
  assert.equal(attribute(mapped as Buffer, 0x0020), '002000080001a147e112a643');
});

test('an RFC 3489 request (no magic cookie) gets MAPPED-ADDRESS only', () => {
  const old = stunBindingResponse(request('00000000'), { address: '127.0.0.1', port: 5062 });
  assert.ok(old);
  assert.equal(attribute(old, 0x0020), undefined);
  assert.equal(attribute(old, 0x0001), '00010008000113c67f000001');
});

test('requests with attributes are answered; other STUN messages and malformed ones are not', () => {
  const software = `80220004${Buffer.from('test').toString('hex')}`;
  assert.ok(stunBindingResponse(request(undefined, software), { address: '127.0.0.1', port: 1 }));
  const cases: [string, Buffer][] = [
    ['a Binding response', Buffer.concat([Buffer.from('0101', 'hex'), request().subarray(2)])],
    ['an Allocate request', Buffer.concat([Buffer.from('0003', 'hex'), request().subarray(2)])],
    ['truncated header', request().subarray(0, 12)],
    ['length beyond the datagram', request(undefined, software).subarray(0, 24)],
    [
      'length not a multiple of 4',
      Buffer.concat([request().subarray(0, 2), Buffer.from('0003', 'hex'), request().subarray(4), Buffer.alloc(3)]),
    ],
    ['a SIP message', Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n')],
  ];
  for (const [name, datagram] of cases)
    assert.equal(stunBindingResponse(datagram, { address: '127.0.0.1', port: 1 }), undefined, name);
});

test('STUN and SIP are told apart by the first byte (RFC 5626 §8)', () => {
  assert.equal(isStun(request()), true);
  assert.equal(isStun(Buffer.from('REGISTER sip:x SIP/2.0')), false);
  assert.equal(isStun(Buffer.from('\r\n\r\n')), false);
  assert.equal(isStun(Buffer.alloc(0)), false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderSrv, parseHostPort, peerRoutes, type SrvRecord } from './route.js';

test('host:port', () => {
  assert.deepEqual(parseHostPort('sip.other.test:5061'), { host: 'sip.other.test', port: 5061 });
  assert.deepEqual(parseHostPort('[2001:db8::1]:5062'), { host: '2001:db8::1', port: 5062 });
  for (const bad of ['other.test', 'other.test:0', 'other.test:70000', '2001:db8::1:5061', ':5061'])
    assert.throws(() => parseHostPort(bad), /not host:port/, bad);
});

const srv = (name: string, priority: number, weight: number, port = 5061): SrvRecord => ({
  name,
  port,
  priority,
  weight,
});

test('SRV targets by priority, then by weighted draw (RFC 2782)', () => {
  const records = [srv('c.test', 20, 0), srv('a.test', 10, 60), srv('b.test', 10, 40, 5062)];
  // The draw picks by running sum over the weights in ascending order: b (0..40), then a.
  assert.deepEqual(
    orderSrv(records, () => 0.1).map((h) => `${h.host}:${h.port}`),
    ['b.test:5062', 'a.test:5061', 'c.test:5061'],
  );
  assert.deepEqual(
    orderSrv(records, () => 0.9).map((h) => h.host),
    ['a.test', 'b.test', 'c.test'],
  );
  // Zero weights only: taken in the order given.
  assert.deepEqual(
    orderSrv([srv('x.test.', 1, 0), srv('y.test', 1, 0)], () => 0.5).map((h) => h.host),
    ['x.test', 'y.test'],
  );
  // "." alone: the domain offers no SIP over TLS.
  assert.deepEqual(orderSrv([srv('.', 0, 0)]), []);
});

test('a peer is reached at its configured address, else by SRV, else at the domain on 5061', () => {
  const random = () => 0;
  assert.deepEqual(peerRoutes({ domain: 'other.test', address: '127.0.0.1:40000' }, [srv('s.test', 1, 1)], random), [
    { host: '127.0.0.1', port: 40000 },
  ]);
  assert.deepEqual(peerRoutes({ domain: 'other.test' }, [srv('sip.other.test', 1, 1, 5071)], random), [
    { host: 'sip.other.test', port: 5071 },
  ]);
  assert.deepEqual(peerRoutes({ domain: 'other.test' }, undefined, random), [{ host: 'other.test', port: 5061 }]);
  assert.deepEqual(peerRoutes({ domain: 'other.test' }, [], random), [{ host: 'other.test', port: 5061 }]);
});

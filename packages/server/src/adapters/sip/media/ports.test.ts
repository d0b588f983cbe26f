import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PortAllocator } from './ports.js';

test('hands out even ports in turn, never one in use, and says when the range is used up', () => {
  const ports = new PortAllocator(20001, 20007); // even ports 20002, 20004, 20006
  assert.equal(ports.size, 3);
  assert.deepEqual([ports.take(), ports.take(), ports.take()], [20002, 20004, 20006]);
  assert.equal(ports.take(), undefined);
  assert.equal(ports.used, 3);
  ports.release(20004);
  assert.equal(ports.take(), 20004);
  assert.equal(ports.take(), undefined);
  // A released port comes round again only after the others.
  ports.release(20002);
  ports.release(20006);
  assert.deepEqual([ports.take(), ports.take()], [20006, 20002]);
});

test('a range without an even port is refused', () => {
  assert.throws(() => new PortAllocator(20001, 20001), /no even port/);
  assert.equal(new PortAllocator(20000, 20000).size, 1);
  assert.equal(new PortAllocator(20000, 20999).size, 500);
});

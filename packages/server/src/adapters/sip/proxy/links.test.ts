import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import { eventually } from '../../../../test/support/sip-phone.js';
import { NodeLinks, nodeAddress } from './links.js';

test('a node address as the registry keeps it', () => {
  const cases: [string, number, string][] = [
    ['10.0.0.11', 5060, '10.0.0.11:5060'],
    ['Node-1.Example.Test', 5070, 'node-1.example.test:5070'],
    ['::1', 5060, '[::1]:5060'],
    ['[2001:DB8::1]', 5060, '[2001:db8::1]:5060'],
  ];
  for (const [host, port, want] of cases) assert.equal(nodeAddress(host, port), want, host);
});

test('a link to a node: one connection, opened when first used, again after it closed; what comes back is read', async () => {
  const accepted: Socket[] = [];
  const received: string[] = [];
  const server = createServer((s) => {
    accepted.push(s);
    s.on('data', (d) => {
      received.push(d.toString());
      s.write(`echo ${d}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const back: string[] = [];
  let closed = 0;
  const links = new NodeLinks({
    local: () => ({ address: '127.0.0.1', port: 5999 }),
    open: () => ({ data: (chunk) => back.push(chunk.toString()), closed: () => closed++ }),
    log: pino({ level: 'silent' }),
  });
  const address = nodeAddress('127.0.0.1', (server.address() as AddressInfo).port);
  const link = links.to(address);
  assert.equal(links.to(address.toUpperCase()), link, 'one link per node');
  assert.deepEqual(link.local, { address: '127.0.0.1', port: 5999 }, 'Via and Contact name where the others reach us');
  assert.equal(link.reliable, true);
  const until = (check: () => boolean) => eventually(() => (check() ? true : undefined), check.toString());
  link.send(Buffer.from('one'));
  await until(() => back.join('') === 'echo one');
  link.send(Buffer.from('two'));
  await until(() => received.join('|') === 'one|two');
  assert.equal(accepted.length, 1, 'the connection is reused');
  accepted[0]?.destroy();
  await until(() => closed === 1);
  link.send(Buffer.from('three'));
  await until(() => received.includes('three'));
  assert.equal(accepted.length, 2, 'a new connection after the old one closed');
  links.close();
  await until(() => closed === 2);
  server.close();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalCluster } from '../../platform/cluster/local.js';
import type { CoreContext } from '../context.js';
import { RegistrationService } from './service.js';

test("the nodes' SIP addresses come from the cluster's registry, read again after 2 s (or when asked fresh after 200 ms)", async () => {
  let now = 1_000_000;
  const clock = { now: () => now };
  const cluster = new LocalCluster('node-a', clock);
  const service = new RegistrationService({ cluster, clock } as unknown as CoreContext);
  assert.deepEqual(await service.nodeAddresses(), new Map(), 'nothing announced yet');
  await service.announce('10.0.0.1:5060');
  assert.deepEqual(await service.nodeAddresses(), new Map(), 'the last read is reused');
  now += 100;
  assert.equal(await service.nodeAddress(cluster.instance), undefined, 'a fresh read within 200 ms is not made');
  now += 150;
  assert.equal(await service.nodeAddress(cluster.instance), '10.0.0.1:5060', 'a miss reads again');
  await service.announce('10.0.0.1:5070');
  now += 1000;
  assert.equal((await service.nodeAddresses()).get(cluster.instance), '10.0.0.1:5060');
  now += 1001;
  assert.equal((await service.nodeAddresses()).get(cluster.instance), '10.0.0.1:5070');
  assert.equal(await service.nodeAddress('node-b.00000000'), undefined, 'no such node');
});

test('registration.changed: when a user’s first device registers and when their last registration ends, not in between', async () => {
  const clock = { now: () => 1_000_000 };
  const published: unknown[] = [];
  const bus = { publish: async (type: string, payload: unknown) => void published.push([type, payload]) };
  const service = new RegistrationService({
    cluster: new LocalCluster('node-a', clock),
    clock,
    bus,
  } as unknown as CoreContext);
  const binding = (contact: string) =>
    ({
      contact,
      deviceId: contact,
      userId: 'u',
      expiresAt: 2_000_000,
      q: 1,
      callId: contact,
      cseq: 1,
      node: 'n',
      flow: { id: 'f', transport: 'UDP', address: '192.0.2.1', port: 5060 },
    }) as const;
  await service.update('t', 'u', () => [binding('a')]);
  await service.update('t', 'u', (live) => [...live, binding('b')]);
  await service.update('t', 'u', (live) => live.filter((b) => b.contact !== 'a'));
  await service.update('t', 'u', () => []);
  assert.deepEqual(published, [
    ['registration.changed', { tenantId: 't', userId: 'u', registered: true }],
    ['registration.changed', { tenantId: 't', userId: 'u', registered: false }],
  ]);
});

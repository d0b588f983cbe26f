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

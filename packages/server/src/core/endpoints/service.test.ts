import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { MemoryBus } from '../../platform/bus/memory.js';
import type { Cluster } from '../../platform/cluster/cluster.js';
import { LocalCluster } from '../../platform/cluster/local.js';
import type { CoreContext } from '../context.js';
import type { EventMap } from '../events.js';
import { type Endpoint, EndpointService, type Relayed } from './service.js';

/** Two nodes sharing one map and one bus; `live` is what the cluster reports as alive. */
function twoNodes() {
  const clock = { now: () => 1_000_000 };
  const shared = new LocalCluster('a', clock);
  const bus = new MemoryBus<EventMap>(pino({ level: 'silent' }));
  const live = { instances: ['a.1', 'b.1'] as string[] | undefined };
  const node = (instance: string) => {
    const cluster = {
      instance,
      shared: (name: string, ttl: number) => shared.shared(name, ttl),
      liveInstances: async () => live.instances,
    } as unknown as Cluster;
    return new EndpointService({ cluster, clock, bus } as unknown as CoreContext);
  };
  return { a: node('a.1'), b: node('b.1'), live };
}

const xmpp = (address: string, id: string) => ({ kind: 'xmpp', address, id });
const ids = (es: Endpoint[]) => es.map((e) => `${e.node}:${e.id}`);

test('endpoints: each node sees the others’ live ones; the newer binding of an address displaces the older', async () => {
  const { a, b, live } = twoNodes();
  assert.deepEqual(await a.add('t', 'u', xmpp('u@d/pc', 's1')), []);
  assert.deepEqual(ids(await a.elsewhere('t', 'u', 'xmpp')), [], 'its own are not elsewhere');
  assert.deepEqual(ids(await b.elsewhere('t', 'u', 'xmpp')), ['a.1:s1']);
  assert.deepEqual(ids(await b.elsewhere('t', 'u', 'sip')), [], 'another kind');
  assert.deepEqual(await b.add('t', 'u', xmpp('u@d/phone', 's2')), [], 'another address displaces nothing');
  assert.deepEqual(ids(await b.add('t', 'u', xmpp('u@d/pc', 's3'))), ['a.1:s1'], 'the same address on node B');
  assert.equal(await a.refresh('t', 'u', xmpp('u@d/pc', 's1')), false, 'written again: it lost its address');
  assert.equal(await b.refresh('t', 'u', xmpp('u@d/pc', 's3')), true);
  await b.remove('t', 'u', 's3');
  assert.equal(await b.refresh('t', 'u', xmpp('u@d/pc', 's3')), true, 'a lost entry is written again');
  assert.deepEqual(ids(await a.elsewhere('t', 'u', 'xmpp')), ['b.1:s2', 'b.1:s3']);
  live.instances = ['a.1'];
  assert.deepEqual(ids(await a.elsewhere('t', 'u', 'xmpp')), ['b.1:s2', 'b.1:s3'], 'the live nodes are read every 2 s');
  await b.remove('t', 'u', 's2');
  await b.remove('t', 'u', 's3');
  assert.deepEqual(ids(await a.elsewhere('t', 'u', 'xmpp')), []);
});

test('endpoints: a node left out of the live ones is not elsewhere; while the cluster cannot tell, all are', async () => {
  const { a, b, live } = twoNodes();
  await b.add('t', 'u', xmpp('u@d/pc', 's1'));
  live.instances = ['a.1'];
  assert.deepEqual(ids(await a.elsewhere('t', 'u', 'xmpp')), []);
  const other = twoNodes();
  other.live.instances = undefined;
  await other.b.add('t', 'u', xmpp('u@d/pc', 's1'));
  assert.deepEqual(ids(await other.a.elsewhere('t', 'u', 'xmpp')), ['b.1:s1']);
});

test('endpoints: a relay reaches the other nodes listening for the user and kind, not the one that sent it', async () => {
  const { a, b } = twoNodes();
  const got: [string, Relayed][] = [];
  const offA = await a.onRelayed('u', 'xmpp', (r) => void got.push(['a', r]));
  const offB = await b.onRelayed('u', 'xmpp', (r) => void got.push(['b', r]));
  await b.onRelayed('v', 'xmpp', (r) => void got.push(['b-v', r]));
  await a.relay('t', 'u', 'xmpp', '<message/>');
  await a.relay('t', 'u', 'sip', 'other');
  assert.deepEqual(got, [['b', { tenantId: 't', userId: 'u', kind: 'xmpp', node: 'a.1', data: '<message/>' }]]);
  offB();
  await a.relay('t', 'u', 'xmpp', 'again');
  assert.equal(got.length, 1, 'B stopped listening');
  offA();
});

test('endpoints: a claimed address stays with the first client while its node is alive', async () => {
  const bot = (id: string) => ({ kind: 'xmpp-component', address: 'bots.d', id });
  const { a, b } = twoNodes();
  assert.equal(await a.claim('t', 'bots.d', bot('c1')), true);
  assert.equal(await b.claim('t', 'bots.d', bot('c2')), false, 'held by live node A');
  assert.deepEqual(ids(await b.elsewhere('t', 'bots.d', 'xmpp-component')), ['a.1:c1'], 'nothing written');
  assert.equal(await a.claim('t', 'bots.d', bot('c3')), true, "node A's own older one is replaced");
  assert.equal(await a.refresh('t', 'bots.d', bot('c1')), false);
  await a.remove('t', 'bots.d', 'c3');
  assert.equal(await b.claim('t', 'bots.d', bot('c2')), true, 'released');

  const unsure = twoNodes();
  unsure.live.instances = undefined;
  assert.equal(await unsure.a.claim('t', 'bots.d', bot('c1')), true);
  assert.equal(await unsure.b.claim('t', 'bots.d', bot('c2')), false, 'while the cluster cannot tell');

  const gone = twoNodes();
  gone.live.instances = ['b.1'];
  assert.equal(await gone.a.claim('t', 'bots.d', bot('c1')), true);
  assert.equal(await gone.b.claim('t', 'bots.d', bot('c2')), true, 'node A is gone');
  assert.equal(await gone.a.refresh('t', 'bots.d', bot('c1')), false, 'node A learns it lost it');
});

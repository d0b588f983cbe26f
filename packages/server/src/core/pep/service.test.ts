import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { EventMap } from '../events.js';
import type { Core } from '../index.js';
import { type Watcher, watcherOf } from '../presence/watchers.js';
import type { User } from '../users/model.js';
import { PEP_DEFAULT, PEP_LIMITS } from './model.js';
import { type PepOwner, readable } from './service.js';

let core: Core;
let ann: User;
let bob: User;
let annOf: PepOwner;
const events: EventMap['pep.changed'][] = [];
const stranger: Watcher = { tenantId: null, userId: null, address: 'eve@far.test' };
const friend: Watcher = { tenantId: null, userId: null, address: 'fred@far.test' };

before(async () => {
  const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'auth.scryptCost': 1024 } });
  core = await openCore({ config, log: pino({ level: 'silent' }) });
  const t = await core.tenants.create({ domain: 'p.test' });
  const user = async (local: string) =>
    (await core.users.create(t.id, { local, domain: 'p.test', role: 'user', password: 'secret-pw1' })).user;
  ann = await user('ann');
  bob = await user('bob');
  annOf = { tenantId: ann.tenantId, userId: ann.id };
  // Fred has a presence subscription to ann (she approved his request); eve has none.
  await core.roster.inbound(ann.tenantId, ann.id, friend.address, 'subscribe');
  await core.roster.outbound(ann.tenantId, ann.id, friend.address, 'subscribed');
  core.ctx.bus.subscribe('pep.changed', (e) => void events.push(e));
});
after(() => closeCore(core));

/** The events published so far about `node`, once the bus delivered them. */
async function eventsOf(node: string, count: number): Promise<EventMap['pep.changed'][]> {
  const end = Date.now() + 10_000;
  for (;;) {
    const mine = events.filter((e) => e.node === node);
    if (mine.length >= count || Date.now() > end) return mine;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('who reads a node of each access model', async () => {
  const yes = async () => true;
  const no = async () => false;
  const table: [Parameters<typeof readable>[0], Parameters<typeof readable>[1], boolean, boolean][] = [
    // access, relation, subscribed, readable
    ['whitelist', 'self', false, true],
    ['whitelist', 'team', true, false],
    ['open', 'external', false, true],
    ['open', 'blocked', true, false],
    ['presence', 'colleague', false, true],
    ['presence', 'team', false, true],
    ['presence', 'external', false, false],
    ['presence', 'external', true, true],
    ['presence', 'business', false, false],
    ['roster', 'business', true, true],
    ['presence', 'blocked', true, false],
  ];
  for (const [access, relation, subscribed, expected] of table) {
    assert.equal(
      await readable(access, relation, subscribed ? yes : no),
      expected,
      `${access} ${relation} ${subscribed}`,
    );
  }
});

test('a first publish creates the node with the defaults: one item, read by those who see the presence', async () => {
  const node = 'http://jabber.org/protocol/nick';
  assert.equal(await core.pep.publish(annOf, node, { id: 'current', payload: '<nick>Ann</nick>' }), 'current');
  await core.pep.publish(annOf, node, { id: 'current', payload: '<nick>Annie</nick>' });
  const id = await core.pep.publish(annOf, node, { payload: '<nick>A.</nick>' });
  assert.match(id, /^[0-9a-f-]{36}$/, 'an id of its own when the client gave none');
  assert.deepEqual(await core.pep.config(annOf, node), {
    access: 'presence',
    maxItems: 1,
    sendLast: 'on_sub_and_presence',
  });
  const read = async (who: Watcher) => (await core.pep.items(annOf, node, who, {})).map((i) => i.payload);
  assert.deepEqual(await read(watcherOf(bob)), ['<nick>A.</nick>'], 'a colleague; the newest only');
  assert.deepEqual(await read(friend), ['<nick>A.</nick>'], 'a subscribed contact elsewhere');
  await assert.rejects(read(stranger), { code: 'PARLEY_ERR_FORBIDDEN' });
  await core.presence.watchers.block(ann.tenantId, ann.id, 'bob@p.test');
  await assert.rejects(read(watcherOf(bob)), { code: 'PARLEY_ERR_FORBIDDEN' }, 'blocked');
  await core.presence.watchers.unblock(ann.tenantId, ann.id, 'bob@p.test');
  const published = (await eventsOf(node, 3)).map((e) => [e.published?.payload, e.access]);
  assert.deepEqual(published, [
    ['<nick>Ann</nick>', 'presence'],
    ['<nick>Annie</nick>', 'presence'],
    ['<nick>A.</nick>', 'presence'],
  ]);
});

test('publish-options make the node, then are its preconditions; items are kept up to max_items', async () => {
  const node = 'urn:xmpp:bookmarks:1';
  const options = { access: 'whitelist', maxItems: 'max', sendLast: 'never' };
  for (const room of ['a', 'b', 'c']) {
    await core.pep.publish(
      annOf,
      node,
      { id: `${room}@conference.p.test`, payload: `<conference name="${room}"/>` },
      options,
    );
  }
  await core.pep.publish(annOf, node, { id: 'a@conference.p.test', payload: '<conference name="A"/>' }, options);
  const mine = await core.pep.items(annOf, node, watcherOf(ann), {});
  assert.deepEqual(
    mine.map((i) => i.id),
    ['a@conference.p.test', 'c@conference.p.test', 'b@conference.p.test'],
    'newest first; a republished id is the newest',
  );
  assert.deepEqual(
    (await core.pep.items(annOf, node, watcherOf(ann), { max: 1 })).map((i) => i.payload),
    ['<conference name="A"/>'],
  );
  assert.deepEqual(
    (await core.pep.items(annOf, node, watcherOf(ann), { ids: ['b@conference.p.test', 'x'] })).map((i) => i.id),
    ['b@conference.p.test'],
  );
  await assert.rejects(core.pep.items(annOf, node, watcherOf(bob), {}), { code: 'PARLEY_ERR_FORBIDDEN' }, 'private');
  await assert.rejects(
    core.pep.publish(annOf, node, { id: 'd', payload: '<conference/>' }, { access: 'open' }),
    { code: 'PARLEY_ERR_CONFLICT' },
    'a precondition not met',
  );
  await assert.rejects(core.pep.publish(annOf, 'n1', { payload: '<x/>' }, { maxItems: '0' }), {
    code: 'PARLEY_ERR_VALIDATION',
  });
  await assert.rejects(core.pep.items(annOf, 'no-such-node', watcherOf(ann), {}), { code: 'PARLEY_ERR_NOT_FOUND' });
  // Fewer items kept: the oldest go.
  await core.pep.configure(annOf, node, { maxItems: '2' });
  assert.deepEqual(
    (await core.pep.items(annOf, node, watcherOf(ann), {})).map((i) => i.id),
    ['a@conference.p.test', 'c@conference.p.test'],
  );
});

test('create makes an empty node with its configuration, once; a publish then finds it as made', async () => {
  const node = 'urn:example:created';
  await core.pep.create(annOf, node, { access: 'open', maxItems: '5' });
  assert.deepEqual(await core.pep.config(annOf, node), { ...PEP_DEFAULT, access: 'open', maxItems: 5 });
  assert.deepEqual(await core.pep.items(annOf, node, stranger, {}), [], 'open and empty');
  await assert.rejects(core.pep.create(annOf, node), { code: 'PARLEY_ERR_CONFLICT' }, 'made once');
  await assert.rejects(core.pep.create(annOf, 'n2', { access: 'nobody' }), { code: 'PARLEY_ERR_VALIDATION' });
  await assert.rejects(core.pep.create(annOf, ''), { code: 'PARLEY_ERR_VALIDATION' });
  await assert.rejects(
    core.pep.publish(annOf, node, { payload: '<x/>' }, { access: 'presence' }),
    { code: 'PARLEY_ERR_CONFLICT' },
    'its configuration is a precondition like any node’s',
  );
  await core.pep.publish(annOf, node, { id: 'one', payload: '<x/>' }, { access: 'open' });
  assert.deepEqual(
    (await core.pep.items(annOf, node, stranger, {})).map((i) => i.id),
    ['one'],
  );
  await core.pep.clear(annOf, node, 'deleted');
});

test('retract, purge and delete, each told to the readers', async () => {
  const node = 'eu.siacs.conversations.axolotl.devicelist';
  await core.pep.publish(annOf, node, { id: 'current', payload: '<list/>' }, { access: 'open' });
  assert.equal((await core.pep.items(annOf, node, stranger, {})).length, 1, 'open: anyone not blocked');
  await core.pep.retract(annOf, node, ['current'], true);
  await assert.rejects(core.pep.retract(annOf, node, ['current'], true), { code: 'PARLEY_ERR_NOT_FOUND' });
  await core.pep.publish(annOf, node, { id: 'current', payload: '<list/>' });
  await core.pep.clear(annOf, node, 'purged');
  assert.deepEqual(await core.pep.items(annOf, node, stranger, {}), []);
  await core.pep.clear(annOf, node, 'deleted');
  await assert.rejects(core.pep.config(annOf, node), { code: 'PARLEY_ERR_NOT_FOUND' });
  const seen = (await eventsOf(node, 5)).map((e) =>
    e.published ? 'published' : e.retracted ? `retracted ${e.retracted.join()}` : e.cleared,
  );
  assert.deepEqual(seen, ['published', 'retracted current', 'published', 'purged', 'deleted']);
});

test('limits: payload size, nodes per user, characters per user', async () => {
  const big = `<x>${'a'.repeat(PEP_LIMITS.payload)}</x>`;
  await assert.rejects(core.pep.publish(annOf, 'big', { payload: big }), { code: 'PARLEY_ERR_VALIDATION' });
  await assert.rejects(core.pep.publish(annOf, '', { payload: '<x/>' }), { code: 'PARLEY_ERR_VALIDATION' });
  const bobOf = { tenantId: bob.tenantId, userId: bob.id };
  for (let i = 0; i < PEP_LIMITS.nodes; i++) await core.pep.publish(bobOf, `n${i}`, { payload: '<x/>' });
  await assert.rejects(core.pep.publish(bobOf, 'one-more', { payload: '<x/>' }), { code: 'PARLEY_ERR_QUOTA_EXCEEDED' });
  await assert.rejects(core.pep.create(bobOf, 'one-more'), { code: 'PARLEY_ERR_QUOTA_EXCEEDED' });
  await core.pep.publish(bobOf, 'n0', { payload: '<y/>' }, undefined);
  // Most characters per user: 2 MiB in items of up to 64 KiB.
  const chunk = `<x>${'b'.repeat(PEP_LIMITS.payload - 7)}</x>`;
  const fit = Math.floor(PEP_LIMITS.bytes / chunk.length);
  // Ann's items so far are small: about `fit` such chunks go in, then the quota says no.
  let stored = 0;
  for (;;) {
    const put = core.pep.publish(annOf, 'store', { id: `i${stored}`, payload: chunk }, { maxItems: 'max' });
    const refused = await put.then(
      () => undefined,
      (err: { code?: string }) => err,
    );
    if (refused) {
      assert.equal(refused.code, 'PARLEY_ERR_QUOTA_EXCEEDED');
      break;
    }
    stored++;
  }
  assert.ok(stored === fit || stored === fit - 1, `${stored} of ${fit}`);
  // Replacing an item counts its new size instead of the old one.
  await core.pep.publish(annOf, 'store', { id: 'i0', payload: chunk });
});

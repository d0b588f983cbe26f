import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { Core } from '../index.js';
import type { User } from '../users/model.js';

let core: Core;
let alice: User;
let other: User;
const updates: { userId: string; jid: string; removed: boolean; subscription: string }[] = [];

before(async () => {
  const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'auth.scryptCost': 1024 } });
  core = await openCore({ config, log: pino({ level: 'silent' }) });
  const t = await core.tenants.create({ domain: 'r.test' });
  const u = await core.tenants.create({ domain: 'other.test' });
  alice = (await core.users.create(t.id, { local: 'alice', domain: 'r.test', role: 'user', password: 'secret-pw1' }))
    .user;
  other = (
    await core.users.create(u.id, { local: 'alice', domain: 'other.test', role: 'user', password: 'secret-pw1' })
  ).user;
  core.ctx.bus.subscribe('roster.updated', (e) => {
    updates.push({ userId: e.userId, jid: e.item.jid, removed: e.removed, subscription: e.item.subscription });
  });
});
after(() => closeCore(core));

test('set, list, rename and remove a contact, each published; other tenants see nothing of it', async () => {
  const t = alice.tenantId;
  await core.roster.set(t, alice.id, 'bob@far.test', { name: 'Bob', groups: ['Friends', ' Friends ', ''] });
  assert.deepEqual(
    (await core.roster.items(t, alice.id)).map((i) => [i.jid, i.name, i.groups, i.subscription]),
    [['bob@far.test', 'Bob', ['Friends'], 'none']],
  );
  await core.roster.set(t, alice.id, 'bob@far.test', { name: null, groups: [] });
  assert.equal((await core.roster.get(t, alice.id, 'bob@far.test')).name, null);
  assert.deepEqual(await core.roster.items(other.tenantId, alice.id), [], 'scoped to the tenant');
  assert.deepEqual(await core.roster.items(other.tenantId, other.id), []);
  const before = await core.roster.remove(t, alice.id, 'bob@far.test');
  assert.equal(before.jid, 'bob@far.test');
  assert.deepEqual(await core.roster.items(t, alice.id), []);
  await assert.rejects(core.roster.remove(t, alice.id, 'bob@far.test'), { code: 'PARLEY_ERR_NOT_FOUND' });
  await assert.rejects(core.roster.set(t, alice.id, 'x@far.test', { name: 'x'.repeat(1024), groups: [] }), {
    code: 'PARLEY_ERR_VALIDATION',
  });
  assert.deepEqual(
    updates.filter((u) => u.jid === 'bob@far.test').map((u) => u.removed),
    [false, false, true],
  );
});

test('a subscription round: request kept unlisted, approved, both ways', async () => {
  const t = alice.tenantId;
  const jid = 'carol@far.test';
  const r1 = await core.roster.inbound(t, alice.id, jid, 'subscribe', 'hi, it is Carol');
  assert.equal(r1.forward, true);
  assert.deepEqual(await core.roster.items(t, alice.id), [], 'a request from a stranger is no roster item');
  const pending = await core.roster.pendingRequests(t, alice.id);
  assert.deepEqual(
    pending.map((p) => [p.jid, p.pendingStatus]),
    [[jid, 'hi, it is Carol']],
  );
  assert.equal((await core.roster.inbound(t, alice.id, jid, 'subscribe')).forward, false, 'a repeat is not delivered');
  const r2 = await core.roster.outbound(t, alice.id, jid, 'subscribed');
  assert.equal(r2.forward, true);
  let item = await core.roster.get(t, alice.id, jid);
  assert.deepEqual([item.listed, item.subscription, item.pendingIn, item.pendingStatus], [true, 'from', false, null]);
  await core.roster.outbound(t, alice.id, jid, 'subscribe');
  item = await core.roster.get(t, alice.id, jid);
  assert.deepEqual([item.subscription, item.pendingOut], ['from', true]);
  await core.roster.inbound(t, alice.id, jid, 'subscribed');
  item = await core.roster.get(t, alice.id, jid);
  assert.deepEqual([item.subscription, item.pendingOut], ['both', false]);
  assert.equal((await core.roster.inbound(t, alice.id, jid, 'subscribe')).reply, 'subscribed');
  await core.roster.inbound(t, alice.id, jid, 'unsubscribed');
  assert.equal((await core.roster.get(t, alice.id, jid)).subscription, 'from');
  assert.deepEqual(await core.roster.subscribers(t), [{ userId: alice.id, jid }], 'carol sees alice');
  assert.deepEqual(await core.roster.subscribers(other.tenantId), [], 'scoped to the tenant');
  await core.roster.inbound(t, alice.id, jid, 'unsubscribe');
  assert.deepEqual(await core.roster.subscribers(t), [], 'no longer');
});

test("an inbound unsubscribe of a stranger's request forgets it", async () => {
  const t = alice.tenantId;
  await core.roster.inbound(t, alice.id, 'dan@far.test', 'subscribe');
  await core.roster.inbound(t, alice.id, 'dan@far.test', 'unsubscribe');
  assert.deepEqual(
    (await core.roster.pendingRequests(t, alice.id)).map((p) => p.jid),
    [],
  );
  assert.equal((await core.roster.get(t, alice.id, 'dan@far.test')).listed, false);
});

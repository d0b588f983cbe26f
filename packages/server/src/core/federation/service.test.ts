import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { Core } from '../index.js';
import type { PresenceSeen } from '../presence/watch.js';
import type { Watcher } from '../presence/watchers.js';

describe('federation trust (core.federation)', () => {
  let core: Core;
  let a: string;
  let b: string;
  let aliceId: string;
  const events: { tenantId: string }[] = [];
  const bob: Watcher = { tenantId: null, userId: null, address: 'bob@partner.test' };

  before(async () => {
    const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'auth.scryptCost': 1024 } });
    core = await openCore({ config, log: pino({ level: 'silent' }) });
    a = (await core.tenants.create({ domain: 'a.test' })).id;
    b = (await core.tenants.create({ domain: 'b.test' })).id;
    aliceId = (
      await core.users.create(a, { local: 'alice', domain: 'a.test', role: 'user', password: 'secret-password' })
    ).user.id;
    await core.presence.setManual(a, aliceId, { availability: 'busy', note: 'in the lab' });
    core.ctx.bus.subscribe('federation.changed', (e) => void events.push(e));
  });
  after(() => closeCore(core));

  test('unlisted domains are public until the admins choose another default; each tenant has its own', async () => {
    assert.equal(await core.federation.trustOf(a, 'partner.test'), 'public');
    await core.federation.setDomain(a, 'Partner.test', 'trusted');
    await core.federation.setDefault(a, 'business');
    assert.equal(await core.federation.trustOf(a, 'partner.test'), 'trusted');
    assert.equal(await core.federation.trustOf(a, 'other.test'), 'business');
    assert.equal(await core.federation.trustOf(b, 'partner.test'), 'public');
    assert.deepEqual(
      (await core.federation.trust(a)).domains.map((d) => [d.domain, d.level]),
      [['partner.test', 'trusted']],
    );
    assert.deepEqual(await core.federation.domain(a, 'other.test'), {
      domain: 'other.test',
      level: 'business',
      updatedAt: null,
      listed: false,
    });
    assert.equal(await core.federation.subscribesWithoutApproval(a, 'partner.test'), true);
    assert.equal(await core.federation.subscribesWithoutApproval(a, 'other.test'), false);
    assert.deepEqual(
      events.map((e) => e.tenantId),
      [a, a],
    );
    await core.federation.removeDomain(a, 'partner.test');
    assert.equal(await core.federation.trustOf(a, 'partner.test'), 'business');
    await core.federation.setDefault(a, 'public');
  });

  test('refusals name the field: a bad name or level (400), a domain served here (409), an unlisted one (404)', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
    assert.equal(await code(core.federation.setDomain(a, 'not a domain', 'trusted')), 'PARLEY_ERR_VALIDATION');
    assert.equal(await code(core.federation.setDomain(a, 'x.test', 'friendly' as never)), 'PARLEY_ERR_VALIDATION');
    assert.equal(await code(core.federation.setDomain(a, 'b.test', 'trusted')), 'PARLEY_ERR_CONFLICT');
    assert.equal(await code(core.federation.removeDomain(a, 'never.test')), 'PARLEY_ERR_NOT_FOUND');
  });

  test("a federated watcher sees what its domain's level allows, and anew when the level changes", async () => {
    const seen: PresenceSeen[] = [];
    const watch = core.presence.watch(a, bob, (s) => void seen.push(s));
    try {
      const [first] = await watch.snapshot(['alice@a.test']);
      assert.equal(first?.relation, 'external');
      assert.deepEqual([first?.presence.availability, first?.presence.note], ['busy', null]);
      const expect = async (relation: string, note: string | null) => {
        const deadline = Date.now() + 5000;
        while (seen.at(-1)?.relation !== relation) {
          if (Date.now() > deadline) throw new Error(`no ${relation} view; got ${JSON.stringify(seen.at(-1))}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(seen.at(-1)?.presence.note, note);
      };
      await core.federation.setDomain(a, 'partner.test', 'trusted');
      await expect('colleague', 'in the lab');
      await core.federation.setDomain(a, 'partner.test', 'blocked');
      await expect('blocked', null);
      assert.equal(seen.at(-1)?.presence.availability, 'offline');
      assert.equal((await core.presence.view(a, aliceId, bob)).availability, 'offline');
    } finally {
      watch.close();
      await core.federation.removeDomain(a, 'partner.test');
    }
  });
});

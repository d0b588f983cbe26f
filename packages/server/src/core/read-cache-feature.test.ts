import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { twoCores } from '../../test/support/two-cores.js';
import { closeCore } from '../create-server.js';
import { FeatureHost } from './feature.js';
import type { Core } from './index.js';
import { readCacheInvalidation } from './read-cache-feature.js';

// Two nodes over one store and one bus: node A caches what SIP requests read; node B changes it;
// A must answer from the change as soon as its event arrives. The clock stands still, so no cached
// value ever grows too old: only the events can make A read again.

/** Resolves once `check` passes (it is retried as events arrive), or fails after 30 s of real time. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('read caches across nodes', () => {
  let a: Core;
  let b: Core;
  let host: FeatureHost;
  let dir: string;
  let tenantId: string;
  let userId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-read-cache-'));
    ({ a, b } = await twoCores(dir));
    host = new FeatureHost(a);
    await host.start([readCacheInvalidation]);
    tenantId = (await a.tenants.create({ domain: 'cache.test' })).id;
    userId = (await a.users.create(tenantId, { local: 'alice', password: 'secret-password' })).user.id;
  });
  after(async () => {
    await host.stop();
    await closeCore(a);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a device's new secret, its owner's change and a new line reach the other node's caches", async () => {
    const { device } = await a.devices.create(tenantId, userId, { name: 'desk' });
    const before = await a.devices.credentialsFor(tenantId, device.username);
    assert.ok(before);
    assert.equal((await a.users.get(tenantId, userId)).displayName, 'Alice');
    assert.deepEqual(await a.lines.ofUser(tenantId, userId), []);

    await b.devices.rotate(tenantId, userId, device.id);
    await eventually('the rotated secret', async () => {
      const now = await a.devices.credentialsFor(tenantId, device.username);
      return now !== undefined && now.ha1Md5 !== before.ha1Md5;
    });

    await b.users.update(tenantId, userId, { displayName: 'Alice A.' });
    await eventually('the new name', async () => (await a.users.get(tenantId, userId)).displayName === 'Alice A.');

    const line = await b.lines.add(tenantId, { number: '201', userId });
    await eventually('the new line', async () => (await a.lines.ofUser(tenantId, userId)).length === 1);
    await b.devices.create(tenantId, userId, { name: 'phone', line: '201' });
    await eventually('the device on the line', async () => (await a.devices.list(tenantId, userId)).length === 2);
    await b.lines.remove(tenantId, line.number);
    await eventually('no line, and no device bound to it', async () => {
      const devices = await a.devices.list(tenantId, userId);
      return (await a.lines.ofUser(tenantId, userId)).length === 0 && devices.every((d) => d.lineId === null);
    });

    // The switch reads the callee's call settings for every call.
    assert.equal((await a.forwarding.decide(tenantId, userId)).kind, 'ring');
    await b.forwarding.setDnd(tenantId, userId, true);
    await eventually('do not disturb', async () => (await a.forwarding.decide(tenantId, userId)).kind === 'refuse');

    assert.ok(await b.devices.credentialsFor(tenantId, device.username));
    await b.users.update(tenantId, userId, { disabled: true });
    assert.equal(await b.devices.credentialsFor(tenantId, device.username), undefined, 'at once on its own node');
    await eventually(
      'no credentials for a disabled owner',
      async () => (await a.devices.credentialsFor(tenantId, device.username)) === undefined,
    );
  });
});

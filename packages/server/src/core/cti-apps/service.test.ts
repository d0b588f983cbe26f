import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { Core } from '../index.js';

describe('CSTA application accounts', () => {
  let core: Core;
  let dir: string;
  let a: string;
  let b: string;
  const attempt = (account: string, secret: string) => ({
    protocol: 'csta' as const,
    address: '192.0.2.1',
    account,
    secret,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-cti-apps-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }) });
    a = (await core.tenants.create({ domain: 'a.test' })).id;
    b = (await core.tenants.create({ domain: 'b.test' })).id;
    await core.users.create(a, { local: 'alice', domain: 'a.test', role: 'user', password: 'secret-password' });
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  test('created with a secret shown once; signs in with it as name@domain, in its own tenant only', async () => {
    const { app, secret } = await core.ctiApps.create(a, 'crm');
    const other = await core.ctiApps.create(b, 'crm');
    assert.notEqual(secret, other.secret);
    assert.equal((await core.ctiApps.login(attempt('crm@a.test', secret))).id, app.id);
    assert.equal((await core.ctiApps.login(attempt('crm@B.TEST', other.secret))).tenantId, b);
    await assert.rejects(core.ctiApps.login(attempt('crm@b.test', secret)), { code: 'PARLEY_ERR_INVALID_CREDENTIALS' });
    await assert.rejects(core.ctiApps.login(attempt('nosuch@a.test', secret)), {
      code: 'PARLEY_ERR_INVALID_CREDENTIALS',
    });
    assert.equal((await core.ctiApps.find('crm@a.test'))?.id, app.id);
    assert.equal(await core.ctiApps.find('alice@a.test'), undefined);
    assert.deepEqual(
      (await core.ctiApps.list(a)).map((x) => x.name),
      ['crm'],
    );
  });

  test('names: no user’s, no duplicate, only the allowed characters', async () => {
    await assert.rejects(core.ctiApps.create(a, 'alice'), { code: 'PARLEY_ERR_CONFLICT' });
    await core.ctiApps.create(a, 'ivr');
    await assert.rejects(core.ctiApps.create(a, 'ivr'), { code: 'PARLEY_ERR_CONFLICT' });
    for (const name of ['Upper', 'has space', '', '-lead', 'x'.repeat(65)]) {
      await assert.rejects(core.ctiApps.create(a, name), { code: 'PARLEY_ERR_VALIDATION' }, name);
    }
  });

  test('removed: it cannot sign in; removing it again is not found', async () => {
    const { secret } = await core.ctiApps.create(a, 'gone');
    await core.ctiApps.remove(a, 'gone');
    await assert.rejects(core.ctiApps.login(attempt('gone@a.test', secret)), {
      code: 'PARLEY_ERR_INVALID_CREDENTIALS',
    });
    await assert.rejects(core.ctiApps.remove(a, 'gone'), { code: 'PARLEY_ERR_NOT_FOUND' });
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { createClient } from '@parley/api';
import pino from 'pino';
import { createServer } from '../../src/create-server.js';
import { loadConfig } from '../../src/platform/config/load.js';
import { postgresAdmin as admin, postgresUrl, requirePeer } from '../support/interop.js';

const skipped = await requirePeer('PostgreSQL', () => admin('select 1'));
if (!skipped) {
  const schema = `parley_test_${randomBytes(6).toString('hex')}`;
  await admin(`create schema ${schema}`);
  after(() => admin(`drop schema ${schema} cascade`));

  const config = loadConfig({
    env: {},
    overrides: {
      'database.url': postgresUrl,
      'http.port': 0,
      'sip.port': 0,
      'csta.port': 0,
      'xmpp.c2s.port': 0,
      'xmpp.c2sTls.port': 0,
      'xmpp.s2s.port': 0,
      'sip.tls.port': 0,
      'auth.scryptCost': 1024,
      'bootstrap.demoTenant': true,
      'log.level': 'silent',
    },
  });
  const boot = () => createServer({ config, dbSchema: schema, log: pino({ level: 'silent' }) });

  test('the whole server runs on PostgreSQL: demo seed, admin API, restart keeps users', async () => {
    const first = await boot();
    const { http: url1 } = await first.start();
    const api1 = createClient({ baseUrl: url1 });
    const tenant = await first.core.tenants.byDomain('example.test');
    const adminPw = await first.core.users.setPassword(
      tenant.id,
      (await first.core.users.byAddress('admin@example.test'))?.id ?? '',
      'admin-password',
    );
    assert.equal(adminPw, undefined);
    const { token } = await api1.request('auth.login', {
      body: { user: 'admin@example.test', password: 'admin-password' },
    });
    const adminApi = api1.withToken(token);
    const created = await adminApi.request('admin.users.create', {
      body: { local: 'dave', displayName: 'Dave Doe', numbers: ['+49 711 123456', '103'], password: 'dave-password' },
    });
    assert.equal(created.user.address, 'dave@example.test');
    const acme = await adminApi.request('admin.tenants.create', { body: { domain: 'acme.test', country: 'AT' } });
    assert.deepEqual(acme.domains, ['acme.test']);
    const ready = await fetch(`${url1}/readyz`);
    assert.equal(ready.status, 200);
    await first.stop();

    const second = await boot();
    const { http: url2 } = await second.start();
    try {
      const api2 = createClient({ baseUrl: url2 });
      const login = await api2.request('auth.login', {
        body: { user: 'dave@example.test', password: 'dave-password' },
      });
      const me = await api2.withToken(login.token).request('me.get', {});
      assert.deepEqual(me.numbers, ['+49 711 123456', '103']);
      // The session from before the restart is still valid: sessions live in the store.
      const again = createClient({ baseUrl: url2, token });
      assert.equal((await again.request('me.get', {})).address, 'admin@example.test');
      assert.equal((await second.core.tenants.list()).length, 2, 'no second demo seed');
    } finally {
      await second.stop();
    }
  });
}

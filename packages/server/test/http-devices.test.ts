import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { sipHa1 } from '../src/core/users/credentials.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

interface DeviceBody {
  device: { id: string; name: string; username: string; realm: string; rotatedAt: string | null };
  password: string;
}

describe('SIP devices: generated secrets, shown once, rotatable, independent of the login password', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  const stored = async (tenantId: string, username: string) => {
    const c = await t.core.devices.credentialsFor(tenantId, username);
    assert.ok(c, 'the device has credentials');
    return c;
  };

  test('create returns the secret once; the list never shows it; the HA1 is of the secret, not the password', async () => {
    const alice = await t.user('alice@dev.test');
    const created = await call(t.url, 'POST', '/api/v1/me/devices', {
      token: alice.token,
      body: { name: 'Desk phone' },
    });
    assert.equal(created.status, 201);
    const { device, password } = created.body as DeviceBody;
    assert.match(password, /^[A-Za-z0-9]{24}$/, 'letters and digits, about 143 bits');
    assert.equal(device.name, 'Desk phone');
    assert.equal(device.realm, 'dev.test');
    assert.match(device.username, /^alice-[a-z0-9]{6}$/);
    assert.equal(device.rotatedAt, null);

    const list = await call(t.url, 'GET', '/api/v1/me/devices', { token: alice.token });
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.body as { devices: unknown[] }).devices.map((d) => Object.keys(d as object).sort()),
      [['createdAt', 'id', 'lineId', 'name', 'realm', 'rotatedAt', 'username']],
    );
    const c = await stored(alice.tenantId, device.username);
    assert.ok(!list.text.includes(password) && !list.text.includes(c.ha1Md5) && !list.text.includes(c.ha1Sha256));

    assert.equal(c.ha1Md5, sipHa1('md5', device.username, 'dev.test', password));
    assert.equal(c.ha1Sha256, sipHa1('sha256', device.username, 'dev.test', password));
    assert.notEqual(c.ha1Md5, sipHa1('md5', device.username, 'dev.test', alice.password));
    assert.notEqual(c.ha1Md5, sipHa1('md5', 'alice', 'dev.test', alice.password));
    assert.equal(c.userId, alice.userId);
    assert.equal(await t.core.devices.credentialsFor('another-tenant', device.username), undefined, 'tenant-scoped');

    // A disabled user's devices stop authenticating, and work again once the user is enabled.
    await t.core.users.update(alice.tenantId, alice.userId, { disabled: true });
    assert.equal(await t.core.devices.credentialsFor(alice.tenantId, device.username), undefined, 'owner disabled');
    await t.core.users.update(alice.tenantId, alice.userId, { disabled: false });
    assert.equal((await stored(alice.tenantId, device.username)).ha1Md5, c.ha1Md5);
  });

  test('no digest of the login password is stored anywhere', async () => {
    const bob = await t.user('bob@dev.test');
    const columns = await sql<{ name: string }>`select name from pragma_table_info('credentials')`.execute(
      t.core.ctx.store.db,
    );
    assert.ok(!columns.rows.some((r) => r.name.startsWith('sip_')), 'no SIP columns in credentials');
    const md5 = sipHa1('md5', 'bob', 'dev.test', bob.password);
    const dump = JSON.stringify(await sql`select * from credentials`.execute(t.core.ctx.store.db));
    assert.ok(!dump.includes(md5));
  });

  test('rotate returns a new secret and changes the stored HA1; a password change leaves devices alone', async () => {
    const carl = await t.user('carl@dev.test');
    const { device, password } = (
      await call(t.url, 'POST', '/api/v1/me/devices', { token: carl.token, body: { name: 'Softphone' } })
    ).body as DeviceBody;
    const before = await stored(carl.tenantId, device.username);

    const changed = await call(t.url, 'PUT', '/api/v1/me/password', {
      token: carl.token,
      body: { current: carl.password, password: 'a-brand-new-login-password' },
    });
    assert.equal(changed.status, 204);
    assert.deepEqual(await stored(carl.tenantId, device.username), before, 'device secret unchanged');

    const rotated = await call(t.url, 'POST', `/api/v1/me/devices/${device.id}/secret`, { token: carl.token });
    assert.equal(rotated.status, 200);
    const next = rotated.body as DeviceBody;
    assert.notEqual(next.password, password);
    assert.equal(next.device.username, device.username);
    assert.ok(next.device.rotatedAt);
    const after = await stored(carl.tenantId, device.username);
    assert.notEqual(after.ha1Md5, before.ha1Md5);
    assert.equal(after.ha1Md5, sipHa1('md5', device.username, 'dev.test', next.password));

    assert.equal((await call(t.url, 'DELETE', `/api/v1/me/devices/${device.id}`, { token: carl.token })).status, 204);
    assertError(
      await call(t.url, 'DELETE', `/api/v1/me/devices/${device.id}`, { token: carl.token }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    assert.equal(await t.core.devices.credentialsFor(carl.tenantId, device.username), undefined);
  });

  test('a user reaches only their own devices; names with control characters are refused', async () => {
    const dora = await t.user('dora@dev.test');
    const erik = await t.user('erik@dev.test');
    const { device } = (await call(t.url, 'POST', '/api/v1/me/devices', { token: dora.token, body: { name: 'Phone' } }))
      .body as DeviceBody;
    for (const [method, path] of [
      ['POST', `/api/v1/me/devices/${device.id}/secret`],
      ['DELETE', `/api/v1/me/devices/${device.id}`],
    ] as const) {
      assertError(await call(t.url, method, path, { token: erik.token }), 404, 'PARLEY_ERR_NOT_FOUND');
    }
    assertError(
      await call(t.url, 'POST', '/api/v1/me/devices', { token: dora.token, body: { name: 'Evil\u202eenohp' } }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
  });

  test("admins manage their tenant's users' devices, but a tenant admin never a system admin's", async () => {
    const admin = await t.user('admin@dev.test', { role: 'tenant-admin' });
    const fay = await t.user('fay@dev.test');
    const root = await t.user('root@dev.test', { role: 'system-admin' });
    const outsider = await t.user('gus@other.test');

    const created = await call(t.url, 'POST', `/api/v1/admin/users/${fay.userId}/devices`, {
      token: admin.token,
      body: { name: 'Lobby phone' },
    });
    assert.equal(created.status, 201);
    const { device, password } = created.body as DeviceBody;
    const list = await call(t.url, 'GET', `/api/v1/admin/users/${fay.userId}/devices`, { token: admin.token });
    assert.deepEqual(
      (list.body as { devices: { id: string }[] }).devices.map((d) => d.id),
      [device.id],
    );
    assert.ok(!list.text.includes(password));
    const rotated = await call(t.url, 'POST', `/api/v1/admin/users/${fay.userId}/devices/${device.id}/secret`, {
      token: admin.token,
    });
    assert.notEqual((rotated.body as DeviceBody).password, password);
    // Fay sees it as hers.
    assert.equal(
      ((await call(t.url, 'GET', '/api/v1/me/devices', { token: fay.token })).body as { devices: [] }).devices.length,
      1,
    );

    // A system administrator's devices are out of a tenant admin's reach.
    const rootDevice = (
      await call(t.url, 'POST', '/api/v1/me/devices', { token: root.token, body: { name: 'Root phone' } })
    ).body as DeviceBody;
    for (const [method, path] of [
      ['POST', `/api/v1/admin/users/${root.userId}/devices`],
      ['POST', `/api/v1/admin/users/${root.userId}/devices/${rootDevice.device.id}/secret`],
      ['DELETE', `/api/v1/admin/users/${root.userId}/devices/${rootDevice.device.id}`],
    ] as const) {
      const body = method === 'POST' && path.endsWith('devices') ? { name: 'x' } : undefined;
      assertError(await call(t.url, method, path, { token: admin.token, body }), 403, 'PARLEY_ERR_FORBIDDEN');
    }
    // Another tenant's user does not exist here; plain users have no admin routes.
    assertError(
      await call(t.url, 'GET', `/api/v1/admin/users/${outsider.userId}/devices`, { token: admin.token }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    assertError(
      await call(t.url, 'GET', `/api/v1/admin/users/${fay.userId}/devices`, { token: fay.token }),
      403,
      'PARLEY_ERR_FORBIDDEN',
    );
    assert.equal(
      (await call(t.url, 'DELETE', `/api/v1/admin/users/${fay.userId}/devices/${device.id}`, { token: admin.token }))
        .status,
      204,
    );
  });
});

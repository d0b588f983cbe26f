import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
let root: Awaited<ReturnType<TestServer['user']>>;
before(async () => {
  t = await startTestServer();
  root = await t.user('root@system.test', { role: 'system-admin' });
});
after(() => t.stop());

interface TenantJson {
  id: string;
  name: string;
  domains: string[];
  country: string | null;
  areaCode: string | null;
  createdAt: string;
}

const as = (token: string) => ({
  get: (path: string) => call(t.url, 'GET', path, { token }),
  post: (path: string, body: unknown) => call(t.url, 'POST', path, { token, body }),
  patch: (path: string, body: unknown) => call(t.url, 'PATCH', path, { token, body }),
  del: (path: string) => call(t.url, 'DELETE', path, { token }),
});

async function createTenant(body: Record<string, unknown>): Promise<TenantJson> {
  const res = await as(root.token).post('/api/v1/admin/tenants', body);
  assert.equal(res.status, 201, res.text);
  return res.body as TenantJson;
}

test('a system admin creates, lists, reads and changes tenants', async () => {
  const sys = as(root.token);
  const created = await createTenant({ domain: 'Acme.TEST', name: ' Acme Ltd ', country: 'de', areaCode: '711' });
  assert.deepEqual(
    { name: created.name, domains: created.domains, country: created.country, areaCode: created.areaCode },
    { name: 'Acme Ltd', domains: ['acme.test'], country: 'DE', areaCode: '711' },
  );
  assert.ok(!Number.isNaN(Date.parse(created.createdAt)));

  const minimal = await createTenant({ domain: 'minimal.test' });
  assert.equal(minimal.name, 'minimal.test');
  assert.equal(minimal.country, null);
  assert.equal(minimal.areaCode, null);

  const list = await sys.get('/api/v1/admin/tenants');
  assert.equal(list.status, 200);
  const tenants = (list.body as { tenants: TenantJson[] }).tenants;
  const ids = tenants.map((x) => x.id);
  assert.ok(ids.includes(created.id) && ids.includes(minimal.id) && ids.includes(root.tenantId));
  const page = await sys.get('/api/v1/admin/tenants?limit=1&offset=1');
  assert.equal((page.body as { tenants: TenantJson[] }).tenants.length, 1);
  assert.equal((page.body as { tenants: TenantJson[] }).tenants[0]?.id, tenants[1]?.id);

  const got = await sys.get(`/api/v1/admin/tenants/${created.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, created);

  const patched = await sys.patch(`/api/v1/admin/tenants/${created.id}`, { name: 'Acme GmbH', areaCode: null });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(
    { ...(patched.body as TenantJson) },
    { ...created, name: 'Acme GmbH', areaCode: null },
    'only the given fields change',
  );
  assert.deepEqual((await sys.get(`/api/v1/admin/tenants/${created.id}`)).body, patched.body);

  assertError(await sys.get('/api/v1/admin/tenants/no-such-tenant'), 404, 'PARLEY_ERR_NOT_FOUND');
  assertError(await sys.patch('/api/v1/admin/tenants/no-such-tenant', { name: 'x' }), 404, 'PARLEY_ERR_NOT_FOUND');
});

test('a domain belongs to one tenant: 409 on a duplicate, whether creating or adding', async () => {
  const sys = as(root.token);
  const one = await createTenant({ domain: 'one.test' });
  const two = await createTenant({ domain: 'two.test' });
  const countBefore = await t.core.ctx.store.repos.tenants.count();

  assertError(await sys.post('/api/v1/admin/tenants', { domain: 'ONE.test' }), 409, 'PARLEY_ERR_CONFLICT');
  assert.equal(await t.core.ctx.store.repos.tenants.count(), countBefore, 'no tenant row left behind');

  assertError(
    await sys.post(`/api/v1/admin/tenants/${two.id}/domains`, { domain: 'one.test' }),
    409,
    'PARLEY_ERR_CONFLICT',
  );
  assertError(
    await sys.post(`/api/v1/admin/tenants/${one.id}/domains`, { domain: 'one.test' }),
    409,
    'PARLEY_ERR_CONFLICT',
  );
  assert.deepEqual((await sys.get(`/api/v1/admin/tenants/${two.id}`)).body, two);
  assert.equal((await t.core.ctx.store.repos.tenants.byDomain('one.test'))?.id, one.id);
});

test('domains are added to and removed from a tenant', async () => {
  const sys = as(root.token);
  const tenant = await createTenant({ domain: 'main.test' });
  const added = await sys.post(`/api/v1/admin/tenants/${tenant.id}/domains`, { domain: 'Alias.test' });
  assert.equal(added.status, 200, added.text);
  assert.deepEqual((added.body as TenantJson).domains, ['main.test', 'alias.test']);

  // Users can live in the secondary domain; while they do, it cannot be removed.
  const admin = await t.user('admin@main.test', { role: 'tenant-admin' });
  const created = await call(t.url, 'POST', '/api/v1/admin/users', {
    token: admin.token,
    body: { local: 'yara', domain: 'alias.test' },
  });
  assert.equal(created.status, 201, created.text);
  const yara = (created.body as { user: { id: string; address: string } }).user;
  assert.equal(yara.address, 'yara@alias.test');
  assertError(await sys.del(`/api/v1/admin/tenants/${tenant.id}/domains/alias.test`), 409, 'PARLEY_ERR_CONFLICT');
  await call(t.url, 'DELETE', `/api/v1/admin/users/${yara.id}`, { token: admin.token });

  const removed = await sys.del(`/api/v1/admin/tenants/${tenant.id}/domains/alias.test`);
  assert.equal(removed.status, 200, removed.text);
  assert.deepEqual((removed.body as TenantJson).domains, ['main.test']);
  assert.equal(await t.core.ctx.store.repos.tenants.byDomain('alias.test'), undefined);

  assertError(await sys.del(`/api/v1/admin/tenants/${tenant.id}/domains/main.test`), 409, 'PARLEY_ERR_CONFLICT');
  assertError(await sys.del(`/api/v1/admin/tenants/${tenant.id}/domains/alias.test`), 404, 'PARLEY_ERR_NOT_FOUND');
  assertError(
    await sys.post('/api/v1/admin/tenants/no-such-tenant/domains', { domain: 'orphan.test' }),
    404,
    'PARLEY_ERR_NOT_FOUND',
  );
  assert.equal(await t.core.ctx.store.repos.tenants.byDomain('orphan.test'), undefined);
  // A removed domain is free again for any tenant.
  assert.equal((await createTenant({ domain: 'alias.test' })).domains[0], 'alias.test');
});

test('deleting a tenant removes it with its users and their sessions', async () => {
  const sys = as(root.token);
  const gone = await createTenant({ domain: 'gone.test' });
  const zoe = await t.user('zoe@gone.test');
  assert.equal(zoe.tenantId, gone.id);

  const del = await sys.del(`/api/v1/admin/tenants/${gone.id}`);
  assert.equal(del.status, 204);
  assert.equal(del.text, '');
  assertError(await sys.get(`/api/v1/admin/tenants/${gone.id}`), 404, 'PARLEY_ERR_NOT_FOUND');
  assertError(await sys.del(`/api/v1/admin/tenants/${gone.id}`), 404, 'PARLEY_ERR_NOT_FOUND');
  const list = (await sys.get('/api/v1/admin/tenants')).body as { tenants: TenantJson[] };
  assert.ok(!list.tenants.some((x) => x.id === gone.id));
  assertError(await call(t.url, 'GET', '/api/v1/me', { token: zoe.token }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
  const login = await call(t.url, 'POST', '/api/v1/auth/login', {
    body: { user: 'zoe@gone.test', password: zoe.password },
  });
  assertError(login, 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
  // The domain is free again.
  assert.equal((await createTenant({ domain: 'gone.test' })).domains[0], 'gone.test');
  // A system admin cannot remove their own tenant.
  assertError(await sys.del(`/api/v1/admin/tenants/${root.tenantId}`), 409, 'PARLEY_ERR_CONFLICT');
});

test('tenant admins get 403 on every tenant route and change nothing', async () => {
  const admin = await t.user('admin@tenant-admin.test', { role: 'tenant-admin' });
  const target = await createTenant({ domain: 'target.test' });
  const ta = as(admin.token);
  for (const res of [
    await ta.get('/api/v1/admin/tenants'),
    await ta.post('/api/v1/admin/tenants', { domain: 'sneaky.test' }),
    await ta.get(`/api/v1/admin/tenants/${admin.tenantId}`),
    await ta.get(`/api/v1/admin/tenants/${target.id}`),
    await ta.patch(`/api/v1/admin/tenants/${admin.tenantId}`, { name: 'renamed' }),
    await ta.post(`/api/v1/admin/tenants/${admin.tenantId}/domains`, { domain: 'sneaky.test' }),
    await ta.del(`/api/v1/admin/tenants/${target.id}/domains/target.test`),
    await ta.del(`/api/v1/admin/tenants/${target.id}`),
  ]) {
    assertError(res, 403, 'PARLEY_ERR_FORBIDDEN');
  }
  assert.equal(await t.core.ctx.store.repos.tenants.byDomain('sneaky.test'), undefined);
  assert.deepEqual((await as(root.token).get(`/api/v1/admin/tenants/${target.id}`)).body, target);
  assert.equal((await t.core.tenants.get(admin.tenantId)).name, 'tenant-admin.test');
});

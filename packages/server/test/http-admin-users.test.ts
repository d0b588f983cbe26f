import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forbidden } from '../src/core/errors.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.stop());

interface UserJson {
  id: string;
  address: string;
  tenantId: string;
  displayName: string;
  email: string | null;
  numbers: string[];
  role: string;
  disabled: boolean;
}

const loginStatus = async (user: string, password: string) =>
  (await call(t.url, 'POST', '/api/v1/auth/login', { body: { user, password } })).status;

async function listUsers(token: string): Promise<UserJson[]> {
  const res = await call(t.url, 'GET', '/api/v1/admin/users?limit=500', { token });
  assert.equal(res.status, 200, res.text);
  return (res.body as { users: UserJson[] }).users;
}

test('a tenant admin creates a user with a generated password that is returned once and works', async () => {
  const admin = await t.user('admin@create.test', { role: 'tenant-admin' });
  const res = await call(t.url, 'POST', '/api/v1/admin/users', {
    token: admin.token,
    body: { local: 'Nina', displayName: 'Nina North', email: 'nina@mail.test', numbers: ['+49 711 1234', '200'] },
  });
  assert.equal(res.status, 201, res.text);
  const { user, password } = res.body as { user: UserJson; password: string };
  assert.equal(user.address, 'nina@create.test');
  assert.equal(user.tenantId, admin.tenantId);
  assert.equal(user.role, 'user');
  assert.deepEqual(user.numbers, ['+49 711 1234', '200']);
  assert.equal(typeof password, 'string');
  assert.ok(password.length >= 12);
  assert.equal(await loginStatus('nina@create.test', password), 200);

  const got = await call(t.url, 'GET', `/api/v1/admin/users/${user.id}`, { token: admin.token });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, user);
  assert.ok(!got.text.includes(password), 'the password is never shown again');
  assert.ok(!(await call(t.url, 'GET', '/api/v1/admin/users', { token: admin.token })).text.includes(password));

  // With an explicit password, nothing is echoed back.
  const explicit = await call(t.url, 'POST', '/api/v1/admin/users', {
    token: admin.token,
    body: { local: 'otto', password: 'chosen-secret-1' },
  });
  assert.equal(explicit.status, 201);
  assert.equal((explicit.body as { password?: string }).password, undefined);
  assert.equal(await loginStatus('otto@create.test', 'chosen-secret-1'), 200);

  const users = await listUsers(admin.token);
  assert.deepEqual(users.map((u) => u.address).sort(), ['admin@create.test', 'nina@create.test', 'otto@create.test']);
});

test('users are created only in domains of the caller tenant', async () => {
  const admin = await t.user('admin@own.test', { role: 'tenant-admin' });
  await t.user('someone@foreign.test');
  const res = await call(t.url, 'POST', '/api/v1/admin/users', {
    token: admin.token,
    body: { local: 'intruder', domain: 'foreign.test' },
  });
  assertError(res, 400, 'PARLEY_ERR_VALIDATION');
  const foreign = await t.core.users.byAddress('intruder@foreign.test');
  assert.equal(foreign, undefined);
});

test('PATCH changes a user; disabling revokes their sessions and refuses login until re-enabled', async () => {
  const admin = await t.user('admin@patch.test', { role: 'tenant-admin' });
  const pia = await t.user('pia@patch.test');
  const patched = await call(t.url, 'PATCH', `/api/v1/admin/users/${pia.userId}`, {
    token: admin.token,
    body: { displayName: 'Pia Park', email: 'pia@mail.test', numbers: ['300'], role: 'tenant-admin' },
  });
  assert.equal(patched.status, 200, patched.text);
  const u = patched.body as UserJson;
  assert.deepEqual([u.displayName, u.email, u.numbers, u.role], ['Pia Park', 'pia@mail.test', ['300'], 'tenant-admin']);
  assert.equal((await pia.api.request('me.get', {})).displayName, 'Pia Park');

  const disabled = await call(t.url, 'PATCH', `/api/v1/admin/users/${pia.userId}`, {
    token: admin.token,
    body: { disabled: true },
  });
  assert.equal(disabled.status, 200);
  assert.equal((disabled.body as UserJson).disabled, true);
  assertError(await call(t.url, 'GET', '/api/v1/me', { token: pia.token }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
  const refused = await call(t.url, 'POST', '/api/v1/auth/login', {
    body: { user: 'pia@patch.test', password: pia.password },
  });
  assertError(refused, 401, 'PARLEY_ERR_INVALID_CREDENTIALS');

  await call(t.url, 'PATCH', `/api/v1/admin/users/${pia.userId}`, { token: admin.token, body: { disabled: false } });
  assert.equal(await loginStatus('pia@patch.test', pia.password), 200);
  // The old token stays revoked after re-enabling.
  assertError(await call(t.url, 'GET', '/api/v1/me', { token: pia.token }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
});

test('DELETE removes a user: 404 afterwards, sessions gone, login refused', async () => {
  const admin = await t.user('admin@delete.test', { role: 'tenant-admin' });
  const quin = await t.user('quin@delete.test');
  const del = await call(t.url, 'DELETE', `/api/v1/admin/users/${quin.userId}`, { token: admin.token });
  assert.equal(del.status, 204);
  assertError(
    await call(t.url, 'GET', `/api/v1/admin/users/${quin.userId}`, { token: admin.token }),
    404,
    'PARLEY_ERR_NOT_FOUND',
  );
  assertError(
    await call(t.url, 'DELETE', `/api/v1/admin/users/${quin.userId}`, { token: admin.token }),
    404,
    'PARLEY_ERR_NOT_FOUND',
  );
  assertError(await call(t.url, 'GET', '/api/v1/me', { token: quin.token }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
  assert.equal(await loginStatus('quin@delete.test', quin.password), 401);
  assert.ok(!(await listUsers(admin.token)).some((u) => u.id === quin.userId));
  // Admins cannot remove themselves.
  assertError(
    await call(t.url, 'DELETE', `/api/v1/admin/users/${admin.userId}`, { token: admin.token }),
    403,
    'PARLEY_ERR_FORBIDDEN',
  );
});

test("PUT /admin/users/:id/password sets or generates a password and revokes the user's sessions", async () => {
  const admin = await t.user('admin@pw.test', { role: 'tenant-admin' });
  const rob = await t.user('rob@pw.test');
  const set = await call(t.url, 'PUT', `/api/v1/admin/users/${rob.userId}/password`, {
    token: admin.token,
    body: { password: 'admin-chosen-1' },
  });
  assert.equal(set.status, 200, set.text);
  assert.equal((set.body as { password?: string }).password, undefined);
  assert.equal((set.body as { user: UserJson }).user.id, rob.userId);
  assertError(await call(t.url, 'GET', '/api/v1/me', { token: rob.token }), 401, 'PARLEY_ERR_UNAUTHENTICATED');
  assert.equal(await loginStatus('rob@pw.test', rob.password), 401);
  assert.equal(await loginStatus('rob@pw.test', 'admin-chosen-1'), 200);

  const generated = await call(t.url, 'PUT', `/api/v1/admin/users/${rob.userId}/password`, {
    token: admin.token,
    body: {},
  });
  assert.equal(generated.status, 200);
  const password = (generated.body as { password: string }).password;
  assert.equal(typeof password, 'string');
  assert.equal(await loginStatus('rob@pw.test', 'admin-chosen-1'), 401);
  assert.equal(await loginStatus('rob@pw.test', password), 200);
  // The admin's own session is untouched.
  assert.equal((await call(t.url, 'GET', '/api/v1/me', { token: admin.token })).status, 200);
});

test('a tenant admin cannot grant system-admin (403) and nothing changes', async () => {
  const admin = await t.user('admin@grant.test', { role: 'tenant-admin' });
  const sam = await t.user('sam@grant.test');
  const before = await listUsers(admin.token);
  assertError(
    await call(t.url, 'POST', '/api/v1/admin/users', {
      token: admin.token,
      body: { local: 'boss', role: 'system-admin' },
    }),
    403,
    'PARLEY_ERR_FORBIDDEN',
  );
  assertError(
    await call(t.url, 'PATCH', `/api/v1/admin/users/${sam.userId}`, {
      token: admin.token,
      body: { role: 'system-admin' },
    }),
    403,
    'PARLEY_ERR_FORBIDDEN',
  );
  assertError(
    await call(t.url, 'PATCH', `/api/v1/admin/users/${admin.userId}`, {
      token: admin.token,
      body: { role: 'system-admin' },
    }),
    403,
    'PARLEY_ERR_FORBIDDEN',
  );
  assert.deepEqual(await listUsers(admin.token), before);
  // A system admin may grant it.
  const root = await t.user('root@grant.test', { role: 'system-admin' });
  const ok = await call(t.url, 'PATCH', `/api/v1/admin/users/${sam.userId}`, {
    token: root.token,
    body: { role: 'system-admin' },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((ok.body as UserJson).role, 'system-admin');
});

test('a plain user gets 403 PARLEY_ERR_FORBIDDEN on every admin route', async () => {
  const ursula = await t.user('ursula@plain.test');
  const id = ursula.userId;
  const attempts: [string, string, unknown?][] = [
    ['GET', '/api/v1/admin/users'],
    ['POST', '/api/v1/admin/users', { local: 'someone' }],
    ['GET', `/api/v1/admin/users/${id}`],
    ['PATCH', `/api/v1/admin/users/${id}`, { role: 'tenant-admin' }],
    ['DELETE', `/api/v1/admin/users/${id}`],
    ['PUT', `/api/v1/admin/users/${id}/password`, {}],
    ['GET', '/api/v1/admin/tenants'],
    ['POST', '/api/v1/admin/tenants', { domain: 'new.test' }],
    ['GET', `/api/v1/admin/tenants/${ursula.tenantId}`],
    ['DELETE', `/api/v1/admin/tenants/${ursula.tenantId}`],
  ];
  for (const [method, path, body] of attempts) {
    const res = await call(t.url, method, path, { token: ursula.token, body });
    assertError(res, 403, 'PARLEY_ERR_FORBIDDEN');
  }
  const me = await ursula.api.request('me.get', {});
  assert.equal(me.role, 'user');
  assert.equal(await t.core.ctx.store.repos.users.count(ursula.tenantId), 1);
  assert.equal((await t.core.ctx.store.repos.tenants.byDomain('new.test')) ?? null, null);
});

test('tenant admins are confined to their own tenant: 404 for users of another tenant', async () => {
  const adminA = await t.user('admin@tenant-a.test', { role: 'tenant-admin' });
  await t.user('amy@tenant-a.test');
  const adminB = await t.user('admin@tenant-b.test', { role: 'tenant-admin' });
  const bea = await t.user('bea@tenant-b.test');

  const listA = await listUsers(adminA.token);
  assert.deepEqual(listA.map((u) => u.address).sort(), ['admin@tenant-a.test', 'amy@tenant-a.test']);
  assert.ok(listA.every((u) => u.tenantId === adminA.tenantId));

  const tok = adminA.token;
  for (const id of [bea.userId, adminB.userId]) {
    assertError(await call(t.url, 'GET', `/api/v1/admin/users/${id}`, { token: tok }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(
      await call(t.url, 'PATCH', `/api/v1/admin/users/${id}`, {
        token: tok,
        body: { disabled: true, displayName: 'X' },
      }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    assertError(
      await call(t.url, 'PUT', `/api/v1/admin/users/${id}/password`, { token: tok, body: { password: 'hijacked-1' } }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    assertError(await call(t.url, 'DELETE', `/api/v1/admin/users/${id}`, { token: tok }), 404, 'PARLEY_ERR_NOT_FOUND');
  }
  // Tenant B is untouched: same user, same password, same session.
  const beaNow = await bea.api.request('me.get', {});
  assert.equal(beaNow.displayName, 'Bea');
  assert.equal(beaNow.disabled, false);
  assert.equal(await loginStatus('bea@tenant-b.test', bea.password), 200);
  assert.equal(await loginStatus('bea@tenant-b.test', 'hijacked-1'), 401);
  assert.equal((await listUsers(adminB.token)).length, 2);
});

test('a conflicting create (409) writes nothing, also under concurrency', async () => {
  const admin = await t.user('admin@conflict.test', { role: 'tenant-admin' });
  await t.user('vic@conflict.test', { password: 'vics-own-password' });
  const countBefore = (await listUsers(admin.token)).length;
  const dup = await call(t.url, 'POST', '/api/v1/admin/users', {
    token: admin.token,
    body: { local: 'VIC', password: 'overwrite-attempt' },
  });
  assertError(dup, 409, 'PARLEY_ERR_CONFLICT');
  assert.equal((await listUsers(admin.token)).length, countBefore);
  assert.equal(await loginStatus('vic@conflict.test', 'vics-own-password'), 200, 'credentials untouched');
  assert.equal(await loginStatus('vic@conflict.test', 'overwrite-attempt'), 401);

  const results = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      call(t.url, 'POST', '/api/v1/admin/users', {
        token: admin.token,
        body: { local: 'wes', password: `wes-password-${i}` },
      }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409, 409]);
  for (const r of results.filter((x) => x.status === 409)) assertError(r, 409, 'PARLEY_ERR_CONFLICT');
  assert.equal((await listUsers(admin.token)).length, countBefore + 1);
  const winner = results.findIndex((r) => r.status === 201);
  assert.equal(await loginStatus('wes@conflict.test', `wes-password-${winner}`), 200);
});

test("a failing 'user.beforeCreate' hook leaves nothing written", async () => {
  const admin = await t.user('admin@hook.test', { role: 'tenant-admin' });
  const countBefore = (await listUsers(admin.token)).length;
  const remove = t.core.ctx.hooks.register('user.beforeCreate', 'test-licence', (v) => {
    if (v.local === 'xena') throw forbidden('licence limit reached');
    return v;
  });
  try {
    const res = await call(t.url, 'POST', '/api/v1/admin/users', {
      token: admin.token,
      body: { local: 'xena', password: 'xenas-password' },
    });
    const error = assertError(res, 403, 'PARLEY_ERR_FORBIDDEN');
    assert.match(error.message, /licence/);
  } finally {
    remove();
  }
  assert.equal((await listUsers(admin.token)).length, countBefore);
  assert.equal(await t.core.users.byAddress('xena@hook.test'), undefined);
  assert.equal(await loginStatus('xena@hook.test', 'xenas-password'), 401);
  // With the hook gone the same request succeeds: the failure left no debris behind.
  const again = await call(t.url, 'POST', '/api/v1/admin/users', {
    token: admin.token,
    body: { local: 'xena', password: 'xenas-password' },
  });
  assert.equal(again.status, 201, again.text);
});

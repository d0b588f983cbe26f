import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RouteSpec, routes } from '@parley/api';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
let root: Awaited<ReturnType<TestServer['user']>>;
before(async () => {
  t = await startTestServer({ 'http.bodyLimit': 2048 });
  root = await t.user('root@errors.test', { role: 'system-admin' });
});
after(() => t.stop());

describe('operations endpoints', () => {
  test('GET /healthz is 200', async () => {
    const res = await call(t.url, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  test('GET /readyz is 200 with its checks', async () => {
    const res = await call(t.url, 'GET', '/readyz');
    assert.equal(res.status, 200);
    const body = res.body as { status: string; checks: Record<string, string> };
    assert.equal(body.status, 'ok');
    assert.equal(body.checks.store, 'ok');
    assert.ok(Object.keys(body.checks).length >= 2);
    for (const [name, value] of Object.entries(body.checks)) assert.equal(value, 'ok', name);
  });

  test('GET /api/v1/openapi.json is OpenAPI 3 with a path for every route', async () => {
    const res = await call(t.url, 'GET', '/api/v1/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    const entries = Object.entries(routes) as [string, RouteSpec][];
    assert.ok(entries.length >= 20);
    for (const [name, spec] of entries) {
      const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = doc.paths[path]?.[spec.method.toLowerCase()];
      assert.ok(op, `no ${spec.method} ${path} for ${name}`);
      assert.equal(op.operationId, name);
    }
  });
});

describe('bad input', () => {
  const login = (body: unknown, headers?: Record<string, string>) =>
    call(t.url, 'POST', '/api/v1/auth/login', { body, ...(headers && { headers }) });
  const createTenant = (body: unknown) => call(t.url, 'POST', '/api/v1/admin/tenants', { token: root.token, body });
  const createUser = (body: unknown) => call(t.url, 'POST', '/api/v1/admin/users', { token: root.token, body });

  test('malformed JSON is 400 PARLEY_ERR_BAD_JSON', async () => {
    assertError(await login('{"user": "a@b.test", "password": '), 400, 'PARLEY_ERR_BAD_JSON');
    assertError(await login("{'user': 'a@b.test'}"), 400, 'PARLEY_ERR_BAD_JSON');
    assertError(await login(''), 400, 'PARLEY_ERR_BAD_JSON');
  });

  test('unknown fields are 400 PARLEY_ERR_VALIDATION with the path of each field', async () => {
    const e = assertError(
      await login({ user: 'a@b.test', password: 'x', remember: true }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(
      e.details?.map((d) => d.path),
      ['body.remember'],
    );
    const e2 = assertError(
      await createTenant({ domain: 'x.test', plan: 'gold', owner: 'me' }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(e2.details?.map((d) => d.path).sort(), ['body.owner', 'body.plan']);
    assert.match(e2.message, /plan/);
    const e3 = assertError(
      await call(t.url, 'GET', '/api/v1/admin/users?limit=5&sort=name', { token: root.token }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(
      e3.details?.map((d) => d.path),
      ['query.sort'],
    );
    assert.equal(await t.core.ctx.store.repos.tenants.byDomain('x.test'), undefined);
  });

  test('wrong types and missing fields name their paths', async () => {
    const e = assertError(await login({ user: 42 }), 400, 'PARLEY_ERR_VALIDATION');
    assert.deepEqual(e.details?.map((d) => d.path).sort(), ['body.password', 'body.user']);
    const e2 = assertError(
      await createUser({ local: 'ok', numbers: ['100', 'call me'] }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(
      e2.details?.map((d) => d.path),
      ['body.numbers.1'],
    );
    assertError(await login([]), 400, 'PARLEY_ERR_VALIDATION');
    const limit = await call(t.url, 'GET', '/api/v1/admin/users?limit=0', { token: root.token });
    assert.deepEqual(
      assertError(limit, 400, 'PARLEY_ERR_VALIDATION').details?.map((d) => d.path),
      ['query.limit'],
    );
  });

  test('over-long strings are 400 PARLEY_ERR_VALIDATION', async () => {
    const long = (n: number) => 'a'.repeat(n);
    for (const [res, path] of [
      [await createUser({ local: long(65) }), 'body.local'],
      [await createUser({ local: 'fine', displayName: long(201) }), 'body.displayName'],
      [await createUser({ local: 'fine', password: long(1025) }), 'body.password'],
      [await createTenant({ domain: 'long.test', name: long(201) }), 'body.name'],
      [await createTenant({ domain: `${long(250)}.test` }), 'body.domain'],
      [await login({ user: `${long(65)}@errors.test`, password: 'x' }), 'body.user'],
      [await login({ user: 'root@errors.test', password: long(1025) }), 'body.password'],
      [await call(t.url, 'GET', `/api/v1/admin/users/${long(65)}`, { token: root.token }), 'params.id'],
    ] as const) {
      const e = assertError(res, 400, 'PARLEY_ERR_VALIDATION');
      assert.ok(
        e.details?.some((d) => d.path === path),
        `${path}: ${JSON.stringify(e.details)}`,
      );
    }
    assert.equal(await t.core.users.byAddress('fine@errors.test'), undefined);
  });

  test('invalid domains are 400 PARLEY_ERR_VALIDATION', async () => {
    const before = await t.core.ctx.store.repos.tenants.count();
    const bad = [
      'nodot',
      '-lead.test',
      'trail-.test',
      'a..b.test',
      'sp ace.test',
      'under_score.test',
      'x.123',
      '.x.test',
      `${'a'.repeat(64)}.test`,
      '',
    ];
    for (const domain of bad) {
      const e = assertError(await createTenant({ domain }), 400, 'PARLEY_ERR_VALIDATION');
      assert.deepEqual(
        e.details?.map((d) => d.path),
        ['body.domain'],
        domain,
      );
    }
    assert.equal(await t.core.ctx.store.repos.tenants.count(), before);
    const path = `/api/v1/admin/tenants/${root.tenantId}/domains`;
    assertError(
      await call(t.url, 'POST', path, { token: root.token, body: { domain: 'bad_domain' } }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assertError(
      await call(t.url, 'DELETE', `${path}/not%20a%20domain`, { token: root.token }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assertError(await createUser({ local: 'ok', domain: 'no_domain' }), 400, 'PARLEY_ERR_VALIDATION');
  });

  test('invalid localparts are 400 PARLEY_ERR_VALIDATION', async () => {
    for (const local of ['', '.alice', 'alice.', '-bob', 'al ice', 'al@ice', 'ali:ce', 'ümlaut', 'a/b', '<b>']) {
      const e = assertError(await createUser({ local }), 400, 'PARLEY_ERR_VALIDATION');
      assert.deepEqual(
        e.details?.map((d) => d.path),
        ['body.local'],
        local,
      );
    }
    for (const user of ['no-at-sign', '@errors.test', 'bad local@errors.test', 'root@']) {
      assertError(await login({ user, password: 'x' }), 400, 'PARLEY_ERR_VALIDATION');
    }
    assert.equal(await t.core.ctx.store.repos.users.count(root.tenantId), 1);
  });

  test('a body that is not JSON is 415', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const res = await call(t.url, 'POST', '/api/v1/auth/login', {
        body: 'user=root@errors.test&password=x',
        headers: { 'content-type': type },
      });
      assertError(res, 415, 'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE');
    }
    const tenant = await call(t.url, 'POST', '/api/v1/admin/tenants', {
      token: root.token,
      body: JSON.stringify({ domain: 'plain.test' }),
      headers: { 'content-type': 'text/plain' },
    });
    assertError(tenant, 415, 'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE');
    assert.equal(await t.core.ctx.store.repos.tenants.byDomain('plain.test'), undefined);
  });

  test('a body over http.bodyLimit is 413 PARLEY_ERR_BODY_TOO_LARGE', async () => {
    const big = { user: 'root@errors.test', password: 'x'.repeat(1000), padding: 'y'.repeat(2000) };
    assertError(await login(big), 413, 'PARLEY_ERR_BODY_TOO_LARGE');
    // Also when the size is not announced up front (chunked upload).
    const chunks = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify({ domain: 'huge.test', name: 'z'.repeat(3000) })));
        c.close();
      },
    });
    const res = await fetch(new URL('/api/v1/admin/tenants', t.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${root.token}`, 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'PARLEY_ERR_BODY_TOO_LARGE');
    assert.equal(await t.core.ctx.store.repos.tenants.byDomain('huge.test'), undefined);
    // Just under the limit is fine.
    const ok = await createTenant({ domain: 'fits.test', name: 'n'.repeat(150) });
    assert.equal(ok.status, 201, ok.text);
  });

  test('unknown routes and methods are 404 with a JSON error', async () => {
    assertError(await call(t.url, 'GET', '/api/v1/nothing-here'), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await call(t.url, 'GET', '/api/v2/me', { token: root.token }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await call(t.url, 'PUT', '/api/v1/me', { token: root.token, body: {} }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await call(t.url, 'POST', '/api/v1/admin/users/x/y', { body: {} }), 404, 'PARLEY_ERR_NOT_FOUND');
  });

  test('every error of the catalogue seen here has the {"error":{"code","message"}} shape', async () => {
    // assertError checks the shape; this covers the statuses not exercised above.
    assertError(await call(t.url, 'GET', '/api/v1/me'), 401, 'PARLEY_ERR_UNAUTHENTICATED');
    assertError(await login({ user: 'nobody@errors.test', password: 'x' }), 401, 'PARLEY_ERR_INVALID_CREDENTIALS');
    const plain = await t.user('plain@errors.test');
    assertError(await call(t.url, 'GET', '/api/v1/admin/users', { token: plain.token }), 403, 'PARLEY_ERR_FORBIDDEN');
    assertError(await createTenant({ domain: 'errors.test' }), 409, 'PARLEY_ERR_CONFLICT');
    const notFound = await call(t.url, 'GET', '/api/v1/admin/users/missing', { token: root.token });
    assertError(notFound, 404, 'PARLEY_ERR_NOT_FOUND');
  });
});

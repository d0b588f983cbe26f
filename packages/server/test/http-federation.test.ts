// The tenant admins' federation trust over REST, and the diagnostics: tenant-scoped, a system
// admin acting on any tenant with `?tenant=`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsResponder } from './support/dns-responder.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
let dns: Awaited<ReturnType<typeof startDnsResponder>>;
let root: Awaited<ReturnType<TestServer['user']>>;
let aAdmin: Awaited<ReturnType<TestServer['user']>>;
let bAdmin: Awaited<ReturnType<TestServer['user']>>;
let alice: Awaited<ReturnType<TestServer['user']>>;

before(async () => {
  dns = await startDnsResponder(new Map());
  t = await startTestServer({ 'federation.dnsServers': [dns.server], 'outbound.allow': ['127.0.0.0/8'] });
  root = await t.user('root@system.test', { role: 'system-admin' });
  aAdmin = await t.user('boss@a.test', { role: 'tenant-admin' });
  bAdmin = await t.user('boss@b.test', { role: 'tenant-admin' });
  alice = await t.user('alice@a.test');
});
after(async () => {
  await t.stop();
  await dns.close();
});

const as = (token: string) => ({
  get: (path: string) => call(t.url, 'GET', path, { token }),
  put: (path: string, body: unknown) => call(t.url, 'PUT', path, { token, body }),
  post: (path: string, body: unknown) => call(t.url, 'POST', path, { token, body }),
  del: (path: string) => call(t.url, 'DELETE', path, { token }),
});

test('a tenant admin lists, sets and removes domains and the default, in their own tenant only', async () => {
  const a = as(aAdmin.token);
  const set = await a.put('/api/v1/admin/federation/domains/Partner.test', { level: 'trusted' });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(
    { ...(set.body as object), updatedAt: undefined },
    { domain: 'partner.test', level: 'trusted', listed: true, updatedAt: undefined },
  );
  assert.equal((await a.put('/api/v1/admin/federation/default', { level: 'business' })).status, 200);
  const trust = await a.get('/api/v1/admin/federation/domains');
  assert.equal(trust.status, 200);
  const body = trust.body as { tenant: string; defaultLevel: string; domains: { domain: string; level: string }[] };
  assert.deepEqual(
    [body.tenant, body.defaultLevel, body.domains.map((d) => `${d.domain}=${d.level}`)],
    ['a.test', 'business', ['partner.test=trusted']],
  );
  const unlisted = await a.get('/api/v1/admin/federation/domains/other.test');
  assert.deepEqual(unlisted.body, { domain: 'other.test', level: 'business', listed: false, updatedAt: null });
  // Tenant B sees nothing of it, and cannot name tenant A.
  const b = as(bAdmin.token);
  assert.deepEqual((await b.get('/api/v1/admin/federation/domains')).body, {
    tenant: 'b.test',
    defaultLevel: 'public',
    domains: [],
  });
  assertError(await b.get('/api/v1/admin/federation/domains?tenant=a.test'), 404, 'PARLEY_ERR_NOT_FOUND');
  assertError(
    await b.put('/api/v1/admin/federation/domains/partner.test?tenant=a.test', { level: 'blocked' }),
    404,
    'PARLEY_ERR_NOT_FOUND',
  );
  assertError(await b.del('/api/v1/admin/federation/domains/partner.test'), 404, 'PARLEY_ERR_NOT_FOUND');
  assertError(await as(alice.token).get('/api/v1/admin/federation/domains'), 403, 'PARLEY_ERR_FORBIDDEN');
  assert.equal(await t.core.federation.trustOf(aAdmin.tenantId, 'partner.test'), 'trusted');
  assert.equal((await a.del('/api/v1/admin/federation/domains/partner.test')).status, 204);
  assert.equal(await t.core.federation.trustOf(aAdmin.tenantId, 'partner.test'), 'business');
});

test('refusals carry codes: a bad level or name (400), a domain served here (409)', async () => {
  const a = as(aAdmin.token);
  assertError(
    await a.put('/api/v1/admin/federation/domains/x.test', { level: 'friendly' }),
    400,
    'PARLEY_ERR_VALIDATION',
  );
  assertError(
    await a.put('/api/v1/admin/federation/domains/not_a_domain', { level: 'public' }),
    400,
    'PARLEY_ERR_VALIDATION',
  );
  assertError(await a.put('/api/v1/admin/federation/domains/b.test', { level: 'trusted' }), 409, 'PARLEY_ERR_CONFLICT');
});

test('a system admin acts on any tenant with ?tenant=', async () => {
  const sys = as(root.token);
  const set = await sys.put('/api/v1/admin/federation/domains/spam.test?tenant=b.test', { level: 'blocked' });
  assert.equal(set.status, 200, set.text);
  assert.equal(await t.core.federation.trustOf(bAdmin.tenantId, 'spam.test'), 'blocked');
  const trust = await sys.get('/api/v1/admin/federation/domains?tenant=b.test');
  assert.equal((trust.body as { tenant: string }).tenant, 'b.test');
  assertError(await sys.get('/api/v1/admin/federation/domains?tenant=nobody.test'), 404, 'PARLEY_ERR_NOT_FOUND');
});

test('the check answers with every step', async () => {
  const r = await as(aAdmin.token).post('/api/v1/admin/federation/check', { domain: 'nowhere.test' });
  assert.equal(r.status, 200, r.text);
  const result = r.body as { ok: boolean; steps: { step: string; outcome: string; code: string }[] };
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.steps.map((s) => `${s.step}:${s.outcome}`),
    ['dns:failed', 'tcp:skipped', 'tls:skipped', 'certificate:skipped', 'authentication:skipped', 'ping:skipped'],
  );
  assert.equal(result.steps[0]?.code, 'no-srv-no-address');
});

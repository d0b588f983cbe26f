import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOk, assertOneLineError, canLogin, fileSandbox, tenantsJson, usersJson } from './support/cli.js';

const sb = fileSandbox();

test('tenant add (the real command) creates a tenant that tenant list shows', async () => {
  const r = await sb.spawn(['tenant', 'add', 'acme.test', '--country', 'DE', '--area-code', '711']);
  assertOk(r);
  assert.match(r.stdout, /^tenant acme\.test created \(id [0-9a-f-]{36}\)\n$/);
  assert.ok(existsSync(join(sb.dataDir, 'parley.sqlite')), 'the database is in the data folder');

  const [table, json] = await Promise.all([sb.run(['tenant', 'list']), sb.run(['tenant', 'list', '--json'])]);
  assertOk(table);
  const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
  assert.match(header ?? '', /^DOMAINS\s+NAME\s+COUNTRY\s+AREA\s+USERS\s+ID$/);
  assert.match(row ?? '', /^acme\.test\s+acme\.test\s+DE\s+711\s+0\s+[0-9a-f-]{36}$/);
  assert.deepEqual(rest, []);

  assertOk(json);
  const tenants = tenantsJson(json);
  assert.equal(tenants.length, 1);
  assert.deepEqual(tenants[0]?.domains, ['acme.test']);
  assert.equal(tenants[0]?.country, 'DE');
  assert.equal(tenants[0]?.areaCode, '711');
  assert.equal(tenants[0]?.users, 0);
});

test('tenant add of a taken or invalid domain, and tenant remove of an unknown one, are one-line errors', async () => {
  const [again, invalid, badCountry, unknown] = await Promise.all([
    sb.run(['tenant', 'add', 'acme.test']),
    sb.run(['tenant', 'add', 'not a domain!']),
    sb.run(['tenant', 'add', 'other.test', '--country', 'Germany']),
    sb.run(['tenant', 'remove', 'nowhere.test', '--yes']),
  ]);
  assertOneLineError(again, /acme\.test.*already/);
  assertOneLineError(invalid, /domain "not a domain!"/);
  assertOneLineError(badCountry, /country "Germany"/);
  assertOneLineError(unknown, /nowhere\.test not found/);
});

test('tenant remove refuses without --yes and removes the tenant with its users with it', async () => {
  const login = () => canLogin({ dataDir: sb.dataDir }, 'bob@acme.test', 'correct horse battery');
  assertOk(await sb.run(['user', 'add', 'bob@acme.test', '--password-stdin'], { input: 'correct horse battery\n' }));
  assert.equal(await login(), true);

  const refused = await sb.run(['tenant', 'remove', 'acme.test']);
  assertOneLineError(refused, /acme\.test has 1 user\(s\).*--yes/);
  assert.equal(await login(), true, 'nothing was removed');

  const removed = await sb.run(['tenant', 'remove', 'acme.test', '--yes']);
  assertOk(removed);
  assert.equal(removed.stdout, 'tenant acme.test removed\n');
  const [tenants, users] = await Promise.all([
    sb.run(['tenant', 'list', '--json']),
    sb.run(['user', 'list', '--json']),
  ]);
  assert.deepEqual(tenantsJson(tenants), []);
  assert.deepEqual(usersJson(users), []);
  assert.equal(await login(), false);
});

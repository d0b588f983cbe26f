import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOk, fileSandbox, tenantsJson } from './support/cli.js';

const sb = fileSandbox();

test('migrate creates and migrates the database, and is idempotent', async () => {
  const first = await sb.run(['migrate']);
  assertOk(first);
  assert.equal(first.stdout, 'database is up to date\n');
  assert.ok(existsSync(join(sb.dataDir, 'parley.sqlite')));
  const second = await sb.run(['migrate']);
  assertOk(second);
  assert.equal(second.stdout, 'database is up to date\n');
});

test('PARLEY_DB=sqlite:PATH puts the database at PATH, not in the data folder', async () => {
  const file = join(sb.root, 'elsewhere', 'nested', 'custom.sqlite');
  const env = { PARLEY_DB: `sqlite:${file}` };
  assertOk(await sb.run(['tenant', 'add', 'db.test'], { env }));
  assert.ok(existsSync(file), `${file} was not created`);
  const [listed, defaultDb, viaFlag] = await Promise.all([
    sb.run(['tenant', 'list', '--json'], { env }),
    sb.run(['tenant', 'list', '--json']),
    sb.run(['tenant', 'list', '--json', '--db', `sqlite:${file}`]),
  ]);
  assert.deepEqual(
    tenantsJson(listed).map((t) => t.domains[0]),
    ['db.test'],
  );
  assert.deepEqual(tenantsJson(defaultDb), [], 'the data folder database must not have the tenant');
  assert.equal(tenantsJson(viaFlag).length, 1, '--db works like PARLEY_DB');
});

test('--data beats PARLEY_DATA, and the default data folder is ./data (of the real command)', async () => {
  const other = join(sb.root, 'other-data');
  const [viaFlag, inCwd] = await Promise.all([
    sb.run(['tenant', 'add', 'flag.test', '--data', other]),
    sb.spawn(['tenant', 'add', 'cwd.test'], { env: { PARLEY_DATA: undefined } }),
  ]);
  assertOk(viaFlag);
  assert.ok(existsSync(join(other, 'parley.sqlite')));
  assertOk(inCwd);
  assert.ok(existsSync(join(sb.cwd, 'data', 'parley.sqlite')), 'default data folder is ./data of the working folder');
  assert.deepEqual(
    tenantsJson(await sb.run(['tenant', 'list', '--json'])).map((t) => t.domains[0]),
    [],
    'PARLEY_DATA folder untouched',
  );
});

test('an unusable database URL is reported before anything opens', async () => {
  const r = await sb.run(['migrate'], { env: { PARLEY_DB: 'mysql://nope' } });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^parley: invalid configuration/);
  assert.match(r.stderr, /\n {2}database\.url: must start with sqlite:.*\(from PARLEY_DB\)\n$/);
});

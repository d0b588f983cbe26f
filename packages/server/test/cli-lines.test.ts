import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Line } from '@parley/api';
import { assertOk, assertOneLineError, fileSandbox } from './support/cli.js';

const sb = fileSandbox();
before(async () => {
  assertOk(await sb.run(['tenant', 'add', 'acme.test', '--country', 'DE', '--area-code', '711']));
  assertOk(await sb.run(['tenant', 'add', 'other.test']));
  for (const address of ['alice@acme.test', 'bob@acme.test', 'eve@other.test']) {
    assertOk(await sb.run(['user', 'add', address]));
  }
});

test('line add, list (one tenant or all, as text and as the API JSON), remove', async () => {
  const added = await sb.run(['line', 'add', '201', '--user', 'alice@acme.test', '--did', '0711 12345-201', '--json']);
  assertOk(added);
  const line = JSON.parse(added.stdout) as Line;
  assert.deepEqual(
    { number: line.number, did: line.did, user: line.user },
    { number: '201', did: '+4971112345201', user: 'alice@acme.test' },
  );
  const plain = await sb.run(['line', 'add', '202', '--user', 'bob@acme.test']);
  assertOk(plain);
  assert.equal(plain.stdout, 'line 202 added for bob@acme.test\n');
  assertOk(await sb.run(['line', 'add', '201', '--user', 'eve@other.test']));

  const [one, all, json] = await Promise.all([
    sb.run(['line', 'list', 'acme.test']),
    sb.run(['line', 'list']),
    sb.run(['line', 'list', 'acme.test', '--json']),
  ]);
  assertOk(one);
  assert.match(
    one.stdout,
    /^NUMBER\s+DID\s+USER\s+PICKUP GROUP\n201\s+\+4971112345201\s+alice@acme\.test\s+-\n202\s+-\s+bob@acme\.test\s+-\n$/,
  );
  assertOk(all);
  assert.match(all.stdout, /eve@other\.test/);
  assertOk(json);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { lines: Line[] }).lines.map((l) => [l.number, l.did, l.user]),
    [
      ['201', '+4971112345201', 'alice@acme.test'],
      ['202', null, 'bob@acme.test'],
    ],
  );

  const removed = await sb.run(['line', 'remove', '202', '--tenant', 'acme.test']);
  assertOk(removed);
  assert.equal(removed.stdout, 'line 202 of acme.test removed\n');
  assert.doesNotMatch((await sb.run(['line', 'list', 'acme.test'])).stdout, /bob/);
  assert.match(
    (await sb.run(['line', 'list', 'other.test'])).stdout,
    /201\s+-\s+eve@other\.test/,
    'the other 201 stays',
  );
});

test('line pickup-group puts a line in a group and --none takes it out; add --pickup-group too', async () => {
  assertOk(await sb.run(['line', 'add', '220', '--user', 'alice@acme.test', '--pickup-group', 'sales']));
  const put = await sb.run(['line', 'pickup-group', '201', 'sales', '--tenant', 'acme.test']);
  assertOk(put);
  assert.equal(put.stdout, 'line 201 of acme.test is in pickup group sales\n');
  assert.match((await sb.run(['line', 'list', 'acme.test'])).stdout, /201\s+\S+\s+alice@acme\.test\s+sales\n/);
  const out = await sb.run(['line', 'pickup-group', '220', '--none', '--tenant', 'acme.test']);
  assertOk(out);
  assert.equal(out.stdout, 'line 220 of acme.test is in no pickup group\n');
  const json = await sb.run(['line', 'list', 'acme.test', '--json']);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { lines: Line[] }).lines.flatMap((l) =>
      l.pickupGroup ? [[l.number, l.pickupGroup]] : [],
    ),
    [['201', 'sales']],
  );
  assertOneLineError(await sb.run(['line', 'pickup-group', '201', 'a b', '--tenant', 'acme.test']), /group/);
  assertOneLineError(await sb.run(['line', 'pickup-group', '201', '--tenant', 'acme.test']), /--none/);
  assertOneLineError(await sb.run(['line', 'pickup-group', '299', 'sales', '--tenant', 'acme.test']), /line 299/);
});

test('device add --line binds the device to one of the user’s lines and prints it once with the secret', async () => {
  assertOk(await sb.run(['line', 'add', '210', '--user', 'bob@acme.test']));
  const added = await sb.run(['device', 'add', 'bob@acme.test', '--line', '210', '--name', 'Desk', '--json']);
  assertOk(added);
  const secret = JSON.parse(added.stdout) as Record<string, string>;
  assert.deepEqual(Object.keys(secret), ['aor', 'username', 'password', 'realm', 'line']);
  assert.deepEqual(
    { aor: secret.aor, realm: secret.realm, line: secret.line },
    { aor: 'sip:bob@acme.test', realm: 'acme.test', line: '210' },
  );
  const list = await sb.run(['device', 'list', 'bob@acme.test']);
  assert.match(list.stdout, new RegExp(`Desk\\s+${secret.username}\\s+acme\\.test\\s+210\\s`));
  const rotated = await sb.run(['device', 'rotate', 'bob@acme.test', secret.username ?? '', '--json']);
  assert.equal((JSON.parse(rotated.stdout) as { line: string }).line, '210');
});

test('bad numbers, clashes, unknown users, tenants and lines are one-line errors (in-process and the real command)', async () => {
  // One after another: each in-process run opens the SQLite file on this one thread.
  const cases: [string[], RegExp][] = [
    [['line', 'add', '201', '--user', 'bob@acme.test'], /extension 201 is taken/],
    [
      ['line', 'add', '299', '--user', 'bob@acme.test', '--did', '+4971112345201'],
      /\+4971112345201 is the DID of line 201/,
    ],
    [['line', 'add', '2x', '--user', 'bob@acme.test'], /number "2x": must be an extension/],
    [['line', 'add', '0711', '--user', 'bob@acme.test'], /trunk prefix 0/],
    [['line', 'add', '299', '--user', 'nobody@acme.test'], /no user nobody@acme\.test/],
    [['line', 'remove', '299', '--tenant', 'acme.test'], /line 299 not found/],
    [['device', 'add', 'bob@acme.test', '--line', '201'], /line 201 is not a line of bob@acme\.test/],
  ];
  for (const [args, message] of cases) assertOneLineError(await sb.run(args), message);
  // The real command, once.
  assertOneLineError(await sb.spawn(['line', 'remove', '201', '--tenant', 'nowhere.test']), /domain nowhere\.test/);
});

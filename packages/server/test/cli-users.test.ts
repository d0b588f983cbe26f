import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { assertOk, assertOneLineError, canLogin, fileSandbox, usersJson } from './support/cli.js';

const sb = fileSandbox();
before(async () => {
  assertOk(await sb.run(['tenant', 'add', 'acme.test']));
});
const login = (address: string, password: string) => canLogin({ dataDir: sb.dataDir }, address, password);

test('user add --password-stdin takes the password from standard input (the real command)', async () => {
  const r = await sb.spawn(['user', 'add', 'bob@acme.test', '--role', 'tenant-admin', '--password-stdin'], {
    input: 'correct horse battery\n',
  });
  assertOk(r);
  assert.equal(r.stdout, 'user bob@acme.test created (tenant-admin)\n');
  assert.equal(await login('bob@acme.test', 'correct horse battery'), true);
  assert.equal(await login('bob@acme.test', 'correct horse battery\n'), false, 'one final newline is stripped');
});

test('user add without --password-stdin prints a generated password once; user list shows users', async () => {
  const r = await sb.run(['user', 'add', 'carol@acme.test', '--name', 'Carol Clark']);
  assertOk(r);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'user carol@acme.test created (user)');
  assert.equal(lines.length, 2);
  const password = /^password: (\S{8,})$/.exec(lines[1] ?? '')?.[1];
  assert.ok(password, r.stdout);
  assert.equal(await login('carol@acme.test', password), true);

  const [list, json] = await Promise.all([sb.run(['user', 'list']), sb.run(['user', 'list', 'acme.test', '--json'])]);
  assertOk(list);
  assert.ok(!list.stdout.includes(password), 'user list must not show passwords');
  const [header, ...rows] = list.stdout.trimEnd().split('\n');
  assert.match(header ?? '', /^ADDRESS\s+NAME\s+ROLE\s+NUMBERS\s+STATE$/);
  assert.deepEqual(
    rows.map((row) => row.split(/\s{2,}/)[0]),
    ['bob@acme.test', 'carol@acme.test'],
  );
  assert.match(rows[1] ?? '', /^carol@acme\.test\s+Carol Clark\s+user\s+active$/);

  assertOk(json);
  assert.deepEqual(
    usersJson(json).map((u) => [`${u.local}@${u.domain}`, u.role]),
    [
      ['bob@acme.test', 'tenant-admin'],
      ['carol@acme.test', 'user'],
    ],
  );
  assert.ok(!json.stdout.includes(password) && !/hash/i.test(json.stdout), 'no credential material in JSON');
});

test('user add of an existing user, to an unknown domain or with a bad address is a one-line error', async () => {
  const [dup, unknownDomain, badAddress] = await Promise.all([
    sb.run(['user', 'add', 'carol@acme.test']),
    sb.run(['user', 'add', 'dave@nowhere.test']),
    sb.run(['user', 'add', 'no-at-sign']),
  ]);
  assertOneLineError(dup, /carol@acme\.test already exists/);
  assertOneLineError(unknownDomain, /nowhere\.test/);
  assertOneLineError(badAddress, /user "no-at-sign"/);
});

test('user passwd sets a generated or a given password', async () => {
  const generated = await sb.run(['user', 'passwd', 'bob@acme.test']);
  assertOk(generated);
  const password = /\npassword: (\S{8,})\n$/.exec(generated.stdout)?.[1];
  assert.ok(password, generated.stdout);
  assert.equal(await login('bob@acme.test', 'correct horse battery'), false);
  assert.equal(await login('bob@acme.test', password), true);

  const given = await sb.run(['user', 'passwd', 'bob@acme.test', '--password-stdin'], { input: 'a new secret 42\n' });
  assertOk(given);
  assert.doesNotMatch(given.stdout, /password:/);
  assert.equal(await login('bob@acme.test', 'a new secret 42'), true);
  assert.equal(await login('bob@acme.test', password), false);
});

test('a too short password is refused without echoing it', async () => {
  const r = await sb.run(['user', 'passwd', 'bob@acme.test', '--password-stdin'], { input: 'Xy7$q\n' });
  assertOneLineError(r, /at least 8 characters/);
  assert.ok(!r.stderr.includes('Xy7$q'), `the password leaked into the error: ${r.stderr}`);
  assert.equal(await login('bob@acme.test', 'a new secret 42'), true);
});

test('unknown users and domains are one-line errors with exit 1', async () => {
  const [passwd, list] = await Promise.all([
    sb.run(['user', 'passwd', 'nobody@acme.test']),
    sb.run(['user', 'list', 'nowhere.test']),
  ]);
  assertOneLineError(passwd, /no user nobody@acme\.test/);
  assertOneLineError(list, /nowhere\.test not found/);
});

test('user remove removes the user; removing it again is an error', async () => {
  const r = await sb.run(['user', 'remove', 'carol@acme.test']);
  assertOk(r);
  assert.equal(r.stdout, 'user carol@acme.test removed\n');
  const [list, again] = await Promise.all([
    sb.run(['user', 'list', '--json']),
    sb.run(['user', 'remove', 'carol@acme.test']),
  ]);
  assert.deepEqual(
    usersJson(list).map((u) => u.local),
    ['bob'],
  );
  assertOneLineError(again, /no user carol@acme\.test/);
  assert.equal(await login('bob@acme.test', 'a new secret 42'), true, 'other users are untouched');
});

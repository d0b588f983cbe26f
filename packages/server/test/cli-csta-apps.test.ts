import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { assertOk, assertOneLineError, fileSandbox, startServe } from './support/cli.js';
import { CstaClient, startSession } from './support/csta.js';

const sb = fileSandbox();
before(async () => {
  assertOk(await sb.run(['tenant', 'add', 'acme.test']));
  assertOk(await sb.run(['user', 'add', 'bob@acme.test', '--password-stdin'], { input: 'bobs login password\n' }));
});

test('csta-app add prints the credentials once; list never shows the secret; the application signs in to `parley serve --csta-port 0`', async () => {
  const added = await sb.run(['csta-app', 'add', 'crm', '--tenant', 'acme.test', '--json']);
  assertOk(added);
  const credentials = JSON.parse(added.stdout) as { userName: string; password: string };
  assert.equal(credentials.userName, 'crm@acme.test');
  assert.match(credentials.password, /^[A-Za-z0-9]{24}$/);

  const [list, json] = await Promise.all([
    sb.run(['csta-app', 'list', '--tenant', 'acme.test']),
    sb.run(['csta-app', 'list', '--tenant', 'acme.test', '--json']),
  ]);
  assertOk(list);
  assert.match(list.stdout, /^NAME\s+USERNAME\s+CREATED\ncrm\s+crm@acme\.test\s+\d{4}-/);
  assertOk(json);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { apps: { userName: string }[] }).apps.map((a) => a.userName),
    ['crm@acme.test'],
  );
  for (const out of [list.stdout, json.stdout]) assert.ok(!out.includes(credentials.password), 'no secret');

  const serve = startServe(['--http-port', '0', '--csta-port', '0', '--no-sip'], {
    cwd: sb.cwd,
    env: { PARLEY_DATA: sb.dataDir },
  });
  const listening = await serve.waitFor((r) => r.listener === 'csta');
  const port = listening.port as number;
  assert.ok(port > 0, 'port 0 picked a free port and logged it');
  const client = await CstaClient.open(port, 'header');
  const started = await client.ask(startSession(credentials.userName, credentials.password));
  assert.equal(started.root.name, 'StartApplicationSessionPosResponse', started.xml);
  client.close();
  assert.equal((await serve.stop()).code, 0);

  const removed = await sb.run(['csta-app', 'remove', 'crm', '--tenant', 'acme.test']);
  assertOk(removed);
  assert.equal(removed.stdout, 'application crm of acme.test removed\n');
  assert.doesNotMatch((await sb.run(['csta-app', 'list', '--tenant', 'acme.test'])).stdout, /crm/);
});

test('csta-app errors are one line: a user’s name, a bad name, an unknown tenant or account', async () => {
  const [user, bad, tenant, missing] = await Promise.all([
    sb.run(['csta-app', 'add', 'bob', '--tenant', 'acme.test']),
    sb.run(['csta-app', 'add', 'Not Valid', '--tenant', 'acme.test']),
    sb.spawn(['csta-app', 'list', '--tenant', 'nowhere.test']),
    sb.run(['csta-app', 'remove', 'nosuch', '--tenant', 'acme.test']),
  ]);
  assertOneLineError(user, /bob is a user's name/);
  assertOneLineError(bad, /name/);
  assertOneLineError(tenant, /nowhere\.test|not found/);
  assertOneLineError(missing, /application nosuch not found/);
});

test('serve --no-csta opens no CSTA listener', async () => {
  const serve = startServe(['--http-port', '0', '--no-csta', '--no-sip'], {
    cwd: sb.cwd,
    env: { PARLEY_DATA: sb.dataDir },
  });
  await serve.waitFor((r) => r.listener === 'http');
  assert.equal((await serve.stop()).code, 0);
  // Every line of the run is read once it has exited.
  assert.deepEqual(
    serve.records.filter((r) => typeof r.listener === 'string' && r.listener.startsWith('csta')),
    [],
  );
});

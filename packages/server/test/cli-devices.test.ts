import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import pino from 'pino';
import { sipHa1 } from '../src/core/users/credentials.js';
import { closeCore, openCore } from '../src/create-server.js';
import { loadConfig } from '../src/platform/config/load.js';
import { assertOk, assertOneLineError, fileSandbox } from './support/cli.js';

const sb = fileSandbox();
before(async () => {
  assertOk(await sb.run(['tenant', 'add', 'acme.test']));
  assertOk(await sb.run(['user', 'add', 'bob@acme.test', '--password-stdin'], { input: 'bobs login password\n' }));
});

/** The stored digests of a device, read through the core on the sandbox's data folder. */
async function storedHa1(username: string): Promise<string | undefined> {
  const config = loadConfig({ env: {}, overrides: { dataDir: sb.dataDir, 'log.level': 'silent' } });
  const core = await openCore({ config, log: pino({ level: 'silent' }) });
  try {
    const tenant = await core.tenants.byDomain('acme.test');
    return (await core.devices.credentialsFor(tenant.id, username))?.ha1Md5;
  } finally {
    await closeCore(core);
  }
}

test('device add prints the generated secret once; list never shows it; rotate and remove', async () => {
  const added = await sb.run(['device', 'add', 'bob@acme.test', '--name', 'Desk phone', '--json']);
  assertOk(added);
  const secret = JSON.parse(added.stdout) as {
    aor: string;
    username: string;
    password: string;
    realm: string;
    line: string | null;
  };
  assert.deepEqual(Object.keys(secret), ['aor', 'username', 'password', 'realm', 'line']);
  assert.equal(secret.line, null, "rings for all of the user's lines");
  assert.equal(secret.aor, 'sip:bob@acme.test');
  assert.equal(secret.realm, 'acme.test');
  assert.match(secret.username, /^bob-[a-z0-9]{6}$/);
  assert.match(secret.password, /^[A-Za-z0-9]{24}$/);
  assert.equal(await storedHa1(secret.username), sipHa1('md5', secret.username, 'acme.test', secret.password));
  assert.notEqual(secret.password, 'bobs login password');

  const [list, json] = await Promise.all([
    sb.run(['device', 'list', 'bob@acme.test']),
    sb.run(['device', 'list', 'bob@acme.test', '--json']),
  ]);
  assertOk(list);
  assert.match(list.stdout, /^NAME\s+USERNAME\s+REALM\s+LINE\s+CREATED\s+ROTATED\s+ID\n/);
  assert.match(list.stdout, new RegExp(`Desk phone\\s+${secret.username}\\s+acme\\.test\\s+all`));
  assertOk(json);
  const { devices } = JSON.parse(json.stdout) as { devices: { username: string }[] };
  assert.deepEqual(
    devices.map((d) => d.username),
    [secret.username],
  );
  for (const out of [list.stdout, json.stdout]) {
    assert.ok(!out.includes(secret.password) && !/ha1|hash/i.test(out), 'no secret material');
  }

  const rotated = await sb.run(['device', 'rotate', 'bob@acme.test', secret.username]);
  assertOk(rotated);
  const password = /^password: (\S+)$/m.exec(rotated.stdout)?.[1];
  assert.ok(password && password !== secret.password, rotated.stdout);
  assert.equal(await storedHa1(secret.username), sipHa1('md5', secret.username, 'acme.test', password));

  const removed = await sb.run(['device', 'remove', 'bob@acme.test', secret.username]);
  assertOk(removed);
  assert.equal(removed.stdout, `device ${secret.username} of bob@acme.test removed\n`);
  assert.equal(await storedHa1(secret.username), undefined);
});

test('device commands on an unknown user or device are one-line errors (the real command, and in-process)', async () => {
  const [nobody, noDevice] = await Promise.all([
    sb.spawn(['device', 'add', 'nobody@acme.test']),
    sb.run(['device', 'rotate', 'bob@acme.test', 'bob-nosuch']),
  ]);
  assertOneLineError(nobody, /no user nobody@acme\.test/);
  assertOneLineError(noDevice, /device bob-nosuch of bob@acme\.test not found/);
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { assertOk, assertOneLineError, fileSandbox } from './support/cli.js';

const sb = fileSandbox();
before(async () => {
  assertOk(await sb.run(['tenant', 'add', 'acme.test']));
});

test('trunk add reads the password from standard input; list never shows it; remove', async () => {
  const added = await sb.run(
    [
      'trunk',
      'add',
      'itsp',
      '--tenant',
      'acme.test',
      '--host',
      '93.184.216.34',
      '--username',
      'acme-1',
      '--password-stdin',
      '--number-format',
      'national',
      '--inbound',
      '93.184.216.0/24',
      '--json',
    ],
    { input: 'trunk password 1\n' },
  );
  assertOk(added);
  const trunk = JSON.parse(added.stdout) as {
    name: string;
    port: number;
    hasPassword: boolean;
    inboundSources: string[];
  };
  assert.deepEqual(
    [trunk.name, trunk.port, trunk.hasPassword, trunk.inboundSources],
    ['itsp', 5060, true, ['93.184.216.0/24']],
  );
  const [list, json] = await Promise.all([
    sb.run(['trunk', 'list', '--tenant', 'acme.test']),
    sb.run(['trunk', 'list', '--tenant', 'acme.test', '--json']),
  ]);
  assertOk(list);
  assert.match(
    list.stdout,
    /^NAME\s+HOST\s+PORT\s+TRANSPORT\s+USER\s+FORMAT\nitsp\s+93\.184\.216\.34\s+5060\s+udp\s+acme-1\s+national\n/,
  );
  assertOk(json);
  for (const out of [added.stdout, list.stdout, json.stdout])
    assert.ok(!out.includes('trunk password 1'), 'no password');
  const removed = await sb.run(['trunk', 'remove', 'itsp', '--tenant', 'acme.test']);
  assertOk(removed);
  assert.equal(removed.stdout, 'trunk itsp of acme.test removed\n');
});

test('trunk errors are one line: a loopback host (the outbound policy), a bad transport, an unknown trunk', async () => {
  const [loopback, transport, missing] = await Promise.all([
    sb.run(['trunk', 'add', 'local', '--tenant', 'acme.test', '--host', '127.0.0.1']),
    sb.run(['trunk', 'add', 'x', '--tenant', 'acme.test', '--host', '93.184.216.34', '--transport', 'sctp']),
    sb.run(['trunk', 'remove', 'nosuch', '--tenant', 'acme.test']),
  ]);
  assertOneLineError(loopback, /host: refused: 127\.0\.0\.1 is a loopback address/);
  assertOneLineError(transport, /transport/);
  assertOneLineError(missing, /trunk nosuch not found/);
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileSandbox } from './support/cli.js';

const sb = fileSandbox();

test('--help of the program and of commands prints usage and exits 0; --version the version', async () => {
  const cases: [string[], RegExp][] = [
    [['--help'], /^Usage: parley \[options\] \[command\]/],
    [['tenant', '--help'], /^Usage: parley tenant [\s\S]*\n {2}add [\s\S]*\n {2}list [\s\S]*\n {2}remove /],
    [['user', 'add', '--help'], /^Usage: parley user add \[options\] <address>[\s\S]*--password-stdin/],
    [['config', 'check', '--help'], /^Usage: parley config check \[options\] <file>/],
    [['serve', '--help'], /^Usage: parley serve [\s\S]*--http-port/],
    [['--version'], /^\d+\.\d+\.\d+\n$/],
  ];
  const results = await Promise.all(cases.map(([args]) => sb.run(args)));
  results.forEach((r, i) => {
    const [args, pattern] = cases[i] as [string[], RegExp];
    assert.equal(r.code, 0, `parley ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stdout, pattern, `parley ${args.join(' ')}`);
    assert.equal(r.stderr, '');
  });
  for (const command of ['serve', 'migrate', 'config', 'tenant', 'user']) {
    assert.match(results[0]?.stdout ?? '', new RegExp(`\\n  ${command}\\b`), command);
  }
  assert.equal(existsSync(sb.dataDir), false, 'help must not create the data folder');
});

test('usage errors exit non-zero with a hint (the real command, and in-process)', async () => {
  const [unknown, badRole] = await Promise.all([
    sb.spawn(['frobnicate']),
    sb.run(['user', 'add', 'x@acme.test', '--role', 'king']),
  ]);
  for (const r of [unknown, badRole]) {
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--help/);
  }
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  assert.match(badRole.stderr, /tenant-admin/);
  assert.equal(existsSync(sb.dataDir), false);
});

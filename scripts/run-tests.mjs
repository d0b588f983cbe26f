#!/usr/bin/env node
// Runs node's own test runner (through tsx) over one suite:
//   unit     every *.test.ts under packages/*/src and packages/*/test, except test/interop
//   interop  packages/*/test/interop/**/*.test.ts (real peers; see scripts/setup-interop.sh)
//   all      both, in one run (what .ci/run uses, so one summary counts everything)
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern=login).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [suite = 'unit', ...extra] = process.argv.slice(2);
if (!['unit', 'interop', 'all'].includes(suite)) {
  console.error(`usage: run-tests.mjs unit|interop|all [node --test options]`);
  process.exit(2);
}

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const interop = (f) => f.split(sep).includes('interop');
const files = walk(join(root, 'packages'))
  .filter((f) => suite === 'all' || (suite === 'interop' ? interop(f) : !interop(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files for suite "${suite}"`);
  process.exit(1);
}
// The bound on one test and on one file in all: interop files start several real servers
// (three nodes and HAProxy, two nodes and Kamailio …), which two at a time on a busy 2-core
// machine took over 120 s, so suites with them get 300 s.
const timeoutMs = suite === 'unit' ? 120_000 : 300_000;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeoutMs}`, ...extra, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);

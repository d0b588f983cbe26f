import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configurationMarkdown } from '../src/platform/config/docs.js';
import { ConfigError, configLeaves, envName, loadConfig } from '../src/platform/config/load.js';
import { clusterEnabled } from '../src/platform/config/schema.js';
import { freePort, isListening, killChildren, runCli, startServe, tempDir } from './support/cli.js';

let dir: string;
before(() => {
  dir = tempDir('parley-config-');
});
after(() => {
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` to a new file in the temp folder and returns its path. */
let files = 0;
function yamlFile(text: string): string {
  const file = join(dir, `config-${++files}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

const INVALID = `# several problems at once
dataDir: 42
http:
  port: "eighty"
  bogus: true
log:
  level: loud
auth:
  scryptCost: 1000
  throttle:
    maxFailures: 0
    nope: 1
extra: 1
`;
const INVALID_PATHS = [
  'dataDir',
  'http.port',
  'http.bogus',
  'log.level',
  'auth.scryptCost',
  'auth.throttle.maxFailures',
  'auth.throttle.nope',
  'extra',
];

describe('loadConfig', () => {
  test('defaults', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.http.host, '127.0.0.1');
    assert.equal(c.http.port, 8080);
    assert.equal(c.log.level, 'info');
    assert.equal(c.log.format, 'auto');
    assert.equal(c.database.url, undefined);
    assert.equal(c.bootstrap.demoTenant, true);
    assert.equal(c.auth.throttle.maxFailures, 5);
    assert.equal(c.dataDir, resolve('data'), 'the relative default is made absolute');
  });

  test('defaults < file < environment < flags, setting by setting', () => {
    const file = yamlFile(
      'dataDir: /from/file\nhttp:\n  port: 1111\n  host: 0.0.0.0\nlog:\n  level: debug\nauth:\n  throttle:\n    maxFailures: 7\n',
    );
    const fileOnly = loadConfig({ file, env: {} });
    assert.equal(fileOnly.http.port, 1111);
    assert.equal(fileOnly.http.host, '0.0.0.0');
    assert.equal(fileOnly.http.bodyLimit, 1024 * 1024, 'siblings keep their defaults');
    assert.equal(fileOnly.auth.throttle.maxFailures, 7);
    assert.equal(fileOnly.auth.throttle.windowSeconds, 900);
    assert.equal(fileOnly.dataDir, '/from/file');

    const env = { PARLEY_HTTP_PORT: '2222', PARLEY_LOG_LEVEL: 'warn', PARLEY_AUTH_THROTTLE_MAX_FAILURES: '9' };
    const withEnv = loadConfig({ file, env });
    assert.equal(withEnv.http.port, 2222);
    assert.equal(withEnv.http.host, '0.0.0.0', 'what the environment does not set stays from the file');
    assert.equal(withEnv.log.level, 'warn');
    assert.equal(withEnv.auth.throttle.maxFailures, 9);

    const withFlags = loadConfig({ file, env, overrides: { 'http.port': 3333, 'log.level': undefined } });
    assert.equal(withFlags.http.port, 3333);
    assert.equal(withFlags.log.level, 'warn', 'an undefined flag does not override');
  });

  test('PARLEY_CONFIG names the file when none is given', () => {
    const file = yamlFile('http:\n  port: 4444\n');
    assert.equal(loadConfig({ env: { PARLEY_CONFIG: file } }).http.port, 4444);
    assert.equal(loadConfig({ file: yamlFile('{}\n'), env: { PARLEY_CONFIG: file } }).http.port, 8080);
  });

  test('environment names, aliases and value coercion', () => {
    const c = loadConfig({
      env: {
        PARLEY_DATA: 'rel/data',
        PARLEY_DB: 'sqlite:/tmp/x.sqlite',
        PARLEY_BOOTSTRAP_DEMO_TENANT: 'false',
        PARLEY_HTTP_TRUST_PROXY: 'yes',
        PARLEY_AUTH_THROTTLE_BASE_DELAY_SECONDS: '0.5',
      },
    });
    assert.equal(c.dataDir, resolve('rel/data'));
    assert.equal(c.database.url, 'sqlite:/tmp/x.sqlite');
    assert.equal(c.bootstrap.demoTenant, false);
    assert.equal(c.http.trustProxy, true);
    assert.equal(c.auth.throttle.baseDelaySeconds, 0.5);
    assert.equal(loadConfig({ env: { PARLEY_DATA_DIR: '/long/name' } }).dataDir, '/long/name');
    assert.equal(envName(['auth', 'throttle', 'maxFailures']), 'PARLEY_AUTH_THROTTLE_MAX_FAILURES');
    const names = configLeaves().map((l) => l.env);
    assert.equal(new Set(names).size, names.length, 'environment names are unique');
    assert.ok(names.includes('PARLEY_HTTP_PORT'));
  });

  test('an invalid file reports every problem with its dotted path', () => {
    const err = configError(() => loadConfig({ file: yamlFile(INVALID), env: {} }));
    assert.deepEqual(err.issues.map((i) => i.path).sort(), [...INVALID_PATHS].sort());
    assert.match(err.issues.find((i) => i.path === 'http.bogus')?.message ?? '', /unknown key/);
    assert.match(err.message, /^invalid configuration \(.*config-\d+\.yaml\):\n/);
  });

  test('invalid environment values name their variable; the environment can fix the file', () => {
    const err = configError(() => loadConfig({ env: { PARLEY_HTTP_PORT: 'abc', PARLEY_LOG_LEVEL: 'loud' } }));
    assert.deepEqual(err.issues.map((i) => i.path).sort(), ['http.port', 'log.level']);
    assert.match(err.message, /http\.port: .*\(from PARLEY_HTTP_PORT\)/);
    assert.match(err.message, /log\.level: .*\(from PARLEY_LOG_LEVEL\)/);
    const file = yamlFile('http:\n  port: -1\n');
    assert.equal(loadConfig({ file, env: { PARLEY_HTTP_PORT: '5' } }).http.port, 5);
  });

  test('YAML syntax errors, unreadable files and non-mappings are reported with a place', () => {
    const syntax = configError(() => loadConfig({ file: yamlFile('http:\n  port: 8080\n  host: [oops\nlog: {}\n') }));
    assert.ok(syntax.issues.length > 0);
    for (const issue of syntax.issues) {
      assert.match(issue.path, /^line \d+, column \d+$/);
      assert.doesNotMatch(issue.message, /at line/, 'the place is given once, as the path');
    }
    assert.match(syntax.issues[0]?.path ?? '', /^line [34],/);
    const dup = configError(() => loadConfig({ file: yamlFile('http:\n  port: 1\n  port: 2\n'), env: {} }));
    assert.equal(dup.issues[0]?.path, 'line 3, column 3');
    const missing = configError(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }));
    assert.match(missing.message, /cannot read: ENOENT/);
    const list = configError(() => loadConfig({ file: yamlFile('- a\n- b\n'), env: {} }));
    assert.match(list.message, /must be a mapping/);
    assert.equal(loadConfig({ file: yamlFile(''), env: {} }).http.port, 8080, 'an empty file is all defaults');
  });
});

test('outbound.allow: a comma-separated list in the environment; a wrong entry is named', () => {
  const env = { PARLEY_OUTBOUND_ALLOW: '10.1.0.0/16, crm.corp,*.intra.example,::1' };
  assert.deepEqual(loadConfig({ env }).outbound.allow, ['10.1.0.0/16', 'crm.corp', '*.intra.example', '::1']);
  const err = configError(() => loadConfig({ env: { PARLEY_OUTBOUND_ALLOW: 'crm.corp,10.0.0.0/33' } }));
  assert.deepEqual(
    err.issues.map((i) => i.path),
    ['outbound.allow.1'],
  );
  assert.match(err.message, /"10\.0\.0\.0\/33" is no valid address or CIDR range/);
});

test('cluster mode: PARLEY_NATS turns it on; it needs PostgreSQL and NATS', () => {
  const pg = 'postgres://root@127.0.0.1:5432/parley';
  const on = loadConfig({ env: { PARLEY_NATS: 'nats://127.0.0.1:4222', PARLEY_DB: pg, PARLEY_NODE_ID: 'n1' } });
  assert.equal(clusterEnabled(on), true);
  assert.equal(on.cluster.nodeId, 'n1');
  assert.equal(clusterEnabled(loadConfig({ env: {} })), false, 'one node by default');

  const sqlite = configError(() => loadConfig({ env: { PARLEY_NATS: 'nats://127.0.0.1:4222' } }));
  assert.deepEqual(
    sqlite.issues.map((i) => i.path),
    ['cluster.enabled'],
  );
  assert.match(sqlite.message, /needs PostgreSQL/);
  const noNats = configError(() => loadConfig({ env: { PARLEY_CLUSTER_ENABLED: 'true', PARLEY_DB: pg } }));
  assert.deepEqual(
    noNats.issues.map((i) => i.path),
    ['cluster.nats.url'],
  );
  const badUrl = configError(() => loadConfig({ env: { PARLEY_NATS: 'http://x', PARLEY_DB: pg } }));
  assert.ok(badUrl.issues.some((i) => i.path === 'cluster.nats.url'));
});

test('docs/configuration.md is what `npm run docs:config` generates', () => {
  const committed = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, configurationMarkdown(), 'docs/configuration.md is stale: run `npm run docs:config`');
  for (const leaf of configLeaves()) assert.ok(committed.includes(`\`${leaf.path.join('.')}\``), leaf.path.join('.'));
});

describe('parley config', () => {
  test('config check prints ok for a valid file and lists every problem of an invalid one', async () => {
    const good = yamlFile('http:\n  port: 9000\nlog:\n  level: debug\n');
    const bad = yamlFile(INVALID);
    const broken = yamlFile('log:\n  level: info\nhttp:\n  port: 80\n   host: x\n');
    const [ok, invalid, syntax] = await Promise.all([
      runCli(['config', 'check', good]),
      runCli(['config', 'check', bad], { env: { PARLEY_AUTH_SCRYPT_COST: undefined } }),
      runCli(['config', 'check', broken]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `${good}: ok\n`);
    assert.equal(ok.stderr, '');

    assert.equal(invalid.code, 1);
    assert.equal(invalid.stdout, '');
    const lines = invalid.stderr.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^parley: invalid configuration \(.*\):$/);
    assert.deepEqual(
      lines
        .slice(1)
        .map((l) => /^ {2}(\S+): /.exec(l)?.[1])
        .sort(),
      [...INVALID_PATHS].sort(),
    );

    assert.equal(syntax.code, 1);
    assert.equal(syntax.stdout, '');
    assert.match(syntax.stderr, /\n {2}line 4, column \d+: /);
  });

  test('config check and show apply the environment', async () => {
    const good = yamlFile('http:\n  port: 9000\n');
    const [checked, shown] = await Promise.all([
      runCli(['config', 'check', good], { env: { PARLEY_HTTP_PORT: 'ninety' } }),
      runCli(['config', 'show', '--config', good], { env: { PARLEY_HTTP_HOST: '::1' } }),
    ]);
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, /http\.port: .*PARLEY_HTTP_PORT/);
    assert.equal(shown.code, 0, shown.stderr);
    const config = JSON.parse(shown.stdout);
    assert.equal(config.http.port, 9000);
    assert.equal(config.http.host, '::1');
  });
});

describe('parley serve and its configuration', () => {
  const busy: Server[] = [];
  after(() => {
    for (const s of busy) s.close();
  });
  /** A port we hold open, so a server told to use it fails with EADDRINUSE. */
  const busyPort = () =>
    new Promise<number>((done, fail) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        busy.push(s);
        const a = s.address();
        done(typeof a === 'object' && a ? a.port : 0);
      });
      s.once('error', fail);
    });

  test('serve --config BAD exits non-zero before it opens any port or database', async () => {
    const port = await freePort();
    const dataDir = join(dir, 'never-created');
    const bad = yamlFile(
      `dataDir: ${dataDir}\nhttp:\n  port: ${port}\n  bodyLimit: lots\nlog:\n  level: shouting\nbootstrap:\n  extra: 1\n`,
    );
    const serve = startServe(['--config', bad]);
    let listened = false;
    let running = true;
    void serve.exited.then(() => {
      running = false;
    });
    const deadline = Date.now() + 60_000;
    while (running && Date.now() < deadline) {
      if (await isListening(port)) listened = true;
      await new Promise((r) => setTimeout(r, 25));
    }
    const exit = await serve.wait(60_000);
    assert.equal(exit.code, 1, serve.stderr());
    assert.equal(listened, false, 'the configured port was opened');
    assert.equal(serve.stdout(), '', 'nothing is logged (nothing started)');
    const lines = serve.stderr().trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^parley: invalid configuration/);
    assert.deepEqual(
      lines.slice(1).map((l) => /^ {2}(\S+): /.exec(l)?.[1]),
      ['log.level', 'http.bodyLimit', 'bootstrap.extra'],
    );
    assert.equal(existsSync(dataDir), false, 'no data folder or database was created');
    assert.equal(await isListening(port), false);
  });

  test('flags beat the environment, which beats the file, which beats the defaults', async () => {
    const [filePort, envPort] = await Promise.all([busyPort(), busyPort()]);
    const dataDir = join(dir, 'precedence');
    const file = yamlFile(
      `dataDir: ${dataDir}\nhttp:\n  port: ${filePort}\nlog:\n  level: silent\nbootstrap:\n  demoTenant: false\n`,
    );
    // The file's and the environment's ports are taken: only the flag's port 0 can work.
    const serve = startServe(['--config', file, '--http-port', '0'], {
      env: { PARLEY_HTTP_PORT: String(envPort), PARLEY_LOG_LEVEL: 'info' },
    });
    try {
      const listening = await serve.waitFor((r) => r.listener === 'http' && typeof r.url === 'string', 60_000);
      assert.notEqual(listening.port, filePort);
      assert.notEqual(listening.port, envPort);
      assert.ok(existsSync(join(dataDir, 'parley.sqlite')), 'dataDir came from the file');
      assert.ok(!serve.stdout().includes('initialPassword'), 'bootstrap.demoTenant: false came from the file');
      const res = await fetch(`${listening.url}/healthz`);
      assert.equal(res.status, 200);
    } finally {
      const exit = await serve.stop('SIGTERM');
      assert.equal(exit.code, 0, serve.stderr());
    }
  });
});

test('sip.media.portRange: FIRST-LAST from the environment; a wrong range is named', () => {
  assert.deepEqual(loadConfig({ env: {} }).sip.media.portRange, { first: 20000, last: 20999 });
  const env = { PARLEY_SIP_MEDIA_PORT_RANGE: '30000-30099' };
  assert.deepEqual(loadConfig({ env }).sip.media.portRange, { first: 30000, last: 30099 });
  for (const range of ['30000', '500-600', '30000-30000', '40000-70000']) {
    const err = configError(() => loadConfig({ env: { PARLEY_SIP_MEDIA_PORT_RANGE: range } }));
    assert.match(err.message, /sip\.media\.portRange/, range);
  }
});

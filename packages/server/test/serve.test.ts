import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  isListening,
  killChildren,
  type LogRecord,
  type ServeProcess,
  startServe,
  tempDir,
  waitForHttp,
} from './support/cli.js';

const DEMO = ['alice@example.test', 'bob@example.test', 'carol@example.test', 'admin@example.test'];

let root: string;
let dataDir: string;
let cwd: string;
before(() => {
  root = tempDir('parley-serve-');
  dataDir = join(root, 'data');
  cwd = root;
});
after(() => {
  killChildren();
  rmSync(root, { recursive: true, force: true });
});

/** `parley serve --http-port 0` on the shared data folder; resolves once it logged its URL. */
async function start(): Promise<{ serve: ServeProcess; url: string; port: number }> {
  const serve = startServe(['--http-port', '0'], { cwd, env: { PARLEY_DATA: dataDir } });
  const listening = await serve.waitFor((r) => r.listener === 'http' && /^listening on /.test(r.msg ?? ''), 60_000);
  const { url, port } = listening as LogRecord & { url: string; port: number };
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(port > 0, 'port 0 became a real port');
  assert.equal(url, `http://127.0.0.1:${port}`);
  assert.ok(listening.msg?.includes(url), 'the message itself shows the URL');
  await waitForHttp(`${url}/healthz`);
  return { serve, url, port };
}

async function login(url: string, user: string, password: string) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  return { status: res.status, body: (await res.json()) as { token?: string; user?: { address: string } } };
}

async function me(url: string, token: string) {
  const res = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { address?: string; role?: string } };
}

/** Stops with `signal` and asserts a clean exit. */
async function stopGracefully(serve: ServeProcess, port: number, signal: NodeJS.Signals) {
  const exit = await serve.stop(signal);
  assert.deepEqual(exit, { code: 0, signal: null }, `exit after ${signal}\n${serve.stderr()}`);
  assert.equal(serve.stderr(), '');
  for (const line of serve.stdout().split('\n').filter(Boolean)) JSON.parse(line); // JSON only: not a terminal
  const msgs = serve.records.map((r) => r.msg);
  assert.ok(msgs.includes('signal received'), msgs.join('\n'));
  assert.equal(msgs.at(-1), 'stopped', `${msgs.join('\n')}\nstderr: ${serve.stderr()}`);
  assert.equal(await isListening(port), false, 'the port is closed after the exit');
}

let passwords: Map<string, string>;
let aliceToken: string;

test('first start: demo accounts with their passwords are logged, the API and web page answer', async () => {
  const { serve, url, port } = await start();
  try {
    // Not a terminal: every stdout line is a JSON log record (waitFor fails on any other line).
    assert.ok(serve.records.length > 0);
    assert.ok(existsSync(join(dataDir, 'parley.sqlite')));
    const demo = serve.records.filter((r) => typeof r.initialPassword === 'string');
    assert.deepEqual(demo.map((r) => r.user).sort(), [...DEMO].sort());
    assert.equal(demo.find((r) => r.user === 'admin@example.test')?.role, 'system-admin');
    assert.equal(demo.find((r) => r.user === 'alice@example.test')?.role, 'user');
    passwords = new Map(demo.map((r) => [r.user as string, r.initialPassword as string]));
    for (const p of passwords.values()) assert.ok(p.length >= 8);
    assert.equal(new Set(passwords.values()).size, 4, 'every account has its own password');

    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();

    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /<title>Parley<\/title>/);

    const alice = await login(url, 'alice@example.test', passwords.get('alice@example.test') ?? '');
    assert.equal(alice.status, 200, JSON.stringify(alice.body));
    assert.equal(alice.body.user?.address, 'alice@example.test');
    aliceToken = alice.body.token ?? '';
    assert.match(aliceToken, /^prl_/);
    assert.deepEqual(await me(url, aliceToken).then((r) => [r.status, r.body.address]), [200, 'alice@example.test']);

    const admin = await login(url, 'admin@example.test', passwords.get('admin@example.test') ?? '');
    assert.equal(admin.status, 200);
    assert.equal((await me(url, admin.body.token ?? '')).body.role, 'system-admin');

    const wrong = await login(url, 'bob@example.test', passwords.get('alice@example.test') ?? '');
    assert.equal(wrong.status, 401);

    // The passwords are only in the dedicated demo records, nowhere else in the log.
    const out = serve.stdout();
    for (const p of passwords.values()) assert.equal(out.split(p).length - 1, 1, 'a password was logged twice');
  } finally {
    await stopGracefully(serve, port, 'SIGTERM');
  }
});

test('second start on the same data folder: no new passwords, everything kept', async () => {
  assert.ok(passwords, 'needs the first start');
  const { serve, url, port } = await start();
  try {
    assert.equal(serve.records.filter((r) => 'initialPassword' in r).length, 0);
    const out = serve.stdout();
    for (const p of passwords.values()) assert.ok(!out.includes(p), 'an old password was logged again');
    assert.ok(!out.includes('database migrated'), 'nothing left to migrate');

    const session = await me(url, aliceToken);
    assert.equal(session.status, 200, 'the session from before the restart is still valid');
    assert.equal(session.body.address, 'alice@example.test');
    const alice = await login(url, 'alice@example.test', passwords.get('alice@example.test') ?? '');
    assert.equal(alice.status, 200, 'the first password still works');
    const carol = await login(url, 'carol@example.test', passwords.get('carol@example.test') ?? '');
    assert.equal(carol.status, 200);
  } finally {
    await stopGracefully(serve, port, 'SIGINT');
  }
});

test('a port already in use is a one-line error and a non-zero exit', async () => {
  const { serve: first, port } = await start();
  try {
    const second = startServe(['--http-port', String(port)], { cwd, env: { PARLEY_DATA: dataDir } });
    const exit = await second.wait(60_000);
    assert.equal(exit.code, 1, second.stderr());
    assert.match(
      second.stderr(),
      /^parley: error: http\.port \d+ on 127\.0\.0\.1 is already in use \(EADDRINUSE\); set PARLEY_HTTP_PORT or http\.port to another port\n$/,
    );
    assert.equal(second.records.filter((r) => /^listening/.test(r.msg ?? '')).length, 0);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'the first server is unharmed');

    // A first start that cannot bind must not use up the one-time demo passwords.
    const fresh = join(root, 'fresh-data');
    const third = startServe(['--http-port', String(port)], { cwd, env: { PARLEY_DATA: fresh } });
    assert.equal((await third.wait(60_000)).code, 1, third.stderr());
    assert.equal(third.records.filter((r) => 'initialPassword' in r).length, 0, 'no password shown');
    const retry = startServe(['--http-port', '0'], { cwd, env: { PARLEY_DATA: fresh } });
    try {
      await retry.waitFor((r) => /^listening/.test(r.msg ?? ''), 60_000);
      await retry.waitFor((r) => r.user === 'admin@example.test' && 'initialPassword' in r, 10_000);
    } finally {
      await retry.stop('SIGTERM');
    }
  } finally {
    await stopGracefully(first, port, 'SIGTERM');
  }
});

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnCli, tempDir } from './support/cli.js';
import { startTestServer } from './support/server.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Asserts that group and others have no access at all. */
function assertPrivate(path: string, expected: number) {
  assert.equal(modeOf(path).toString(8), expected.toString(8), `${path} has mode ${modeOf(path).toString(8)}`);
}

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

test('a server on a fresh folder keeps its database, secrets key and attachments private (0700/0600)', async () => {
  // The test runner's umask is the usual 022: what is private here is so by explicit modes.
  const t = await startTestServer({ 'outbound.allow': ['127.0.0.0/8', '::1'] });
  try {
    const alice = await t.user('alice@example.test');
    await t.user('bob@example.test');
    // A CalDAV password is sealed with the secrets key, which creates the key file.
    await alice.api.request('me.calendar.put', {
      body: { type: 'caldav', url: 'http://127.0.0.1:1/dav/alice/', username: 'alice', password: 'p4ss-word' },
    });
    const c = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const res = await fetch(new URL(`/api/v1/conversations/${c.id}/attachments?name=a.txt`, t.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' },
      body: 'private notes',
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { id } = (await res.json()) as { id: string };

    assertPrivate(t.dataDir, 0o700);
    const db = join(t.dataDir, 'parley.sqlite');
    assertPrivate(db, 0o600);
    assert.ok(existsSync(`${db}-wal`), 'SQLite runs in WAL mode');
    assertPrivate(`${db}-wal`, 0o600);
    if (existsSync(`${db}-shm`)) assertPrivate(`${db}-shm`, 0o600);
    assertPrivate(join(t.dataDir, 'secrets.key'), 0o600);
    assertPrivate(join(t.dataDir, 'attachments'), 0o700);
    assertPrivate(join(t.dataDir, 'attachments', alice.tenantId), 0o700);
    assertPrivate(join(t.dataDir, 'attachments', alice.tenantId, id), 0o600);
  } finally {
    await t.stop();
  }
});

test('the CLI creates a private data folder and tightens one that others could read', async () => {
  const root = tempDir('parley-modes-');
  roots.push(root);
  const fresh = join(root, 'fresh');
  // The real command: the umask it sets is the process's.
  const r = await spawnCli(['migrate'], { env: { PARLEY_DATA: fresh } });
  assert.equal(r.code, 0, r.stderr);
  assertPrivate(fresh, 0o700);
  assertPrivate(join(fresh, 'parley.sqlite'), 0o600);

  // A folder left open by an older version (or a careless copy) is tightened, with a log line.
  const open = join(root, 'open');
  mkdirSync(open);
  chmodSync(open, 0o755);
  writeFileSync(join(open, 'parley.sqlite'), '');
  chmodSync(join(open, 'parley.sqlite'), 0o644);
  const again = await spawnCli(['migrate'], { env: { PARLEY_DATA: open } });
  assert.equal(again.code, 0, again.stderr);
  assertPrivate(open, 0o700);
  assertPrivate(join(open, 'parley.sqlite'), 0o600);
  assert.match(again.stderr, /data folder was open to other users; tightened/);
  assert.match(again.stderr, /database file was readable by others; tightened/);
});

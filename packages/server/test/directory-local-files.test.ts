// Local files and databases as directory sources: system administrators only, only inside
// directory.localFolders, never Parley's own data.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DirectorySource } from '@parley/api';
import { assertError, call, sleep } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

type Client = Awaited<ReturnType<TestServer['user']>>;

const SECRET = 'TOPSECRET-KEY-MATERIAL-4711';

/** Waits until a sync started over the API has ended; returns the source. */
async function synced(as: Client, id: string): Promise<DirectorySource> {
  for (let i = 0; ; i++) {
    const s = await as.api.request('admin.directory.sources.get', { params: { id } });
    if (s.state !== 'syncing') return s;
    assert.ok(i < 600, 'the sync did not end');
    await sleep(50);
  }
}

const create = (t: TestServer, as: Client, body: Record<string, unknown>) =>
  call(t.url, 'POST', '/api/v1/admin/directory/sources', { token: as.token, body });

const sqlite = (name: string, file: string) => ({
  name,
  kind: 'sql' as const,
  config: { url: `sqlite:${file}`, query: 'select id, name from people', mapping: { id: 'id', name: 'name' } },
});

describe('directory sources on local files and databases', () => {
  const outside = mkdtempSync(join(tmpdir(), 'parley-local-'));
  const listed = join(outside, 'phonebooks');
  let t: TestServer;
  let admin: Client;
  let root: Client;

  before(async () => {
    mkdirSync(listed);
    writeFileSync(join(listed, 'book.csv'), 'Name;Telefon\nLokal Lutz;+49 40 7654321\n');
    writeFileSync(join(listed, 'secret.csv'), `${SECRET}\n`);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(listed, 'crm.db'));
    db.exec("create table people (id integer primary key, name text); insert into people values (1, 'Sqlite Sam')");
    db.close();
    t = await startTestServer({ 'directory.localFolders': [listed], 'outbound.allow': ['127.0.0.0/8', '::1'] });
    admin = await t.user('admin@local.test', { role: 'tenant-admin' });
    root = await t.user('root@local.test', { role: 'system-admin' });
    // The sealing key exists once a secret was sealed.
    await admin.api.request('admin.directory.sources.create', {
      body: {
        name: 'sealed',
        kind: 'http',
        config: { url: 'https://crm.example/x', mapping: { id: 'id' } },
        secret: 'x',
      },
    });
  });
  after(async () => {
    await t.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  test("a tenant admin cannot point a source at the server's files: 403, nothing created or read", async () => {
    const attacks = [
      sqlite('db', join(t.dataDir, 'parley.sqlite')),
      sqlite('db-listed', join(listed, 'crm.db')),
      { name: 'key', kind: 'file', config: { path: join(t.dataDir, 'secrets.key') } },
      { name: 'env', kind: 'file', config: { path: '/proc/self/environ' } },
      { name: 'listed', kind: 'file', config: { path: join(listed, 'secret.csv') } },
    ];
    for (const body of attacks) {
      const res = await create(t, admin, body);
      const error = assertError(res, 403, 'PARLEY_ERR_FORBIDDEN');
      assert.match(error.message, /system administrators; upload the file instead/);
    }
    const names = (await admin.api.request('admin.directory.sources.list', {})).sources.map((s) => s.name);
    assert.deepEqual(names, ['sealed']);
    // Nor by changing a source it has.
    const book = await admin.api.request('admin.directory.sources.create', {
      body: { name: 'book', kind: 'file', config: {} },
    });
    const patched = await call(t.url, 'PATCH', `/api/v1/admin/directory/sources/${book.id}`, {
      token: admin.token,
      body: { config: { path: join(t.dataDir, 'secrets.key') } },
    });
    assertError(patched, 403, 'PARLEY_ERR_FORBIDDEN');
  });

  test('a system admin reads files and SQLite databases inside a listed folder', async () => {
    const file = await root.api.request('admin.directory.sources.create', {
      body: { name: 'lokal', kind: 'file', config: { path: join(listed, 'book.csv') } },
    });
    await root.api.request('admin.directory.sources.sync', { params: { id: file.id }, body: {} });
    assert.equal((await synced(root, file.id)).entries, 1);
    const db = await root.api.request('admin.directory.sources.create', {
      body: sqlite('crm', join(listed, 'crm.db')),
    });
    await root.api.request('admin.directory.sources.sync', { params: { id: db.id }, body: {} });
    const done = await synced(root, db.id);
    assert.equal(done.state, 'ok', done.lastError ?? '');
    assert.equal(done.entries, 1);
    const found = await root.api.request('directory.search', { query: { q: 'sam' } });
    assert.equal(found.candidates[0]?.name, 'Sqlite Sam');

    // A file over the source's maxBytes is refused by its size, before it is read.
    const small = await root.api.request('admin.directory.sources.create', {
      body: { name: 'small', kind: 'file', config: { path: join(listed, 'book.csv'), maxBytes: 10 } },
    });
    await root.api.request('admin.directory.sources.sync', { params: { id: small.id }, body: {} });
    assert.match((await synced(root, small.id)).lastError ?? '', /^the file is \d+ bytes, over the limit of 10 bytes/);

    // A tenant admin may change the rest of such a source, and keep its path.
    const changed = await admin.api.request('admin.directory.sources.update', {
      params: { id: file.id },
      body: { priority: 5, config: { path: join(listed, 'book.csv'), delimiter: ';' } },
    });
    assert.equal(changed.priority, 5);
  });

  test("a system admin cannot reach Parley's own files: not listed, a link into the data folder, /proc", async () => {
    const refused = async (body: Record<string, unknown>, why: RegExp) => {
      const res = await create(t, root, body);
      assert.match(assertError(res, 403, 'PARLEY_ERR_FORBIDDEN').message, why);
    };
    await refused(sqlite('db', join(t.dataDir, 'parley.sqlite')), /Parley's own files/);
    await refused({ name: 'key', kind: 'file', config: { path: join(t.dataDir, 'secrets.key') } }, /own files/);
    await refused({ name: 'env', kind: 'file', config: { path: '/proc/self/environ' } }, /\/proc/);
    writeFileSync(join(outside, 'elsewhere.csv'), 'Name;Telefon\n');
    await refused(
      { name: 'elsewhere', kind: 'file', config: { path: join(outside, 'elsewhere.csv') } },
      /not inside a folder listed in directory\.localFolders/,
    );
    await refused(
      { name: 'dotdot', kind: 'file', config: { path: `${listed}/../elsewhere.csv` } },
      /not inside a folder listed/,
    );
    symlinkSync(t.dataDir, join(listed, 'data'));
    await refused(sqlite('link', join(listed, 'data', 'parley.sqlite')), /own files/);
    symlinkSync(join(t.dataDir, 'secrets.key'), join(listed, 'key.csv'));
    await refused({ name: 'link2', kind: 'file', config: { path: join(listed, 'key.csv') } }, /own files/);
    linkSync(join(t.dataDir, 'parley.sqlite'), join(listed, 'hard.db'));
    await refused(sqlite('hard', join(listed, 'hard.db')), /own files/);
  });

  test('a stored source is checked again at every sync: a file swapped for a link fails, nothing read', async () => {
    writeFileSync(join(listed, 'swap.csv'), 'Name;Telefon\nErst Emil;+49 40 1111111\n');
    const s = await root.api.request('admin.directory.sources.create', {
      body: { name: 'swap', kind: 'file', config: { path: join(listed, 'swap.csv') } },
    });
    unlinkSync(join(listed, 'swap.csv'));
    symlinkSync(join(t.dataDir, 'secrets.key'), join(listed, 'swap.csv'));
    await root.api.request('admin.directory.sources.sync', { params: { id: s.id }, body: {} });
    const failed = await synced(root, s.id);
    assert.equal(failed.state, 'error');
    assert.match(failed.lastError ?? '', /own files/);
    const test = await call(t.url, 'POST', `/api/v1/admin/directory/sources/${s.id}/test`, { token: root.token });
    assertError(test, 400, 'PARLEY_ERR_VALIDATION');
  });

  test('a CSV without a usable header fails without quoting the file', async () => {
    const s = await root.api.request('admin.directory.sources.create', {
      body: { name: 'not-csv', kind: 'file', config: { path: join(listed, 'secret.csv') } },
    });
    const res = await call(t.url, 'POST', `/api/v1/admin/directory/sources/${s.id}/test`, { token: root.token });
    const error = assertError(res, 400, 'PARLEY_ERR_VALIDATION');
    assert.match(error.message, /no name, company or phone column/);
    assert.doesNotMatch(error.message, /TOPSECRET/);
    await root.api.request('admin.directory.sources.sync', { params: { id: s.id }, body: {} });
    const failed = await synced(root, s.id);
    assert.equal(failed.state, 'error');
    assert.doesNotMatch(JSON.stringify(failed), /TOPSECRET/);
  });
});

describe('directory sources without directory.localFolders', () => {
  let t: TestServer;
  const folder = mkdtempSync(join(tmpdir(), 'parley-local-'));
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  test('a system admin is refused too: local files are off', async () => {
    const root = await t.user('root@off.test', { role: 'system-admin' });
    writeFileSync(join(folder, 'book.csv'), 'Name;Telefon\n');
    const res = await create(t, root, { name: 'book', kind: 'file', config: { path: join(folder, 'book.csv') } });
    assert.match(assertError(res, 403, 'PARLEY_ERR_FORBIDDEN').message, /directory\.localFolders/);
  });
});

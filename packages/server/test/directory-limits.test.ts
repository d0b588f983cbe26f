// A tenant's directory source cannot stop the server: a query that runs forever is stopped at its
// time limit while the server goes on answering, a huge answer is cut at the server's cap before
// it fills the memory, and limits above the caps are refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DirectorySource } from '@parley/api';
import { assertError, call, sleep } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

type Client = Awaited<ReturnType<TestServer['user']>>;

const MB = 1024 * 1024;

/** Waits until a sync started over the API has ended (at most `boundMs`); returns the source. */
async function synced(as: Client, id: string, boundMs: number): Promise<DirectorySource> {
  const until = Date.now() + boundMs;
  for (;;) {
    const s = await as.api.request('admin.directory.sources.get', { params: { id } });
    if (s.state !== 'syncing') return s;
    assert.ok(Date.now() < until, `the sync did not end within ${boundMs} ms`);
    await sleep(50);
  }
}

describe('directory limits', () => {
  const folder = mkdtempSync(join(tmpdir(), 'parley-limits-'));
  let t: TestServer;
  let admin: Client;
  let root: Client;
  let crm: Server;
  let crmUrl: string;
  let sent = 0;

  before(async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(folder, 'crm.db'));
    db.exec("create table people (id integer primary key, name text); insert into people values (1, 'A')");
    db.close();
    // 50 MB of JSON, streamed without Content-Length, written only as fast as it is read.
    crm = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.from(`{"id":"x","name":"${'n'.repeat(1000)}"},`);
      let left = 50 * MB;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('{"id":"y"}]');
      };
      res.write('[');
      res.on('close', () => {
        left = 0;
      });
      pump();
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/contacts`;
    t = await startTestServer({
      'directory.localFolders': [folder],
      'directory.limits.maxResponseBytes': MB,
      'directory.limits.maxContacts': 3,
      'outbound.allow': ['127.0.0.0/8', '::1'],
    });
    admin = await t.user('admin@limits.test', { role: 'tenant-admin' });
    root = await t.user('root@limits.test', { role: 'system-admin' });
  });
  after(async () => {
    crm.close();
    crm.closeAllConnections();
    await t.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  test('an SQLite query that never ends is stopped at its time limit; /healthz answers meanwhile', async () => {
    const forever = await root.api.request('admin.directory.sources.create', {
      body: {
        name: 'forever',
        kind: 'sql',
        config: {
          url: `sqlite:${join(folder, 'crm.db')}`,
          query: 'with recursive r(n) as (select 1 union all select n + 1 from r) select n as id from r where n < 0',
          mapping: { id: 'id' },
          timeoutMs: 1000,
        },
      },
    });
    const started = Date.now();
    await root.api.request('admin.directory.sources.sync', { params: { id: forever.id }, body: {} });
    // While SQLite is busy the server answers at once: its event loop is free (before, it hung).
    let done: DirectorySource;
    for (;;) {
      const health = await fetch(new URL('/healthz', t.url), { signal: AbortSignal.timeout(5000) });
      assert.equal(health.status, 200);
      done = await root.api.request('admin.directory.sources.get', { params: { id: forever.id } });
      if (done.state !== 'syncing') break;
      assert.ok(Date.now() - started < 30_000, 'the query was not stopped');
      await sleep(50);
    }
    assert.equal(done.state, 'error');
    assert.match(done.lastError ?? '', /^the query took longer than 1 s and was stopped/);
  });

  test('an answer of 50 MB with the cap at 1 MB fails with "response exceeds", read no further', async () => {
    const source = await admin.api.request('admin.directory.sources.create', {
      body: { name: 'huge', kind: 'http', config: { url: crmUrl, mapping: { id: 'id', name: 'name' } } },
    });
    const before = process.memoryUsage().rss;
    await admin.api.request('admin.directory.sources.sync', { params: { id: source.id }, body: {} });
    const done = await synced(admin, source.id, 30_000);
    const grown = process.memoryUsage().rss - before;
    assert.equal(done.state, 'error');
    assert.match(done.lastError ?? '', /response exceeds 1048576 bytes/);
    assert.ok(grown < 25 * MB, `RSS grew by ${Math.round(grown / MB)} MB`);
    assert.ok(sent < 25 * MB, `the CRM sent ${Math.round(sent / MB)} MB before the sync stopped reading`);
  });

  test('a sync that delivers more than maxContacts fails; nothing beyond is stored', async () => {
    const book = await admin.api.request('admin.directory.sources.create', {
      body: { name: 'book', kind: 'file', config: {} },
    });
    const rows = ['Name;Telefon', ...[1, 2, 3, 4].map((i) => `Person ${i};+49 40 100000${i}`)].join('\n');
    const res = await call(t.url, 'POST', `/api/v1/admin/directory/sources/${book.id}/import`, {
      token: admin.token,
      headers: { 'content-type': 'text/csv' },
      body: rows,
    });
    assert.match(
      assertError(res, 400, 'PARLEY_ERR_VALIDATION').message,
      /more than 3 contacts \(directory\.limits\.maxContacts\)/,
    );
    const after = await admin.api.request('admin.directory.sources.get', { params: { id: book.id } });
    assert.equal(after.state, 'error');
    assert.equal(after.entries, 0);
  });

  test('limits above the server caps are refused at creation, naming the field and the cap', async () => {
    const create = (config: Record<string, unknown>) =>
      call(t.url, 'POST', '/api/v1/admin/directory/sources', {
        token: admin.token,
        body: { name: 'big', kind: 'http', config: { url: crmUrl, mapping: { id: 'id' }, ...config } },
      });
    const bytes = assertError(await create({ maxBytes: 1024 ** 3 }), 400, 'PARLEY_ERR_VALIDATION');
    assert.match(bytes.message, /config\.maxBytes: at most 1048576 \(directory\.limits\.maxResponseBytes/);
    const time = assertError(await create({ timeoutMs: 600_000 }), 400, 'PARLEY_ERR_VALIDATION');
    assert.match(time.message, /config\.timeoutMs: at most 120000 \(directory\.limits\.maxTimeoutSeconds/);
    const file = await call(t.url, 'POST', '/api/v1/admin/directory/sources', {
      token: admin.token,
      body: { name: 'big-file', kind: 'file', config: { maxBytes: 1024 ** 3 } },
    });
    assert.match(assertError(file, 400, 'PARLEY_ERR_VALIDATION').message, /directory\.limits\.maxFileBytes/);
  });
});

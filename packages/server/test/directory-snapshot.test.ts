// The directory index kept on disk between runs (src/directory/snapshot.ts): a restart loads it
// instead of building the index, a source synced while the server was down is reloaded after, and
// a snapshot that is damaged or of another numbering plan is not used (logged) but rebuilt.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@parley/api';
import pino from 'pino';
import { closeCore, createServer, openCore } from '../src/create-server.js';
import { snapshotFile } from '../src/directory/snapshot.js';
import { sleep } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

/** A logger whose messages (with their fields) the test reads. */
function capturingLog() {
  const lines: { msg: string; reason?: string; changed?: number }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines, saw: (msg: string) => lines.filter((l) => l.msg === msg) };
}

async function until<T>(what: string, fn: () => T | Promise<T>, ms = 60_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    assert.ok(Date.now() < end, `waited ${ms} ms for ${what}`);
    await sleep(50);
  }
}

describe('the directory index snapshot', () => {
  const folder = mkdtempSync(join(tmpdir(), 'parley-snapshot-'));
  const book = join(folder, 'book.csv');
  let t: TestServer;
  let tenantId: string;
  let password: string;

  /** A server on the same data folder as `t`; the lookups of `number` as alice sees them. */
  async function restart(log: pino.Logger) {
    const server = await createServer({ config: t.config, log });
    const { http } = await server.start();
    const api = createClient({ baseUrl: http });
    const { token } = await api.request('auth.login', { body: { user: 'alice@snap.test', password } });
    const names = async (number: string) =>
      (await api.withToken(token).request('directory.lookup', { query: { number } })).candidates.map((c) => c.name);
    return { server, names };
  }

  /** Syncs the book as it is now while no server runs (as a CLI on the same folder would). */
  async function syncWhileDown() {
    const core = await openCore({ config: t.config, log: pino({ level: 'silent' }) });
    try {
      await core.directory.sync.run(tenantId, 'book', { full: true });
    } finally {
      await closeCore(core as Parameters<typeof closeCore>[0]);
    }
  }

  before(async () => {
    writeFileSync(book, 'Name;Telefon\nAnna Alt;+49 711 111111\nBernd Bleibt;+49 711 222222\n');
    t = await startTestServer({ 'directory.localFolders': [folder] });
    const root = await t.user('root@snap.test', { role: 'system-admin' });
    const alice = await t.user('alice@snap.test');
    tenantId = root.tenantId;
    password = alice.password;
    await t.core.directory.sources.create(
      tenantId,
      { name: 'book', kind: 'file', config: { path: book } },
      { role: 'system-admin' },
    );
    await t.core.directory.sync.run(tenantId, 'book', { full: true });
    const found = await t.core.directory.tenant(tenantId).lookup('0711 111111', null);
    assert.equal(found.candidates[0]?.name, 'Anna Alt');
  });
  after(() => t.stop());

  test('a restart answers from the snapshot; a source synced while the server was down is reloaded after', async () => {
    const file = snapshotFile(join(t.dataDir, 'directory-index'), tenantId);
    await until('the snapshot written after the build', () => existsSync(file));
    await t.server.stop();
    writeFileSync(book, 'Name;Telefon\nBernd Bleibt;+49 711 222222\nCarla Neu;+49 711 333333\n');
    await syncWhileDown();

    const { log, saw } = capturingLog();
    const { server, names } = await restart(log);
    try {
      assert.deepEqual(await names('0711 222222'), ['Bernd Bleibt']);
      const [loaded] = saw('directory index loaded from its snapshot');
      assert.equal(loaded?.changed, 1, 'the book changed while the server was down');
      assert.equal(saw('directory index built').length, 0, 'not built from the store');
      await until('the book reloaded', () => saw('directory index up to date').length > 0);
      assert.deepEqual(await names('0711 333333'), ['Carla Neu']);
      assert.deepEqual(await names('0711 111111'), [], 'gone from the book while the server was down');
    } finally {
      await server.stop();
    }
  });

  test('a damaged snapshot is not used: logged, and the index is built from the store', async () => {
    const file = snapshotFile(join(t.dataDir, 'directory-index'), tenantId);
    const before = statSync(file).mtimeMs;
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    writeFileSync(file, bytes);
    const { log, saw } = capturingLog();
    const { server, names } = await restart(log);
    try {
      assert.deepEqual(await names('0711 333333'), ['Carla Neu']);
      assert.deepEqual(
        saw('directory index snapshot not used; building the index').map((l) => l.reason),
        ['checksum mismatch'],
      );
      assert.equal(saw('directory index built').length, 1);
      // Written again from the index just built.
      await until(
        'a new snapshot',
        () => statSync(file).mtimeMs > before && saw('directory index snapshot written').length > 0,
      );
    } finally {
      await server.stop();
    }
  });

  test('a snapshot of another numbering plan is not used', async () => {
    const core = await openCore({ config: t.config, log: pino({ level: 'silent' }) });
    try {
      await core.tenants.update(tenantId, { areaCode: '30' });
    } finally {
      await closeCore(core as Parameters<typeof closeCore>[0]);
    }
    const { log, saw } = capturingLog();
    const { server, names } = await restart(log);
    try {
      assert.deepEqual(await names('+49 711 222222'), ['Bernd Bleibt']);
      assert.deepEqual(
        saw('directory index snapshot not used; building the index').map((l) => l.reason),
        ['another numbering plan'],
      );
    } finally {
      await server.stop();
    }
  });
});

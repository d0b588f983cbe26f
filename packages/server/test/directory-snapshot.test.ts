// The directory index kept on disk between runs (src/directory/snapshot.ts): a restart loads it
// instead of building the index, a source synced while the server was down is reloaded after, and
// a snapshot that is damaged or of another numbering plan is not used (logged) but rebuilt.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@parley/api';
import pino from 'pino';
import { closeCore, createServer, openCore } from '../src/create-server.js';
import { SNAPSHOT_VERSION, snapshotFile } from '../src/directory/snapshot.js';
import { sleep } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

/** A logger whose messages (with their fields) the test reads. */
function capturingLog() {
  const lines: { msg: string; reason?: string; changed?: number }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines, saw: (msg: string) => lines.filter((l) => l.msg === msg) };
}

/** What tells a file written again from the same one: its inode and modification time. */
const fileId = (file: string) => {
  const { ino, mtimeMs } = statSync(file);
  return { ino, mtimeMs };
};

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

  /** Runs `fn` on the core of the data folder while no server runs (as a CLI on the same folder would). */
  async function whileDown(fn: (core: Awaited<ReturnType<typeof openCore>>) => Promise<unknown>) {
    const core = await openCore({ config: t.config, log: pino({ level: 'silent' }) });
    try {
      await fn(core);
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

  test('a source is reloaded a page at a time, with turns of the event loop between (requests are served meanwhile)', async () => {
    const { id } = await t.core.directory.sources.get(tenantId, 'book');
    const reloaded = t.core.directory.tenant(tenantId).reload(id);
    let done = false;
    void reloaded.then(() => {
      done = true;
    });
    const turn = await new Promise<boolean>((resolve) => setImmediate(() => resolve(done)));
    await reloaded;
    assert.equal(turn, false, 'the event loop turned before the reload ended');
  });

  test('a restart answers from the snapshot; a source synced while the server was down is reloaded after', async () => {
    const file = snapshotFile(join(t.dataDir, 'directory-index'), tenantId);
    await until('the snapshot written after the build', () => existsSync(file));
    const written = fileId(file);
    await t.server.stop();
    writeFileSync(book, 'Name;Telefon\nBernd Bleibt;+49 711 222222\nCarla Neu;+49 711 333333\n');
    await whileDown((core) => core.directory.sync.run(tenantId, 'book', { full: true }));

    const { log, saw } = capturingLog();
    const { server, names } = await restart(log);
    try {
      assert.deepEqual(await names('0711 222222'), ['Bernd Bleibt']);
      const [loaded] = saw('directory index loaded from its snapshot');
      assert.equal(loaded?.changed, 1, 'the book changed while the server was down');
      assert.equal(saw('directory index built').length, 0, 'not built from the store');
      const [done] = await until('the book reloaded', () => saw('directory index up to date'));
      assert.equal(done?.changed, 1, 'the book changed the index, the users did not');
      assert.deepEqual(await names('0711 333333'), ['Carla Neu']);
      assert.deepEqual(await names('0711 111111'), [], 'gone from the book while the server was down');
      // Written at once, not a minute later.
      await until('the snapshot written again', () => saw('directory index snapshot written').length, 30_000);
      assert.notDeepEqual(fileId(file), written, "a new file took the old one's place");
    } finally {
      await server.stop();
    }
  });

  test('a restart with nothing changed while the server was down reloads no contacts into the index and keeps its snapshot', async () => {
    const file = snapshotFile(join(t.dataDir, 'directory-index'), tenantId);
    const kept = fileId(file);
    const { log, saw } = capturingLog();
    const { server, names } = await restart(log);
    try {
      assert.deepEqual(await names('0711 333333'), ['Carla Neu']);
      assert.equal(saw('directory index loaded from its snapshot')[0]?.changed, 0);
      const [done] = await until('the users reloaded', () => saw('directory index up to date'));
      assert.equal(done?.changed, 0, 'the users as they were: the index did not change');
      // The same contacts synced again change nothing either.
      const { id } = await server.core.directory.sources.get(tenantId, 'book');
      await server.core.directory.sync.run(tenantId, id, { full: true });
      assert.equal(await server.core.directory.tenant(tenantId).reload(id), false, 'the index did not change');
      assert.deepEqual(saw('directory index snapshot written'), []);
      assert.deepEqual(fileId(file), kept, 'the snapshot file is the one from before the restart');
      // A change of the book while the server runs reaches the index as before.
      writeFileSync(
        book,
        'Name;Telefon\nBernd Bleibt;+49 711 222222\nCarla Neu;+49 711 333333\nDora Dazu;+49 711 444444\n',
      );
      await server.core.directory.sync.run(tenantId, id, { full: true });
      await until('Dora in the index', async () => (await names('0711 444444')).includes('Dora Dazu'));
    } finally {
      await server.stop();
    }
  });

  test('a source changed while the server was down only in its settings (priority) is not reloaded', async () => {
    const file = snapshotFile(join(t.dataDir, 'directory-index'), tenantId);
    rmSync(file);
    const first = capturingLog();
    const built = await restart(first.log);
    try {
      await until('the snapshot written after the build', () => first.saw('directory index snapshot written').length);
    } finally {
      await built.server.stop();
    }
    await whileDown((core) =>
      core.directory.sources.update(tenantId, 'book', { priority: 5 }, { role: 'system-admin' }),
    );
    const { log, saw } = capturingLog();
    const { server, names } = await restart(log);
    try {
      assert.deepEqual(await names('0711 333333'), ['Carla Neu']);
      assert.equal(saw('directory index loaded from its snapshot')[0]?.changed, 0);
    } finally {
      await server.stop();
    }
  });

  /**
   * The snapshot changed by `mangle` is not used: the restart logs `reason`, builds the index from
   * the store (which answers) and writes a new snapshot.
   */
  async function notUsed(mangle: (bytes: Buffer) => Buffer, reason: string) {
    const file = snapshotFile(join(t.dataDir, 'directory-index'), tenantId);
    const before = statSync(file).mtimeMs;
    writeFileSync(file, mangle(readFileSync(file)));
    const { log, saw } = capturingLog();
    const { server, names } = await restart(log);
    try {
      assert.deepEqual(await names('0711 333333'), ['Carla Neu']);
      assert.deepEqual(
        saw('directory index snapshot not used; building the index').map((l) => l.reason),
        [reason],
      );
      assert.equal(saw('directory index built').length, 1);
      await until(
        'a new snapshot',
        () => statSync(file).mtimeMs > before && saw('directory index snapshot written').length > 0,
      );
    } finally {
      await server.stop();
    }
  }

  test('a snapshot of another format version (the one before) is not used', async () => {
    const older = SNAPSHOT_VERSION - 1;
    assert.equal(String(older).length, String(SNAPSHOT_VERSION).length);
    await notUsed((bytes) => {
      const at = bytes.indexOf(`"version":${SNAPSHOT_VERSION},`);
      assert.ok(at > 0 && at < 64);
      bytes.write(`"version":${older},`, at);
      return bytes;
    }, `version ${older}, not ${SNAPSHOT_VERSION}`);
  });

  test('a snapshot cut short is not used', () => notUsed((bytes) => bytes.subarray(0, bytes.length - 3), 'cut short'));

  test('a damaged snapshot is not used: logged, and the index is built from the store', () =>
    notUsed((bytes) => {
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
      return bytes;
    }, 'checksum mismatch'));

  test('a snapshot of another numbering plan is not used', async () => {
    await whileDown((core) => core.tenants.update(tenantId, { areaCode: '30' }));
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

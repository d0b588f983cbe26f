import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, type DirectorySource, type RouteOutput } from '@parley/api';
import pino from 'pino';
import { createServer } from '../src/create-server.js';
import { planKey } from '../src/directory/service.js';
import { assertError, call, sleep } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

const phonebook = [
  'Name;Firma;E-Mail;Telefon;Mobiltelefon',
  'Anna Berger;Muster GmbH;anna@muster.example;+49 711 123456-12;0151 23456789',
  'Zentrale;Muster GmbH;;+49 711 123456-0;',
  'Kaputt;zu;viele;Felder;hier;ja',
  'Hotline;Service AG;;+49 800 1234567;',
  'Otto Ohne;;;+999 123 4567;',
].join('\r\n');

const crm = ['Name;Firma;E-Mail;Telefon;Position', 'Anna Berger;Muster GmbH;anna@muster.example;;Einkauf'].join('\n');

describe('directory over HTTP: sources, import, reverse lookup, typeahead', () => {
  let t: TestServer;
  /** Listed in directory.localFolders: where a system admin may point file sources. */
  const shared = mkdtempSync(join(tmpdir(), 'parley-shared-'));
  let admin: Awaited<ReturnType<TestServer['user']>>;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  const sources: Record<string, DirectorySource> = {};

  const upload = (id: string, body: string, token = admin.token, type = 'text/csv') =>
    call(t.url, 'POST', `/api/v1/admin/directory/sources/${id}/import`, {
      token,
      headers: { 'content-type': type },
      body,
    });
  const lookup = async (number: string, as = alice) =>
    (await as.api.request('directory.lookup', { query: { number } })) as RouteOutput<'directory.lookup'>;

  before(async () => {
    // The CRM and the LDAP server below listen on loopback, which the outbound policy refuses unless allowed.
    t = await startTestServer({
      'directory.maxUploadMegabytes': 1,
      'directory.localFolders': [shared],
      'outbound.allow': ['127.0.0.0/8', '::1'],
    });
    const tenant = await t.core.tenants.create({
      domain: 'dir.test',
      country: 'DE',
      areaCode: '711',
      numbering: { pbxBase: '+49711999000', extensionLength: { min: 2, max: 4 } },
    });
    admin = await t.user('admin@dir.test', { role: 'tenant-admin' });
    alice = await t.user('alice@dir.test');
    await t.core.users.update(tenant.id, alice.userId, { numbers: ['12'] }, { role: 'tenant-admin' });
    const plan: [string, { priority: number; visibleTo?: { roles: string[] } }][] = [
      ['phonebook', { priority: 10 }],
      ['crm', { priority: 20 }],
      ['board', { priority: 30, visibleTo: { roles: ['tenant-admin'] } }],
    ];
    for (const [name, extra] of plan) {
      sources[name] = await admin.api.request('admin.directory.sources.create', {
        body: { name, kind: 'file', config: {}, ...extra },
      });
    }
  });
  after(async () => {
    await t.stop();
    rmSync(shared, { recursive: true, force: true });
  });

  test('a CSV import takes the good rows, lists the bad ones by line and counts bad numbers', async () => {
    const res = await upload(sources.phonebook?.id as string, phonebook);
    assert.equal(res.status, 200, res.text);
    const body = res.body as {
      summary: { entries: number; invalidNumbers: number };
      skippedRows: { line: number }[];
      source: DirectorySource;
    };
    assert.equal(body.summary.entries, 4);
    assert.deepEqual(
      body.skippedRows.map((r) => r.line),
      [4],
    );
    assert.equal(body.summary.invalidNumbers, 1);
    assert.equal(body.source.state, 'ok');
    assert.equal(body.source.report?.invalidNumbers[0]?.raw, '+999 123 4567');
    assert.equal((await upload(sources.crm?.id as string, crm)).status, 200);
  });

  test('a number cell that is no number is counted and listed by line and column; the row is kept', async () => {
    const scratch = await admin.api.request('admin.directory.sources.create', {
      body: { name: 'unreadable', kind: 'file', config: {} },
    });
    // The column's name and the cell as the file writes them, one with a right-to-left override.
    const file = [
      'Name;Firma;Telefon\u202e;Mobil',
      'Tina Text;Text GmbH;abc-not-a-number;0171 5550001',
      'Nils Nichts;Text GmbH;n/a;-',
      'Rolf Rtl;Text GmbH;\u202eabc;',
    ].join('\n');
    const res = await upload(scratch.id, file);
    assert.equal(res.status, 200, res.text);
    const body = res.body as { summary: { entries: number; invalidNumbers: number }; source: DirectorySource };
    assert.equal(body.summary.entries, 3, 'every row is kept');
    assert.equal(body.summary.invalidNumbers, 2, '"n/a" and "-" say there is no number');
    assert.equal(body.source.invalidNumbers, 2);
    assert.deepEqual(
      body.source.report?.invalidNumbers.map(({ externalId: _, reason, ...where }) => ({
        ...where,
        why: reason !== '',
      })),
      [
        { raw: 'abc-not-a-number', line: 2, field: 'Telefon', why: true },
        { raw: 'abc', line: 4, field: 'Telefon', why: true },
      ],
    );
    const found = (await lookup('0171 5550001', admin)).candidates[0];
    assert.equal(found?.name, 'Tina Text');
    assert.equal(found?.company, 'Text GmbH');
    assert.deepEqual(
      found?.numbers.map((n) => n.raw),
      ['abc-not-a-number', '0171 5550001'],
      'the text is kept as written',
    );
    await admin.api.request('admin.directory.sources.delete', { params: { id: scratch.id } });
  });

  test('reverse lookup: exact, ~company by block and switchboard, prefix, extension, one candidate per person', async () => {
    const anna = await lookup('0711 123456-12');
    assert.equal(anna.number, '+4971112345612');
    assert.equal(anna.display, '0711 12345612', "as people write it: national in the tenant's country");
    assert.equal(anna.candidates.length, 1, JSON.stringify(anna.candidates));
    const [a] = anna.candidates;
    assert.equal(a?.name, 'Anna Berger');
    assert.equal(a?.match, 'exact');
    assert.equal(a?.score, 100);
    assert.equal(a?.title, 'Einkauf', 'the CRM adds what the phone book lacks');
    // The same number as a trunk presents it (E.164, answered without parsing) gives the same.
    assert.deepEqual(await lookup('+4971112345612'), anna);
    assert.deepEqual(await lookup('+49711123456120'), await lookup('0711 123456-120'), 'not stored: parsed');
    assert.deepEqual(a?.sources, ['phonebook', 'crm']);

    const block = await lookup('+49 711 123456-99');
    assert.equal(block.candidates[0]?.display, '~Muster GmbH');
    assert.equal(block.candidates[0]?.match, 'company');
    assert.equal(block.candidates[0]?.uncertain, true);
    const board = await lookup('+49 711 1234561');
    assert.equal(board.candidates[0]?.display, '~Muster GmbH');
    assert.equal(board.candidates[0]?.score, 80);

    const hotline = await lookup('+49 800 123456789');
    assert.equal(hotline.candidates[0]?.match, 'prefix');
    assert.equal(hotline.candidates[0]?.display, '~Service AG');

    const ext = await lookup('12');
    assert.equal(ext.kind, 'extension');
    assert.equal(ext.display, '0711 999000-12', "a direct dial of the tenant's PBX: base and extension apart");
    assert.equal(ext.candidates[0]?.address, 'alice@dir.test');
    assert.equal(ext.candidates[0]?.source, 'users');

    assert.deepEqual((await lookup('+49 30 9876543')).candidates, []);
    const bad = await call(t.url, 'GET', '/api/v1/directory/lookup?number=hello', { token: alice.token });
    assert.match(assertError(bad, 400, 'PARLEY_ERR_VALIDATION').message, /number/);
  });

  test('typeahead over names, companies and number fragments', async () => {
    const names = async (q: string) =>
      (await alice.api.request('directory.search', { query: { q } })).candidates.map((c) => c.display).sort();
    assert.deepEqual(await names('ann'), ['Anna Berger']);
    assert.deepEqual(await names('muster'), ['Anna Berger', 'Zentrale']);
    assert.deepEqual(await names('0711 123456'), ['Anna Berger', 'Zentrale']);
    assert.deepEqual(await names('alice'), ['Alice']);
  });

  test('a source visible to administrators only is not seen by users', async () => {
    await upload(sources.board?.id as string, 'Name;Telefon\nGeheim;+49 711 555555\n');
    assert.deepEqual((await lookup('+49 711 555555')).candidates, []);
    assert.equal((await lookup('+49 711 555555', admin)).candidates[0]?.name, 'Geheim');
    assert.deepEqual((await alice.api.request('directory.search', { query: { q: 'geheim' } })).candidates, []);
  });

  test('a user who changes their numbers is found by the new one at once', async () => {
    await t.core.users.update(admin.tenantId, alice.userId, { numbers: ['+49 711 777777'] }, { role: 'tenant-admin' });
    await sleep(50);
    assert.equal((await lookup('0711 777777')).candidates[0]?.address, 'alice@dir.test');
    assert.deepEqual((await lookup('12')).candidates, []);
  });

  test('secrets are sealed and never returned; bad settings are a 400', async () => {
    const created = await admin.api.request('admin.directory.sources.create', {
      body: {
        name: 'crm-api',
        kind: 'http',
        config: {
          url: 'http://127.0.0.1:1/contacts',
          itemsPath: 'items',
          mapping: { id: 'id', name: 'name', numbers: [] },
        },
        secret: 'Bearer top-secret-token',
      },
    });
    assert.equal(created.hasSecret, true);
    const raw = await call(t.url, 'GET', `/api/v1/admin/directory/sources/${created.id}`, { token: admin.token });
    assert.doesNotMatch(raw.text, /top-secret/);
    const stored = await t.core.directory.sources.get(admin.tenantId, created.id);
    assert.ok(stored?.secretSealed && !stored.secretSealed.includes('top-secret'));
    const bad = await call(t.url, 'POST', '/api/v1/admin/directory/sources', {
      token: admin.token,
      body: { name: 'broken', kind: 'sql', config: { query: 'select 1' } },
    });
    assertError(bad, 400, 'PARLEY_ERR_VALIDATION');
  });

  test('a source that cannot be reached: state error with the message; the last good contacts stay', async () => {
    const down = await admin.api.request('admin.directory.sources.create', {
      body: {
        name: 'ldap-down',
        kind: 'ldap',
        config: { url: 'ldap://127.0.0.1:1', bindDn: 'cn=admin,dc=example,dc=test', baseDn: 'dc=example,dc=test' },
        secret: 'secret',
      },
    });
    const test = await call(t.url, 'POST', `/api/v1/admin/directory/sources/${down.id}/test`, { token: admin.token });
    assert.match(assertError(test, 400, 'PARLEY_ERR_VALIDATION').message, /refused|connect/i);
    const started = await admin.api.request('admin.directory.sources.sync', { params: { id: down.id }, body: {} });
    assert.equal(started.state, 'syncing');
    let state = started;
    for (let i = 0; i < 100 && state.state === 'syncing'; i++) {
      await sleep(50);
      state = await admin.api.request('admin.directory.sources.get', { params: { id: down.id } });
    }
    assert.equal(state.state, 'error');
    assert.match(state.lastError ?? '', /refused|connect/i);
    assert.equal((await lookup('0711 123456-12')).candidates[0]?.name, 'Anna Berger');
  });

  test('uploads: too large is 413, not CSV is 415, users are 403, other file sources only', async () => {
    const id = sources.phonebook?.id as string;
    assertError(await upload(id, 'A'.repeat(1024 * 1024 + 10)), 413, 'PARLEY_ERR_BODY_TOO_LARGE');
    assertError(await upload(id, 'x', admin.token, 'image/png'), 415, 'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE');
    assertError(await upload(id, phonebook, alice.token), 403, 'PARLEY_ERR_FORBIDDEN');
    const list = await call(t.url, 'GET', '/api/v1/admin/directory/sources', { token: alice.token });
    assertError(list, 403, 'PARLEY_ERR_FORBIDDEN');
    assert.equal((await lookup('0711 123456-12')).candidates[0]?.name, 'Anna Berger', 'nothing lost');
  });

  test('a CRM asked live per number; a scheduled file source synced by the schedule', async () => {
    const crmServer = createHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const found =
        req.headers.authorization === 'Bearer crm-token' && url.searchParams.get('phone') === '+49891234567';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: found ? [{ id: 'c1', fullName: 'Live Kunde', phone: '089 1234567' }] : [] }));
    });
    await new Promise<void>((resolve) => crmServer.listen(0, '127.0.0.1', resolve));
    const port = (crmServer.address() as AddressInfo).port;
    try {
      await admin.api.request('admin.directory.sources.create', {
        body: {
          name: 'crm-live',
          kind: 'http',
          config: {
            lookup: { url: `http://127.0.0.1:${port}/contacts?phone={e164}` },
            itemsPath: 'items',
            mapping: { id: 'id', name: 'fullName', numbers: [{ path: 'phone', type: 'work' }] },
          },
          secret: 'Bearer crm-token',
        },
      });
      const live = await lookup('089 1234567');
      assert.equal(live.candidates[0]?.name, 'Live Kunde');
      assert.equal(live.candidates[0]?.source, 'crm-live');
    } finally {
      crmServer.close();
    }

    const file = join(shared, 'lieferanten.csv');
    writeFileSync(file, 'Name;Telefon\nLieferant Lutz;+49 40 7654321\n');
    const root = await t.user('root@dir.test', { role: 'system-admin' });
    const scheduled = await root.api.request('admin.directory.sources.create', {
      body: { name: 'lieferanten', kind: 'file', config: { path: file }, scheduleSeconds: 3600 },
    });
    await t.core.directory.sync.due();
    const synced = await admin.api.request('admin.directory.sources.get', { params: { id: scheduled.id } });
    assert.equal(synced.state, 'ok');
    assert.equal(synced.entries, 1);
    assert.equal((await lookup('040 7654321')).candidates[0]?.name, 'Lieferant Lutz');
    writeFileSync(file, 'Name;Telefon\nLieferant Lutz;+49 40 7654321\nLieferant Lisa;+49 40 1111111\n');
    await t.core.directory.sync.due();
    assert.equal(
      (await admin.api.request('admin.directory.sources.get', { params: { id: scheduled.id } })).entries,
      1,
      'not due again within its schedule',
    );
  });

  test('a changed numbering plan: stored numbers are read again from their text, and the next sync is full', async () => {
    // A tenant set up without its area code: local numbers cannot be understood yet.
    const other = await t.core.tenants.create({ domain: 'plan.test', country: 'DE' });
    const boss = await t.user('boss@plan.test', { role: 'tenant-admin' });
    const root = await t.user('root@plan.test', { role: 'system-admin' });
    const book = await boss.api.request('admin.directory.sources.create', {
      body: { name: 'book', kind: 'file', config: {} },
    });
    const imported = await call(t.url, 'POST', `/api/v1/admin/directory/sources/${book.id}/import`, {
      token: boss.token,
      headers: { 'content-type': 'text/csv' },
      body: 'Name;Telefon\nLokal Lisa;2345 67\nFern Fritz;030 987654\n',
    });
    assert.equal((imported.body as { summary: { invalidNumbers: number } }).summary.invalidNumbers, 1);
    const find = async (number: string) =>
      (await boss.api.request('directory.lookup', { query: { number } })).candidates.map((c) => c.name);
    assert.deepEqual(await find('+49711234567'), []);
    assert.deepEqual(await find('030 987654'), ['Fern Fritz']);

    await root.api.request('admin.tenants.update', { params: { id: other.id }, body: { areaCode: '711' } });
    // The index is built again in the background, Lisa's number now read as Stuttgart's.
    for (let i = 0; ; i++) {
      const names = await find('0711 234567');
      if (names[0] === 'Lokal Lisa') break;
      assert.ok(i < 100, `not found after the plan changed: ${JSON.stringify(names)}`);
      await sleep(50);
    }
    assert.deepEqual(await find('030 987654'), ['Fern Fritz']);
    const stored = await t.core.directory.sources.get(other.id, book.id);
    assert.notEqual(stored?.numbering, planKey(await t.core.directory.tenant(other.id).plan()), 'not synced since');
    // The next sync stores them under the new plan.
    await call(t.url, 'POST', `/api/v1/admin/directory/sources/${book.id}/import`, {
      token: boss.token,
      headers: { 'content-type': 'text/csv' },
      body: 'Name;Telefon\nLokal Lisa;2345 67\nFern Fritz;030 987654\n',
    });
    const synced = await t.core.directory.sources.get(other.id, book.id);
    assert.equal(synced?.numbering, planKey(await t.core.directory.tenant(other.id).plan()));
    assert.equal(synced?.invalidNumbers, 0);
  });

  test('after a restart the index is built from the store, without asking any source', async () => {
    await t.server.stop();
    const again = await createServer({ config: t.config, log: pino({ level: 'silent' }) });
    try {
      const { http } = await again.start();
      const api = createClient({ baseUrl: http });
      const { token } = await api.request('auth.login', { body: { user: 'alice@dir.test', password: alice.password } });
      const found = await api.withToken(token).request('directory.lookup', { query: { number: '0711 123456-12' } });
      assert.equal(found.candidates[0]?.name, 'Anna Berger');
    } finally {
      await again.stop();
    }
  });
});

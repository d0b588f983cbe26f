// The SQL directory source against the PostgreSQL and MariaDB of the interop suite (throwaway
// schema / tables) and an SQLite file: full and incremental syncs of a few thousand rows, the
// checks of test(), clear errors, read-only sessions and abort.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { SourceContact, SyncOutcome } from '../../src/directory/source.js';
import { connect, parseTarget } from '../../src/directory/sql/engines.js';
import { laterCursor, SqlSource, type SqlSourceConfigInput } from '../../src/directory/sql/source.js';
import { bindSince, findPlaceholders, probeStatement, syncStatement } from '../../src/directory/sql/statement.js';
import { OutboundPolicy } from '../../src/platform/outbound.js';
import { directorySourceContract } from '../contract/directory-source.contract.js';
import { postgresAdmin, postgresUrl, requirePeer } from '../support/interop.js';

const mariaHost = process.env.PARLEY_TEST_MARIADB_HOST ?? '127.0.0.1';
/** The database servers listen on loopback (or a host the environment names), which the outbound policy refuses unless allowed. */
const peers = new OutboundPolicy([
  '127.0.0.0/8',
  '::1',
  new URL(postgresUrl).hostname.replace(/^\[(.*)\]$/, '$1'),
  mariaHost,
]);

const ROWS = 5000;
const BATCH = 1000;
const log = pino({ level: 'silent' });
const suffix = () => randomBytes(5).toString('hex');

async function drain(source: SqlSource, cursor: string | null = null, signal = new AbortController().signal) {
  const contacts: SourceContact[] = [];
  const batches: number[] = [];
  let progress = 0;
  const gen = source.sync({ cursor, signal, log, progress: (done) => (progress = done) });
  let step = await gen.next();
  while (!step.done) {
    batches.push(step.value.length);
    contacts.push(...step.value);
    step = await gen.next();
  }
  return { contacts, batches, progress, outcome: step.value as SyncOutcome };
}

/** What a connection test of `query` on the database at `url` fails with. */
const testError = (url: string, query: string) =>
  new SqlSource({ url, query, mapping: { id: 'id' } }, null, peers).test().then(
    () => null,
    (e: Error) => e,
  );

/** How long `slowQuery` keeps the database busy; stopping it must take far less. */
const slowQuerySeconds = 60;
/** What the tests that stop a slow query allow: half of what the query would take, so a busy machine passes. */
const stoppedWithinMs = (slowQuerySeconds * 1000) / 2;

/**
 * The engine's own session, without SqlSource's wait around each step: the database itself must
 * stop the statement at the time limit.
 */
async function stoppedByTheEngine(url: string, password: string | null, sql: string) {
  const started = Date.now();
  const session = await connect(parseTarget(url), password, 1000, peers);
  try {
    const error = await session
      .query({ text: sql, params: [] }, 10)
      .then((rows) => rows.next())
      .then(
        () => null,
        (err: Error) => err,
      );
    assert.ok(error, 'the query was not stopped');
    assert.match(error.message, /^the query took longer than 1 s and was stopped/);
    const ms = Date.now() - started;
    assert.ok(ms < stoppedWithinMs, `stopped after ${ms} ms, not before the query would end`);
  } finally {
    session.destroy();
  }
}

/** What each engine provides to the shared cases. */
interface Fixture {
  url: string;
  password?: string;
  /** The table, qualified as the query needs it. */
  table: string;
  /** Marks rows as changed after the full sync: each gets an updated_at above every other. */
  touch(ids: number[]): Promise<void>;
  /**
   * A query that keeps the database busy for `slowQuerySeconds` before its first row (abort and
   * timeout): far longer than stopping it takes even on a busy machine.
   */
  slowQuery?: string;
  /** A SELECT that writes (the read-only session must refuse it). */
  writingQuery?: string;
  /** What a full sync binds to :since. */
  initial: string;
}

const mapping = {
  id: 'id',
  givenName: 'firstname',
  surname: 'lastname',
  company: 'company',
  email: 'email',
  numbers: [
    { column: 'phone', type: 'work' as const },
    { column: 'mobile', type: 'mobile' as const },
  ],
};

function engineCases(engine: string, fixture: () => Fixture) {
  const config = (over: Partial<SqlSourceConfigInput> = {}): SqlSourceConfigInput => {
    const f = fixture();
    return {
      url: f.url,
      query: `select id, firstname, lastname, company, email, phone, mobile, updated_at from ${f.table}`,
      mapping,
      batchSize: BATCH,
      timeoutMs: 10_000,
      incremental: { column: 'updated_at' },
      ...over,
    };
  };
  const source = (over: Partial<SqlSourceConfigInput> = {}, password = fixture().password ?? null) =>
    new SqlSource(config(over), password, peers);

  let fullCursor: string | null = null;

  test(`${engine}: full sync of ${ROWS} rows in batches`, async (t) => {
    const started = performance.now();
    const { contacts, batches, progress, outcome } = await drain(source());
    const ms = performance.now() - started;
    t.diagnostic(`${engine}: ${ROWS} rows in ${ms.toFixed(0)} ms`);
    assert.equal(contacts.length, ROWS);
    assert.deepEqual(batches, Array(ROWS / BATCH).fill(BATCH));
    assert.equal(progress, ROWS);
    assert.equal(new Set(contacts.map((c) => c.externalId)).size, ROWS);
    const c = contacts.find((x) => x.externalId === '42');
    assert.deepEqual(c, {
      externalId: '42',
      name: 'Given42 Sur42',
      givenName: 'Given42',
      surname: 'Sur42',
      company: 'Company 2',
      department: null,
      title: null,
      email: 'p42@example.com',
      numbers: [
        { type: 'work', raw: '+49 711 100042' },
        { type: 'mobile', raw: '0170 200042' },
      ],
      url: null,
    });
    // Every tenth row has no mobile: no empty number.
    assert.deepEqual(contacts.find((x) => x.externalId === '40')?.numbers, [{ type: 'work', raw: '+49 711 100040' }]);
    assert.equal(outcome.full, true);
    assert.ok(outcome.cursor, 'a cursor for the next incremental sync');
    fullCursor = outcome.cursor;
  });

  test(`${engine}: incremental sync reads the changed rows (wrapped query, cursor bound)`, async () => {
    assert.ok(fullCursor);
    await fixture().touch([7, 77, 777]);
    const { contacts, outcome } = await drain(source(), fullCursor);
    const ids = contacts.map((c) => c.externalId).sort();
    // `>=`: the rows at the old cursor come again (here the last row), never fewer than the changed ones.
    assert.deepEqual(
      ids.filter((id) => id !== String(ROWS)),
      ['7', '77', '777'],
    );
    assert.ok(ids.length <= 4, `at most the changed rows and the one at the cursor, got ${ids.length}`);
    assert.equal(outcome.full, false);
    assert.notEqual(outcome.cursor, fullCursor);
    // Nothing changed since: only the rows at the cursor (the last touched one).
    const again = await drain(source(), outcome.cursor);
    assert.deepEqual(
      again.contacts.map((c) => c.externalId),
      ['777'],
    );
    assert.equal(again.outcome.cursor, outcome.cursor);
  });

  test(`${engine}: the query's own :since placeholder, bound as a parameter`, async () => {
    const f = fixture();
    const own = (initial = f.initial) =>
      source({
        query: `select id, firstname, lastname, company, email, phone, mobile, updated_at from ${f.table}
                where updated_at > :since -- the cursor goes here, not ':since' in a comment
                  and firstname <> ':since'`,
        incremental: { column: 'updated_at', initial },
      });
    const full = await drain(own());
    assert.equal(full.contacts.length, ROWS);
    assert.equal(full.outcome.full, true);
    await fixture().touch([5, 55]);
    const inc = await drain(own(), fullCursor);
    assert.deepEqual(inc.contacts.map((c) => c.externalId).sort(), ['5', '55', '7', '77', '777']);
    const none = await drain(own(), inc.outcome.cursor);
    assert.equal(none.contacts.length, 0);
    assert.equal(none.outcome.cursor, inc.outcome.cursor, 'an empty sync keeps the cursor');
    // A hostile cursor is only ever a value: spliced in, it would select every row.
    const hostile = await drain(own(), "2030-01-01' or '1'='1").catch((err: Error) => err);
    if (!(hostile instanceof Error)) assert.equal(hostile.contacts.length, 0);
  });

  test(`${engine}: test() passes, and names a missing column`, async () => {
    await source().test();
    const bad = source({
      mapping: { ...mapping, numbers: [{ column: 'phone_nr', type: 'work' }] },
    });
    await assert.rejects(bad.test(), /no column "phone_nr" \(mapping\.numbers\[0\]\).*its columns are id, firstname/);
    await assert.rejects(drain(bad), /no column "phone_nr"/);
    await assert.rejects(source({ incremental: { column: 'changed' } }).test(), /"changed" \(incremental\.column\)/);
  });

  test(`${engine}: a syntax error carries the database's message`, async () => {
    const err = await source({ query: `select id, firstname fromm ${fixture().table}` })
      .test()
      .catch((e: Error) => e);
    assert.ok(err instanceof Error);
    assert.match(err.message, /^the query has a syntax error: .*(fromm|syntax)/i);
    await assert.rejects(source({ query: 'select id from no_such_table_here' }).test(), /the query failed: .*no_such/i);
  });

  test(`${engine}: abort between batches stops the sync`, async () => {
    const controller = new AbortController();
    const gen = source().sync({ cursor: null, signal: controller.signal, log, progress: () => undefined });
    const first = await gen.next();
    assert.equal(first.done, false);
    controller.abort();
    await assert.rejects(gen.next(), { name: 'AbortError' });
    // The session is gone: another sync runs as usual.
    assert.equal((await drain(source())).contacts.length, ROWS);
  });

  test(`${engine}: a reader that stops early releases the session`, async () => {
    const gen = source().sync({ cursor: null, signal: new AbortController().signal, log, progress: () => undefined });
    await gen.next();
    await gen.return({ full: false, cursor: null });
    assert.equal((await drain(source())).contacts.length, ROWS);
  });

  if (fixture().slowQuery !== undefined) {
    test(`${engine}: abort while the database works`, async () => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(drain(source({ query: fixture().slowQuery as string }), null, controller.signal), {
        name: 'AbortError',
      });
      const ms = Date.now() - started;
      assert.ok(ms < stoppedWithinMs, `aborted after ${ms} ms, not before the query would end`);
    });

    test(`${engine}: a query slower than timeoutMs fails with the limit`, async () => {
      const started = Date.now();
      await assert.rejects(drain(source({ query: fixture().slowQuery as string, timeoutMs: 500 })), /500 ms/);
      const ms = Date.now() - started;
      assert.ok(ms < stoppedWithinMs, `stopped after ${ms} ms, not before the query would end`);
    });
  }

  directorySourceContract(
    `sql ${engine}`,
    async () => ({
      source: source(),
      count: ROWS,
      sample: { externalId: '42', name: 'Given42 Sur42', numbers: ['+49 711 100042', '0170 200042'] },
      change: async () => {
        await fixture().touch([4242]);
        return '4242';
      },
    }),
    { incremental: true },
  );

  if (fixture().writingQuery !== undefined) {
    test(`${engine}: the session is read-only`, async () => {
      await assert.rejects(
        drain(source({ query: fixture().writingQuery as string, incremental: undefined })),
        /tries to write; a directory source only reads/,
      );
    });
  }
}

const person = (i: number) => ({
  id: i,
  firstname: `Given${i}`,
  lastname: `Sur${i}`,
  company: `Company ${i % 10}`,
  email: `p${i}@example.com`,
  phone: `+49 711 ${100000 + i}`,
  mobile: i % 10 === 0 ? null : `0170 ${200000 + i}`,
});

// PostgreSQL -----------------------------------------------------------------------------------------

const pgSkipped = await requirePeer('PostgreSQL', () => postgresAdmin('select 1'));
if (!pgSkipped) {
  describe('SQL directory source: PostgreSQL', () => {
    const schema = `parley_dir_${suffix()}`;
    const table = `${schema}.crm_contacts`;
    before(async () => {
      await postgresAdmin(`create schema ${schema}`);
      await postgresAdmin(`create table ${table} (
        id integer primary key, firstname text, lastname text, company text, email text,
        phone text, mobile text, updated_at timestamptz not null)`);
      await postgresAdmin(`create sequence ${schema}.seq`);
      await postgresAdmin(`insert into ${table}
        select g, 'Given' || g, 'Sur' || g, 'Company ' || (g % 10), 'p' || g || '@example.com',
               '+49 711 ' || (100000 + g), case when g % 10 = 0 then null else '0170 ' || (200000 + g) end,
               timestamptz '2024-01-01 00:00:00.5+00' + g * interval '1 second'
        from generate_series(1, ${ROWS}) g`);
    });
    after(() => postgresAdmin(`drop schema ${schema} cascade`));
    let bump = 0;
    engineCases('PostgreSQL', () => ({
      url: postgresUrl,
      table,
      initial: '-infinity',
      touch: async (ids) => {
        for (const id of ids) {
          bump++;
          await postgresAdmin(
            `update ${table} set updated_at = timestamptz '2025-01-01 00:00:00.123456+00' + ${bump} * interval '1 microsecond' where id = ${id}`,
          );
        }
      },
      slowQuery: `select c.*, s.x from ${table} c, (select pg_sleep(${slowQuerySeconds}) as x) s`,
      writingQuery: `select id, firstname, lastname, company, email, phone, mobile, nextval('${schema}.seq') as updated_at from ${table}`,
    }));

    test('PostgreSQL: the server stops a query at the time limit (statement_timeout)', async () => {
      await stoppedByTheEngine(postgresUrl, null, `select pg_sleep(${slowQuerySeconds}) as id`);
    });

    test('PostgreSQL: a data error keeps its SQLSTATE, not the value', async () => {
      const err = await testError(postgresUrl, "select 'secret-value-42'::integer as id");
      assert.ok(err instanceof Error);
      assert.match(err.message, /the query failed \(SQLSTATE 22P02\)/);
      assert.doesNotMatch(err.message, /secret-value/);
    });

    test('PostgreSQL: connection refused and an unknown database are clear', async () => {
      const url = new URL(postgresUrl);
      url.port = '1';
      await assert.rejects(
        new SqlSource({ url: url.href, query: 'select 1 as id', mapping: { id: 'id' } }, null, peers).test(),
        /cannot connect to PostgreSQL at 127\.0\.0\.1:1\/test: connection refused/,
      );
      const other = new URL(postgresUrl);
      other.pathname = '/parley_no_such_db';
      await assert.rejects(
        new SqlSource({ url: other.href, query: 'select 1 as id', mapping: { id: 'id' } }, null, peers).test(),
        /parley_no_such_db.*does not exist/,
      );
    });

    test('PostgreSQL: a server on loopback is refused unless outbound.allow lets the server reach it', async () => {
      const config = { url: postgresUrl, query: `select id from ${table}`, mapping: { id: 'id' } };
      await assert.rejects(
        new SqlSource(config).test(),
        new RegExp(
          `^SqlSourceError: refused: ${new URL(postgresUrl).hostname.replaceAll('.', '\\.')} (is|resolves to)`,
        ),
      );
      await assert.rejects(
        new SqlSource({ ...config, url: `postgres://root@x/test?host=/var/run/postgresql` }, null, peers).test(),
        /refused: \/var\/run\/postgresql is a local socket/,
      );
      await new SqlSource(config, null, peers).test();
      // A name only the policy's resolver knows: pg can only have connected to its (checked) answer.
      const pinned = new URL(postgresUrl);
      const address = (await peers.resolve(pinned.hostname))[0]?.address as string;
      pinned.hostname = 'db.pinned.test';
      const policy = new OutboundPolicy([address], { resolver: async () => [{ address, family: isIP(address) }] });
      await new SqlSource({ ...config, url: pinned.href }, null, policy).test();
    });
  });
}

// MariaDB --------------------------------------------------------------------------------------------

async function mariaAdmin(sql: string, values?: unknown[]): Promise<void> {
  const { default: mysql } = await import('mysql2/promise');
  const conn = await mysql.createConnection({ host: mariaHost, user: 'root', database: 'test', connectTimeout: 3000 });
  try {
    await conn.query(sql, values);
  } finally {
    await conn.end();
  }
}

const mariaSkipped = await requirePeer('MariaDB', () => mariaAdmin('select 1'));
if (!mariaSkipped) {
  describe('SQL directory source: MariaDB', () => {
    const table = `parley_dir_${suffix()}`;
    const user = `parley_${suffix()}`;
    before(async () => {
      await mariaAdmin(`create table test.${table} (
        id int primary key, firstname varchar(100), lastname varchar(100), company varchar(100),
        email varchar(200), phone varchar(40), mobile varchar(40), updated_at datetime not null)`);
      const rows = Array.from({ length: ROWS }, (_, k) => {
        const p = person(k + 1);
        const at = new Date(Date.UTC(2024, 0, 1) + (k + 1) * 1000).toISOString().slice(0, 19).replace('T', ' ');
        return [p.id, p.firstname, p.lastname, p.company, p.email, p.phone, p.mobile, at];
      });
      await mariaAdmin(`insert into test.${table} values ?`, [rows]);
      await mariaAdmin(`create user '${user}'@'%' identified by 'right-password'`);
      await mariaAdmin(`grant select on test.${table} to '${user}'@'%'`);
    });
    after(async () => {
      await mariaAdmin(`drop table if exists test.${table}`);
      await mariaAdmin(`drop user if exists '${user}'@'%'`);
    });
    let bump = 0;
    engineCases('MariaDB', () => ({
      url: `mariadb://${user}@${mariaHost}:3306/test`,
      password: 'right-password',
      table,
      initial: '1000-01-01',
      touch: async (ids) => {
        for (const id of ids) {
          bump++;
          await mariaAdmin(
            `update test.${table} set updated_at = '2025-01-01 00:00:00' + interval ? second where id = ?`,
            [bump, id],
          );
        }
      },
      slowQuery: `select c.*, sleep(${slowQuerySeconds}) as x from ${table} c limit 1`,
    }));

    test('MariaDB: the server stops a query at the time limit (max_statement_time)', async () => {
      await stoppedByTheEngine(`mysql://root@${mariaHost}:3306/test`, null, `select sleep(${slowQuerySeconds}) as id`);
    });

    test("MariaDB: an error about the data keeps its code, not the server's text", async () => {
      const err = await testError(
        `mysql://root@${mariaHost}:3306/test`,
        "select (select 'secret-value-42' union select 'b') as id",
      );
      assert.ok(err instanceof Error);
      assert.equal(err.message, 'the query failed (ER_SUBQUERY_NO_1_ROW, errno 1242)');
    });

    test('MariaDB: a wrong password fails with a clear message', async () => {
      const source = new SqlSource(
        { url: `mysql://${user}@${mariaHost}:3306/test`, query: `select id from ${table}`, mapping: { id: 'id' } },
        'wrong-password',
        peers,
      );
      await assert.rejects(
        source.test(),
        new RegExp(
          `MariaDB/MySQL at ${mariaHost}:3306/test: authentication failed for user "${user}" \\(wrong password\\?\\)`,
        ),
      );
      await assert.rejects(drain(source), /authentication failed/);
    });

    test('MariaDB: the session is read-only even for a user who may write', async () => {
      // root may write and lock; the query runs inside START TRANSACTION READ ONLY all the same.
      const source = new SqlSource(
        {
          url: `mysql://root@${mariaHost}:3306/test`,
          query: `select id, firstname from ${table} for update`,
          mapping: { id: 'id' },
        },
        null,
        peers,
      );
      await assert.rejects(drain(source), /tries to write; a directory source only reads \(.*READ ONLY/);
    });

    test('MariaDB: connection refused is clear', async () => {
      await assert.rejects(
        new SqlSource(
          {
            url: `mysql://root@${mariaHost}:1/test`,
            query: 'select 1 as id',
            mapping: { id: 'id' },
          },
          null,
          peers,
        ).test(),
        /cannot connect to MariaDB\/MySQL at 127\.0\.0\.1:1\/test: connection refused/,
      );
    });

    test('MariaDB: a server on loopback is refused unless outbound.allow lets the server reach it', async () => {
      const config = {
        url: `mysql://root@${mariaHost}:3306/test`,
        query: `select id from ${table}`,
        mapping: { id: 'id' },
      };
      await assert.rejects(new SqlSource(config).test(), /^SqlSourceError: refused: /);
      await new SqlSource(config, null, peers).test();
      // A name only the policy's resolver knows: the socket can only have gone to its (checked) answer.
      const address = (await peers.resolve(mariaHost))[0]?.address as string;
      const policy = new OutboundPolicy([address], { resolver: async () => [{ address, family: isIP(address) }] });
      await new SqlSource({ ...config, url: config.url.replace(mariaHost, 'db.pinned.test') }, null, policy).test();
    });
  });
}

// SQLite ---------------------------------------------------------------------------------------------

describe('SQL directory source: SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-dir-sql-'));
  const file = join(dir, 'crm.db');
  let db: import('better-sqlite3').Database;
  before(async () => {
    const { default: Database } = await import('better-sqlite3');
    db = new Database(file);
    db.exec(`create table crm_contacts (
      id integer primary key, firstname text, lastname text, company text, email text,
      phone text, mobile text, updated_at integer not null)`);
    const insert = db.prepare('insert into crm_contacts values (?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= ROWS; i++) {
        const p = person(i);
        // Epoch seconds: the cursor compares as a number (9999999999 > 10000000000 as text would not).
        insert.run(p.id, p.firstname, p.lastname, p.company, p.email, p.phone, p.mobile, 9_999_990_000 + i);
      }
    })();
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let bump = 0;
  engineCases('SQLite', () => ({
    url: `sqlite:${file}`,
    table: 'crm_contacts',
    initial: '0',
    touch: async (ids) => {
      for (const id of ids) {
        bump++;
        db.prepare('update crm_contacts set updated_at = ? where id = ?').run(10_000_000_000 + bump, id);
      }
    },
    writingQuery:
      "insert into crm_contacts (id, firstname, updated_at) values (99999, 'x', 0) returning id, firstname, lastname, company, email, phone, mobile, updated_at",
  }));

  test('SQLite: a query that runs forever is stopped at the time limit', async () => {
    const started = Date.now();
    const forever = new SqlSource({
      url: `sqlite:${file}`,
      query: 'with recursive r(n) as (select 1 union all select n + 1 from r) select n as id from r where n < 0',
      mapping: { id: 'id' },
      timeoutMs: 1000,
    });
    await assert.rejects(drain(forever), /^SqlSourceError: the query took longer than 1 s and was stopped/);
    const ms = Date.now() - started;
    assert.ok(ms < stoppedWithinMs, `stopped after ${ms} ms, not before the query would end`);
  });

  test('SQLite: a missing file is clear', async () => {
    await assert.rejects(
      new SqlSource({ url: `sqlite:${join(dir, 'nope.db')}`, query: 'select 1 as id', mapping: { id: 'id' } }).test(),
      /cannot open SQLite database .*nope\.db/,
    );
  });
});

describe('SQL directory source: statements', () => {
  test(':since is found outside literals, identifiers, comments and casts', () => {
    const q = `select a::text, ':since' as s, "col:since", \`x:since\` from t -- :since
      where u > :since /* :since */ and v <= :since and w = :sincere`;
    assert.equal(findPlaceholders(q, 'postgres').length, 2);
    assert.equal(findPlaceholders(q, 'mysql').length, 2);
    // MySQL: backslash escapes and # comments; PostgreSQL: E'…' strings and $$ … $$.
    assert.equal(findPlaceholders("select 'it\\'s :since' # :since\n where u > :since", 'mysql').length, 1);
    assert.equal(findPlaceholders("select E'it\\'s :since', $$ :since $$ where u > :since", 'postgres').length, 1);
    // In standard PostgreSQL strings a backslash is just a character.
    assert.equal(findPlaceholders("select 'C:\\' where u > :since", 'postgres').length, 1);
  });

  test('the cursor is always a bound parameter', () => {
    assert.deepEqual(bindSince('select * from t where u > :since or v > :since', 'postgres', 'C'), {
      text: 'select * from t where u > $1 or v > $1',
      params: ['C'],
    });
    assert.deepEqual(bindSince('select * from t where u > :since or v > :since', 'mysql', 'C'), {
      text: 'select * from t where u > ? or v > ?',
      params: ['C', 'C'],
    });
    assert.deepEqual(syncStatement('select * from t;\n', 'postgres', { column: 'Up"d' }, "x'; drop table t; --"), {
      text: 'select * from (\nselect * from t\n) parley_q where parley_q."Up""d" >= $1',
      params: ["x'; drop table t; --"],
    });
    assert.match(syncStatement('select * from t', 'mysql', { column: 'u`d' }, '1').text, /parley_q\.`u``d` >= \?$/);
    // Full syncs: the query as written, or its :since bound to `initial`.
    assert.deepEqual(syncStatement('select * from t', 'sqlite', { column: 'u' }, null), {
      text: 'select * from t',
      params: [],
    });
    assert.deepEqual(syncStatement('select * from t where u > :since', 'sqlite', { column: 'u', initial: '0' }, null), {
      text: 'select * from t where u > ?',
      params: ['0'],
    });
    assert.deepEqual(probeStatement('select * from t -- all', 'postgres', null), {
      text: 'select * from (\nselect * from t -- all\n) parley_q limit 1',
      params: [],
    });
  });

  test('cursors compare by value: numbers as numbers, timestamps as text', () => {
    assert.equal(laterCursor('9', '10'), '10');
    assert.equal(laterCursor('99999999999999999999', '100000000000000000000'), '100000000000000000000');
    assert.equal(laterCursor('2.5', '10.25'), '10.25');
    assert.equal(laterCursor('2024-01-01 10:00:00.5+00', '2024-01-01 10:00:00+00'), '2024-01-01 10:00:00.5+00');
    assert.equal(laterCursor('2024-01-01 10:00:00', null), '2024-01-01 10:00:00');
    assert.equal(laterCursor(null, '7'), '7');
  });
});

describe('SQL directory source: configuration', () => {
  test('bad settings are refused with the field', () => {
    assert.throws(
      () => new SqlSource({ url: 'oracle://x/y', query: 'select 1', mapping: { id: 'id' } }),
      /url: unsupported database oracle/,
    );
    assert.throws(
      () => new SqlSource({ url: 'sqlite:/x.db', query: 'select * from t where u > :since', mapping: { id: 'id' } }),
      /query: uses :since, but incremental\.column is not set/,
    );
    assert.throws(
      () =>
        new SqlSource({
          url: 'sqlite:/x.db',
          query: 'select * from t where u > :since',
          mapping: { id: 'id' },
          incremental: { column: 'u' },
        }),
      /incremental\.initial/,
    );
    assert.throws(
      () => new SqlSource({ url: 'sqlite:/x.db', query: 'select 1', mapping: { id: 'id' }, batchSize: 0 }),
      /batchSize: /,
    );
    assert.throws(
      () => new SqlSource({ url: 'sqlite:/x.db', query: 'select 1', mapping: {} } as unknown as SqlSourceConfigInput),
      /mapping\.id: /,
    );
  });
});

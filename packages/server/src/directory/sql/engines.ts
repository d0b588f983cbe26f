// One read-only session per sync on PostgreSQL, MariaDB/MySQL or SQLite: the rows come through a
// server-side cursor (PostgreSQL DECLARE/FETCH), a paused result stream (mysql2) or a statement
// iterator (better-sqlite3, in a process of its own), a batch at a time, every value as text.
// Each engine enforces the time limit itself: PostgreSQL's statement_timeout, MariaDB's
// max_statement_time (MySQL's max_execution_time), and for SQLite the caller's limit kills the
// reader process. Database hosts go through the outbound policy and are connected to as checked.
import { fork } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type OutboundPolicy, OutboundRefusedError, pinnedLookup } from '../../platform/outbound.js';
import type { Dialect, Statement } from './statement.js';

export class SqlSourceError extends Error {
  override name = 'SqlSourceError';
}

/** Where the rows live, parsed from the source's URL. */
export type SqlTarget =
  | {
      dialect: 'postgres' | 'mysql';
      host: string;
      port: number;
      user: string | null;
      database: string | null;
      /** A password written into the URL (the sealed secret wins). */
      password: string | null;
      ssl: false | { rejectUnauthorized: boolean };
      /** For messages: "PostgreSQL at db:5432/crm". */
      label: string;
    }
  | { dialect: 'sqlite'; path: string; label: string };

/** A row: the values of the columns in order, as text (null stays null). */
export type SqlRow = (string | null)[];

export interface SqlRows {
  columns: string[];
  /** The next rows, at most the batch size; an empty array at the end. */
  next(): Promise<SqlRow[]>;
}

export interface SqlSession {
  /** Runs the statement and returns its columns and a reader of its rows. */
  query(statement: Statement, batchSize: number): Promise<SqlRows>;
  /** Ends the read-only transaction and the connection after a complete read. */
  close(): Promise<void>;
  /** Drops the connection at once (abort, timeout, a reader that stopped early). */
  destroy(): void;
}

/** A time limit as people write it: `2 s`, `1.5 s`, `500 ms`. */
export const duration = (ms: number) => (ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`);

/** The error of a query stopped at its time limit, whichever engine or wait noticed it. */
export const tookTooLong = (timeoutMs: number) =>
  new SqlSourceError(`the query took longer than ${duration(timeoutMs)} and was stopped (timeoutMs)`);

const ENGINE_NAMES = { postgres: 'PostgreSQL', mysql: 'MariaDB/MySQL', sqlite: 'SQLite' } as const;

/** Parses `postgres://user@host:port/db?sslmode=…`, `mysql://…`/`mariadb://…` or `sqlite:PATH`. */
export function parseTarget(url: string): SqlTarget {
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://rel/path
    if (!path) throw new SqlSourceError('url: sqlite: needs a file path (sqlite:/var/lib/crm.db)');
    return { dialect: 'sqlite', path, label: `SQLite ${path}` };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SqlSourceError('url: not a database URL (postgres://…, mysql://…, mariadb://… or sqlite:PATH)');
  }
  const scheme = u.protocol.slice(0, -1);
  const dialect: Dialect | null =
    scheme === 'postgres' || scheme === 'postgresql'
      ? 'postgres'
      : scheme === 'mysql' || scheme === 'mariadb'
        ? 'mysql'
        : null;
  if (!dialect) throw new SqlSourceError(`url: unsupported database ${scheme} (postgres, mysql, mariadb or sqlite)`);
  const host = (u.searchParams.get('host') ?? decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1')) || '';
  if (!host) throw new SqlSourceError('url: no host');
  const port = u.port ? Number(u.port) : dialect === 'postgres' ? 5432 : 3306;
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || null;
  const mode = (u.searchParams.get('sslmode') ?? u.searchParams.get('ssl') ?? 'disable').toLowerCase();
  let ssl: false | { rejectUnauthorized: boolean };
  if (mode === 'disable' || mode === 'false' || mode === 'off') ssl = false;
  else if (mode === 'require' || mode === 'prefer') ssl = { rejectUnauthorized: false };
  else if (mode === 'verify-ca' || mode === 'verify-full' || mode === 'true' || mode === 'on') {
    ssl = { rejectUnauthorized: true };
  } else throw new SqlSourceError(`url: unknown sslmode ${mode} (disable, require, verify-full)`);
  return {
    dialect,
    host,
    port,
    user: u.username ? decodeURIComponent(u.username) : null,
    database,
    password: u.password ? decodeURIComponent(u.password) : null,
    ssl,
    label: `${ENGINE_NAMES[dialect]} at ${host}:${port}${database ? `/${database}` : ''}`,
  };
}

/** The URL with any password in it replaced, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/** A session on the target; a database server's host must pass the outbound policy first. */
export async function connect(
  target: SqlTarget,
  password: string | null,
  timeoutMs: number,
  outbound: OutboundPolicy,
): Promise<SqlSession> {
  switch (target.dialect) {
    case 'postgres':
      return connectPostgres(target, password, timeoutMs, await checkedAddress(target, outbound));
    case 'mysql':
      return connectMysql(target, password, timeoutMs, await checkedAddress(target, outbound));
    case 'sqlite':
      return connectSqlite(target, timeoutMs);
  }
}

/** A value as text: numbers, big integers, bytes (UTF-8) and dates the way a CRM shows them. */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

// PostgreSQL ---------------------------------------------------------------------------------------

const DECLARE = 'declare parley_directory no scroll cursor for ';

type NetTarget = Extract<SqlTarget, { dialect: 'postgres' | 'mysql' }>;
type Address = Awaited<ReturnType<OutboundPolicy['resolve']>>[number];

/**
 * The address of the database server, checked by the outbound policy: the connection goes there,
 * not to a second lookup. A Unix socket (`?host=/run/postgresql`) is the server's own machine.
 */
async function checkedAddress(target: NetTarget, outbound: OutboundPolicy): Promise<Address> {
  if (target.host.startsWith('/')) {
    throw new SqlSourceError(`refused: ${target.host} is a local socket; give the database server as host:port`);
  }
  try {
    return (await outbound.resolve(target.host))[0] as Address;
  } catch (err) {
    if (err instanceof OutboundRefusedError) throw new SqlSourceError(err.message);
    throw networkError((err as NodeJS.ErrnoException).code, target) ?? err;
  }
}

async function connectPostgres(
  target: NetTarget,
  password: string | null,
  timeoutMs: number,
  address: Address,
): Promise<SqlSession> {
  const { default: pg } = await import('pg');
  // pg connects to the checked address; TLS still verifies the certificate for the host name.
  const servername = target.ssl && address.address !== target.host ? { servername: target.host } : {};
  const client = new pg.Client({
    host: address.address,
    port: target.port,
    ...(target.user !== null && { user: target.user }),
    ...(target.database !== null && { database: target.database }),
    ...((password ?? target.password) !== null && { password: password ?? target.password ?? '' }),
    ssl: target.ssl && { ...target.ssl, ...servername },
    connectionTimeoutMillis: timeoutMs,
    application_name: 'parley-directory',
  });
  // A dropped connection reports here too; the pending call rejects with it already.
  client.on('error', () => undefined);
  const fail = (err: unknown, statement?: Statement) => postgresError(err, target, timeoutMs, statement);
  try {
    await client.connect();
  } catch (err) {
    void client.end().catch(() => undefined);
    throw postgresError(err, target, timeoutMs, undefined, true);
  }
  // Every value as text: ids, numbers and cursors come back exactly as the database writes them.
  const types = { getTypeParser: () => (v: string) => v } as unknown as import('pg').CustomTypesConfig;
  let open = true;
  const end = () => {
    if (!open) return;
    open = false;
    void client.end().catch(() => undefined);
  };
  try {
    // PostgreSQL 14+ then notices within a second that a dropped client is gone (abort, timeout)
    // and stops its query, instead of running it to the end; older servers do not know it.
    await client.query('set client_connection_check_interval = 1000').catch(() => undefined);
    await client.query('begin transaction isolation level repeatable read read only');
    await client.query(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    await client.query("set local time zone 'UTC'");
  } catch (err) {
    end();
    throw fail(err);
  }
  return {
    async query(statement, batchSize) {
      const fetchBatch = async () => {
        try {
          const r = await client.query<SqlRow>({
            text: `fetch forward ${batchSize} from parley_directory`,
            rowMode: 'array',
            types,
          });
          return { columns: r.fields.map((f) => f.name), rows: r.rows };
        } catch (err) {
          throw fail(err, statement);
        }
      };
      try {
        await client.query(`${DECLARE}${statement.text}`, statement.params);
      } catch (err) {
        throw fail(err, statement);
      }
      // The first FETCH tells the columns (even when there are no rows).
      const first = await fetchBatch();
      let pending: SqlRow[] | null = first.rows;
      return {
        columns: first.columns,
        async next() {
          if (pending) {
            const rows = pending;
            pending = null;
            return rows;
          }
          return (await fetchBatch()).rows;
        },
      };
    },
    async close() {
      if (!open) return;
      try {
        await client.query('commit');
      } finally {
        open = false;
        await client.end().catch(() => undefined);
      }
    },
    destroy: end,
  };
}

function postgresError(
  err: unknown,
  target: NetTarget,
  timeoutMs: number,
  statement?: Statement,
  connecting = false,
): SqlSourceError {
  if (err instanceof SqlSourceError) return err;
  const e = err as Error & { code?: string; position?: string };
  const where = target.label;
  const user = target.user ?? process.env.USER ?? '';
  const network = networkError(e.code, target);
  if (network) return network;
  switch (e.code) {
    case '28P01':
      return new SqlSourceError(`${where}: authentication failed for user "${user}" (wrong password?)`);
    case '28000':
      return new SqlSourceError(`${where}: access denied for user "${user}": ${e.message}`);
    case '3D000':
      return new SqlSourceError(`${where}: ${e.message}`);
    case '42601':
      return new SqlSourceError(`the query has a syntax error: ${e.message}${near(statement, e.position)}`);
    case '57014':
      return tookTooLong(timeoutMs);
    case '25006':
      return new SqlSourceError(`the query tries to write; a directory source only reads (${e.message})`);
  }
  if (/timeout/i.test(e.message) && /connect/i.test(e.message)) {
    return new SqlSourceError(`cannot connect to ${where}: no answer within ${timeoutMs} ms`);
  }
  if (/password must be a string|no password/i.test(e.message)) {
    return new SqlSourceError(`${where} asks for a password and none is set`);
  }
  if (connecting) return new SqlSourceError(`cannot connect to ${where}: ${e.message}`);
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    // Class 42 (syntax error or access rule violation) speaks of the query's own names; the
    // others (22 data exception: `invalid input syntax for type integer: "…"`, P0001 raise) may
    // quote a value: only their SQLSTATE is passed on.
    return new SqlSourceError(
      e.code.startsWith('42') ? `the query failed: ${e.message}` : `the query failed (SQLSTATE ${e.code})`,
    );
  }
  return new SqlSourceError(`${where}: ${e.message}`);
}

/** ` (near "…")`: the statement's text at the error's 1-based position in the DECLARE. */
function near(statement: Statement | undefined, position: string | undefined): string {
  const offset = Number(position) - 1 - DECLARE.length;
  if (!statement || !Number.isInteger(offset) || offset < 0 || offset >= statement.text.length) return '';
  const snippet = statement.text
    .slice(offset, offset + 30)
    .replace(/\s+/g, ' ')
    .trim();
  return snippet ? ` (near "${snippet}")` : '';
}

// MariaDB / MySQL ----------------------------------------------------------------------------------

async function connectMysql(
  target: NetTarget,
  password: string | null,
  timeoutMs: number,
  address: Address,
): Promise<SqlSession> {
  const { default: mysql } = await import('mysql2');
  const options: import('mysql2').ConnectionOptions = {
    host: target.host,
    port: target.port,
    // The socket goes to the checked address; `host` still names the server for TLS.
    stream: () =>
      netConnect({ port: target.port, host: target.host, lookup: pinnedLookup([address]) }).setNoDelay(true),
    user: target.user ?? '',
    password: password ?? target.password ?? '',
    ...(target.database !== null && { database: target.database }),
    ...(target.ssl && { ssl: target.ssl }),
    connectTimeout: timeoutMs,
    // Values as the server writes them: dates as text, big integers and decimals as strings.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4',
  };
  const conn = mysql.createConnection(options);
  conn.on('error', () => undefined);
  const fail = (err: unknown) => mysqlError(err, target, timeoutMs);
  const run = (sql: string) =>
    new Promise<void>((resolve, reject) => conn.query(sql, (err) => (err ? reject(fail(err)) : resolve())));
  let open = true;
  let reading = false;
  const destroy = () => {
    if (!open) return;
    open = false;
    conn.destroy();
    // The server would run a query of a dropped connection to its end (or until it blocks on the
    // socket): stop it from a second connection, best effort.
    if (reading && conn.threadId !== null) {
      const killer = mysql.createConnection({ ...options, connectTimeout: Math.min(timeoutMs, 5000) });
      killer.on('error', () => undefined);
      killer.query(`kill query ${Number(conn.threadId)}`, () => killer.end(() => undefined));
    }
  };
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    destroy();
    throw fail(err);
  }
  try {
    // TIMESTAMP columns in UTC, so cursors compare the same on every connection.
    await run("set time_zone = '+00:00'");
    // The server stops the query at the time limit (MariaDB in seconds; MySQL, which has no
    // max_statement_time, in milliseconds and for SELECTs). It covers the whole statement, which
    // streams every row: the limit is the time of the whole read.
    await run(`set session max_statement_time = ${timeoutMs / 1000}`).catch(() =>
      run(`set session max_execution_time = ${Math.ceil(timeoutMs)}`),
    );
    await run('start transaction read only');
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    async query(statement, batchSize) {
      // A prepared statement: the cursor travels as a bound parameter, not in the SQL text.
      const command = conn.execute({ sql: statement.text, rowsAsArray: true }, statement.params);
      // The stream takes the rows from the start (it pauses the socket beyond one batch); the
      // iterator below sees its error, this listener only keeps an unread one from being thrown.
      const stream = command.stream({ highWaterMark: batchSize });
      reading = true;
      stream.on('error', () => undefined);
      stream.once('close', () => {
        reading = false;
      });
      const columns = await new Promise<string[]>((resolve, reject) => {
        stream.once('fields', (fields: { name: string }[] | undefined) => resolve((fields ?? []).map((f) => f.name)));
        stream.once('error', (err: Error) => reject(fail(err)));
        stream.once('close', () => resolve([]));
      });
      const rows = stream[Symbol.asyncIterator]();
      let ended = false;
      return {
        columns,
        async next() {
          const batch: SqlRow[] = [];
          try {
            while (!ended && batch.length < batchSize) {
              const step = await rows.next();
              if (step.done) ended = true;
              else batch.push((step.value as unknown[]).map(text));
            }
          } catch (err) {
            throw fail(err);
          }
          return batch;
        },
      };
    },
    async close() {
      if (!open) return;
      try {
        await run('commit');
      } finally {
        open = false;
        await new Promise<void>((resolve) => conn.end(() => resolve()));
      }
    },
    destroy,
  };
}

/** What both network engines report alike: the server cannot be reached. */
function networkError(code: string | undefined, target: NetTarget): SqlSourceError | undefined {
  const where = target.label;
  switch (code) {
    case 'ECONNREFUSED':
      return new SqlSourceError(`cannot connect to ${where}: connection refused`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SqlSourceError(`cannot connect to ${where}: unknown host ${target.host}`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new SqlSourceError(`cannot connect to ${where}: ${code}`);
    default:
      return undefined;
  }
}

/**
 * MariaDB/MySQL errors whose message is about the query itself (its syntax, tables, columns,
 * functions, privileges), passed on; any other message might quote a value and is not.
 */
const MYSQL_QUERY_ERRORS = new Set([
  'ER_NO_SUCH_TABLE',
  'ER_BAD_FIELD_ERROR',
  'ER_BAD_TABLE_ERROR',
  'ER_NON_UNIQ_ERROR',
  'ER_SP_DOES_NOT_EXIST',
  'ER_FUNC_INEXISTENT_NAME_COLLISION',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_PROCACCESS_DENIED_ERROR',
  'ER_WRONG_FIELD_WITH_GROUP',
  'ER_WRONG_GROUP_FIELD',
  'ER_FIELD_SPECIFIED_TWICE',
  'ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT',
]);

function mysqlError(err: unknown, target: NetTarget, timeoutMs: number): SqlSourceError {
  if (err instanceof SqlSourceError) return err;
  const e = err as Error & { code?: string; errno?: number; sqlMessage?: string };
  // MariaDB's max_statement_time (1969), MySQL's max_execution_time (3024).
  if (e.errno === 1969 || e.errno === 3024) return tookTooLong(timeoutMs);
  const where = target.label;
  const message = e.sqlMessage ?? e.message;
  if (e.code === 'ETIMEDOUT') return new SqlSourceError(`cannot connect to ${where}: no answer within ${timeoutMs} ms`);
  const network = networkError(e.code, target);
  if (network) return network;
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return new SqlSourceError(
        `${where}: authentication failed for user "${target.user ?? ''}" (wrong password?): ${message}`,
      );
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_BAD_DB_ERROR':
    case 'ER_HOST_NOT_PRIVILEGED':
      return new SqlSourceError(`${where}: ${message}`);
    case 'ER_PARSE_ERROR':
      return new SqlSourceError(`the query has a syntax error: ${message}`);
    case 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION':
      return new SqlSourceError(`the query tries to write; a directory source only reads (${message})`);
    case 'PROTOCOL_CONNECTION_LOST':
      return new SqlSourceError(`${where} closed the connection`);
  }
  if (e.code !== undefined && MYSQL_QUERY_ERRORS.has(e.code)) return new SqlSourceError(`the query failed: ${message}`);
  if (e.code?.startsWith('ER_') || e.errno !== undefined) {
    return new SqlSourceError(
      `the query failed (${e.code ?? 'error'}${e.errno !== undefined ? `, errno ${e.errno}` : ''})`,
    );
  }
  return new SqlSourceError(`${where}: ${message}`);
}

// SQLite --------------------------------------------------------------------------------------------

/** How much memory the SQLite reader process may use (rows beyond stop it, not the server). */
const SQLITE_READER_HEAP_MB = 256;
const SQLITE_READER = fileURLToPath(new URL('./sqlite-reader.mjs', import.meta.url));

type SqliteAnswer =
  | { type: 'columns'; columns: string[] }
  | { type: 'rows'; rows: SqlRow[] }
  | { type: 'error'; code: string | null; message: string };

/**
 * An SQLite session in a process of its own (`sqlite-reader.mjs`): the query never blocks the
 * server's event loop, and `destroy()` (the caller's time limit, an abort) kills it wherever
 * SQLite is, which neither better-sqlite3 nor a worker thread can.
 */
async function connectSqlite(
  target: Extract<SqlTarget, { dialect: 'sqlite' }>,
  timeoutMs: number,
): Promise<SqlSession> {
  const child = fork(SQLITE_READER, [], {
    execArgv: [`--max-old-space-size=${SQLITE_READER_HEAP_MB}`],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  let waiting: { resolve: (a: SqliteAnswer) => void; reject: (e: Error) => void } | null = null;
  /** Set once the reader is gone: stopped here, or died on its own (out of memory). */
  let gone: Error | null = null;
  child.on('message', (m: SqliteAnswer) => {
    const w = waiting;
    waiting = null;
    w?.resolve(m);
  });
  child.on('error', () => undefined);
  child.on('exit', (code, signal) => {
    gone ??= new SqlSourceError(
      `the SQLite reader ended (${signal ?? `exit code ${code}`}); do the rows need more than ${SQLITE_READER_HEAP_MB} MB?`,
    );
    waiting?.reject(gone);
    waiting = null;
  });
  const ask = (message: object) =>
    new Promise<SqliteAnswer>((resolve, reject) => {
      if (gone) return reject(gone);
      waiting = { resolve, reject };
      child.send(message);
    });
  const destroy = () => {
    gone ??= new SqlSourceError('the SQLite query was stopped');
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  let columns: string[] = [];
  return {
    async query(statement, batchSize) {
      const answer = await ask({
        type: 'open',
        path: target.path,
        sql: statement.text,
        params: statement.params,
        busyTimeoutMs: timeoutMs,
      });
      if (answer.type === 'error') throw sqliteError(answer, target);
      if (answer.type === 'columns') columns = answer.columns;
      return {
        columns,
        async next() {
          const rows = await ask({ type: 'next', size: batchSize });
          if (rows.type === 'error') throw sqliteError(rows, target);
          return rows.type === 'rows' ? rows.rows : [];
        },
      };
    },
    async close() {
      destroy();
    },
    destroy,
  };
}

function sqliteError(
  e: { code: string | null; message: string },
  target: Extract<SqlTarget, { dialect: 'sqlite' }>,
): SqlSourceError {
  if (e.code === 'PARLEY_NOT_A_READER') {
    return new SqlSourceError('the query returns no rows; a directory source needs a SELECT');
  }
  if (e.code === 'SQLITE_CANTOPEN' || /does not exist/.test(e.message)) {
    return new SqlSourceError(`cannot open SQLite database ${target.path}`);
  }
  if (e.code === 'SQLITE_NOTADB') return new SqlSourceError(`${target.path} is not an SQLite database`);
  if (e.code === 'SQLITE_READONLY') {
    return new SqlSourceError('the query tries to write; a directory source only reads (the database is read-only)');
  }
  // Messages about the query itself (its syntax, its tables, columns and functions); SQLite's
  // other messages are not passed on, in case one quotes a value.
  if (/syntax error|incomplete input|unrecognized token/.test(e.message)) {
    return new SqlSourceError(`the query has a syntax error: ${e.message}`);
  }
  if (/^(no such (table|column|function)|ambiguous column name|wrong number of arguments)/.test(e.message)) {
    return new SqlSourceError(`the query failed: ${e.message}`);
  }
  return new SqlSourceError(`the query failed (${e.code ?? 'SQLite error'})`);
}

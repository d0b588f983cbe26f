// MariaDB/MySQL: a read-only transaction per sync, the rows from a paused result stream (mysql2)
// a batch at a time, every value as text; max_statement_time (MySQL's max_execution_time) stops the query.
import { connect as netConnect } from 'node:net';
import { pinnedLookup } from '../../platform/outbound.js';
import {
  type Address,
  type NetTarget,
  networkError,
  type SqlRow,
  type SqlSession,
  SqlSourceError,
  tookTooLong,
} from './common.js';

/** A value as text: numbers, big integers, bytes (UTF-8) and dates the way a CRM shows them. */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export async function connectMysql(
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

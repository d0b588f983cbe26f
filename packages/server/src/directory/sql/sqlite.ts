// SQLite: the rows from a statement iterator (better-sqlite3) in a process of its own, sqlite-reader.mjs,
// a batch at a time, every value as text; the caller's time limit kills the reader process.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type SqlRow, type SqlSession, SqlSourceError, type SqlTarget } from './common.js';

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
export async function connectSqlite(
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

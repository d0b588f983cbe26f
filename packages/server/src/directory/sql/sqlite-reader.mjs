// Runs the query of one SQLite directory source in a process of its own, so that the server can
// stop it at its time limit: better-sqlite3 cannot interrupt a statement, and a worker thread
// cannot be terminated while SQLite works in native code (a recursive CTE would run on forever).
// Plain JavaScript: started with node alone, without the TypeScript loader, in a fraction of a second.
//
// Messages from the parent: {type: 'open', path, sql, params, busyTimeoutMs}, {type: 'next', size}.
// Answers: {type: 'columns', columns}, {type: 'rows', rows} (an empty array at the end), or
// {type: 'error', code, message}.
import { createRequire } from 'node:module';

const Database = createRequire(import.meta.url)('better-sqlite3');

/** @type {import('better-sqlite3').Database | null} */
let db = null;
/** @type {IterableIterator<unknown[]> | null} */
let rows = null;

/** A value as text: numbers, big integers, bytes (UTF-8) as the engines of the network servers give them. */
function text(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

function open({ path, sql, params, busyTimeoutMs }) {
  // Read-only at the connection: the query cannot change the file whatever it says.
  db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  // A file that is no database fails here rather than at the query.
  db.pragma('schema_version');
  const stmt = db.prepare(sql);
  if (!stmt.reader) return { type: 'error', code: 'PARLEY_NOT_A_READER', message: '' };
  stmt.raw(true).safeIntegers(true);
  const columns = stmt.columns().map((c) => c.name);
  // Integer-looking cursors bind as numbers, so they compare with INTEGER columns of any affinity.
  const bound = params.map((p) => (p !== null && /^-?\d{1,15}$/.test(p) ? Number(p) : p));
  rows = stmt.iterate(...bound);
  return { type: 'columns', columns };
}

function next(size) {
  const batch = [];
  while (rows && batch.length < size) {
    const step = rows.next();
    if (step.done) {
      rows = null;
      break;
    }
    batch.push(step.value.map(text));
  }
  return { type: 'rows', rows: batch };
}

process.on('message', (m) => {
  let answer;
  try {
    answer = m.type === 'open' ? open(m) : next(m.size);
  } catch (err) {
    answer = { type: 'error', code: err.code ?? null, message: String(err.message) };
  }
  process.send(answer);
});
// The server went away or dropped the session: nothing left to do.
process.on('disconnect', () => {
  db?.close();
  process.exit(0);
});

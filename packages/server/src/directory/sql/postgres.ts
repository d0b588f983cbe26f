// PostgreSQL: a read-only transaction per sync, the rows through a server-side cursor (DECLARE/FETCH)
// a batch at a time, every value as text; statement_timeout stops the query at the time limit.
import {
  type Address,
  type NetTarget,
  networkError,
  type SqlRow,
  type SqlSession,
  SqlSourceError,
  tookTooLong,
} from './common.js';
import type { Statement } from './statement.js';

const DECLARE = 'declare parley_directory no scroll cursor for ';

export async function connectPostgres(
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

// One read-only session per sync on PostgreSQL, MariaDB/MySQL or SQLite (postgres.ts, mysql.ts,
// sqlite.ts): the rows come through a server-side cursor (PostgreSQL DECLARE/FETCH), a paused result
// stream (mysql2) or a statement iterator (better-sqlite3, in a process of its own), a batch at a
// time, every value as text. Each engine enforces the time limit itself: PostgreSQL's
// statement_timeout, MariaDB's max_statement_time (MySQL's max_execution_time), and for SQLite the
// caller's limit kills the reader process. Database hosts go through the outbound policy and are
// connected to as checked. Here: the source's URL, parsed and redacted, and the engine it names.
import type { OutboundPolicy } from '../../platform/outbound.js';
import { checkedAddress, type SqlSession, SqlSourceError, type SqlTarget } from './common.js';
import { connectMysql } from './mysql.js';
import { connectPostgres } from './postgres.js';
import { connectSqlite } from './sqlite.js';
import type { Dialect } from './statement.js';

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

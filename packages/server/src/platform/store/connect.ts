import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration as KyselyMigration, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { privateFile } from '../data-dir.js';
import type { Logger } from '../log.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface ConnectOptions {
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…` */
  url: string;
  poolSize?: number;
  /** PostgreSQL schema to use (tests isolate themselves in one). */
  schema?: string;
  log?: Logger;
}

/** The default database URL: SQLite in the data folder. */
export const defaultDatabaseUrl = (dataDir: string) => `sqlite:${join(dataDir, 'parley.sqlite')}`;

export const engineOf = (url: string): Engine => (url.startsWith('sqlite:') ? 'sqlite' : 'postgres');

/**
 * kysely's SQLite driver prepares every query anew; preparing costs more than running most of our
 * queries. Statements are reused by SQL text (kysely serialises access to the one connection, so a
 * cached statement is never in use twice at once).
 */
function withStatementCache(database: SQLite.Database, size = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source); // move to the young end
    } else {
      statement = prepare(source);
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, statement);
    return statement;
  }) as typeof database.prepare;
  return database;
}

/** An SQLite database file and the files SQLite keeps next to it. */
export const sqliteFiles = (file: string) => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

/** Opens a kysely instance on SQLite (better-sqlite3) or PostgreSQL (pg). */
export function connect(options: ConnectOptions): { db: Kysely<Database>; engine: Engine; schema?: string } {
  const engine = engineOf(options.url);
  if (engine === 'sqlite') {
    const file = options.url.slice('sqlite:'.length);
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // SQLite gives the files it keeps next to the database the database file's mode: 0600 for all.
      for (const f of sqliteFiles(file)) {
        if (f !== file && !existsSync(f)) continue;
        const was = privateFile(f);
        if (was)
          options.log?.warn(
            { file: f, was, now: 'no group/other access' },
            'database file was readable by others; tightened',
          );
      }
    }
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    database.pragma('synchronous = NORMAL');
    return {
      db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
      engine,
    };
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    // int8 columns hold epoch milliseconds, well inside Number's exact range.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === pg.types.builtins.INT8
          ? Number
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', (err) => options.log?.warn({ err }, 'idle PostgreSQL connection failed'));
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    engine,
    ...(options.schema && { schema: options.schema }),
  };
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(db: Kysely<Database>, engine: Engine, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    // With a schema of our own, keep kysely's bookkeeping tables in it too.
    ...(schema && { migrationTableSchema: schema }),
    provider: {
      async getMigrations() {
        const out: Record<string, KyselyMigration> = {};
        for (const m of migrations) out[m.name] = { up: (d) => m.up(d, engine) };
        return out;
      },
    },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Cheap round trip for readiness checks. */
export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

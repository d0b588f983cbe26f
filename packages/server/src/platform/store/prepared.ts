// Queries built and compiled once. kysely builds a query's operation tree and compiles it to SQL on
// every run; on the hot paths (a message sent or delivered, a login) that costs more than SQLite
// running the statement. A prepared query compiles its builder once per SQL dialect with slots in
// place of its parameters' values and afterwards only puts the values in their places.
import { type Compilable, type CompiledQuery, type Kysely, type QueryResult, SqliteAdapter } from 'kysely';
import type { Database } from './schema.js';

/** Where a parameter's value goes (what the builder sees in place of each value). */
class Slot {
  constructor(readonly name: string) {}
}

interface Compiled {
  query: CompiledQuery;
  /** For each parameter of `query`: the name of the value it takes, or undefined for a constant. */
  from: (string | undefined)[];
}

/**
 * A query whose parameters are only ever values (compared, inserted, set): `build` runs once, with
 * placeholders, so it must not look at them (no `if`, no arithmetic, no arrays for `in`).
 * `rows` yields the rows; `run` the result (`numAffectedRows` of an update without `returning`).
 * @example
 * const byId = prepared((db, p: { tenantId: string; id: string }) =>
 *   db.selectFrom('users').selectAll().where('tenant_id', '=', p.tenantId).where('id', '=', p.id));
 * const [row] = await byId.rows(db, { tenantId, id });
 */
export function prepared<P extends object, R>(build: (db: Kysely<Database>, p: P) => Compilable<R>) {
  // One compilation per dialect: SQLite's `?` and PostgreSQL's `$1` differ, nothing else does.
  const byDialect = new Map<boolean, Compiled>();
  const compiled = (db: Kysely<Database>): Compiled => {
    const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
    let c = byDialect.get(sqlite);
    if (!c) {
      const read = new Set<string>();
      const slots = new Proxy({} as P, {
        get: (_, name) => {
          read.add(String(name));
          return new Slot(String(name));
        },
      });
      const query = build(db, slots).compile();
      const from = query.parameters.map((p) => (p instanceof Slot ? p.name : undefined));
      for (const name of read) {
        if (!from.includes(name)) throw new Error(`prepared query: ${name} is not a value of the query`);
      }
      c = { query, from };
      byDialect.set(sqlite, c);
    }
    return c;
  };
  const run = async (db: Kysely<Database>, p: P): Promise<QueryResult<R>> => {
    const { query, from } = compiled(db);
    const values = p as Record<string, unknown>;
    const parameters = from.map((name, i) => (name === undefined ? query.parameters[i] : values[name]));
    return db.executeQuery({ ...query, parameters } as CompiledQuery<R>);
  };
  return {
    run,
    rows: async (db: Kysely<Database>, p: P): Promise<R[]> => (await run(db, p)).rows,
  };
}

// The admin's SELECT, made ready to run: the `:since` placeholder turned into the engine's
// parameter marker (the cursor is always bound, never spliced into the text), the incremental
// wrapper, and the LIMIT 1 wrapper of `test()`.

export type Dialect = 'postgres' | 'mysql' | 'sqlite';

/** A statement and the values of its parameter markers, in order. */
export interface Statement {
  text: string;
  params: (string | null)[];
}

const PLACEHOLDER = 'since';

/**
 * The offsets of every `:since` in a query, skipping string literals, quoted identifiers and
 * comments (and PostgreSQL's `::type` casts, which are not placeholders).
 */
export function findPlaceholders(query: string, dialect: Dialect): number[] {
  const found: number[] = [];
  let i = 0;
  const n = query.length;
  while (i < n) {
    const c = query[i];
    const next = query[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      // A quoted literal or identifier; a doubled quote stays inside. A backslash escapes in
      // MySQL strings and in PostgreSQL's E'…' strings.
      const backslash =
        c !== '`' &&
        (dialect === 'mysql' || (c === "'" && /[Ee]/.test(query[i - 1] ?? '') && !/\w/.test(query[i - 2] ?? '')));
      i++;
      while (i < n) {
        if (backslash && query[i] === '\\') i += 2;
        else if (query[i] === c && query[i + 1] === c) i += 2;
        else if (query[i] === c) break;
        else i++;
      }
      i++;
    } else if (c === '-' && next === '-') {
      while (i < n && query[i] !== '\n') i++;
    } else if (c === '#' && dialect === 'mysql') {
      while (i < n && query[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = query.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '$' && next === '$' && dialect === 'postgres') {
      // PostgreSQL $$ … $$ quoting.
      const end = query.indexOf('$$', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === ':' && next === ':') {
      i += 2;
    } else if (
      c === ':' &&
      query.startsWith(PLACEHOLDER, i + 1) &&
      !/[A-Za-z0-9_]/.test(query[i + 1 + PLACEHOLDER.length] ?? '')
    ) {
      found.push(i);
      i += 1 + PLACEHOLDER.length;
    } else {
      i++;
    }
  }
  return found;
}

/** The query without trailing semicolons and blanks (so it can sit inside a sub-select). */
export function trimQuery(query: string): string {
  return query.replace(/[\s;]+$/u, '');
}

/** Replaces each `:since` with the dialect's marker and binds `value` to every one of them. */
export function bindSince(query: string, dialect: Dialect, value: string | null): Statement {
  const at = findPlaceholders(query, dialect);
  if (at.length === 0) return { text: query, params: [] };
  let text = '';
  let last = 0;
  for (const offset of at) {
    text += query.slice(last, offset) + (dialect === 'postgres' ? '$1' : '?');
    last = offset + 1 + PLACEHOLDER.length;
  }
  text += query.slice(last);
  // PostgreSQL numbers its markers, so one $1 serves every occurrence; the others take one value each.
  return { text, params: dialect === 'postgres' ? [value] : at.map(() => value) };
}

export function quoteIdentifier(name: string, dialect: Dialect): string {
  return dialect === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

/**
 * The statement a sync runs. Without a cursor: the admin's query as written (with `:since`, if it
 * has one, bound to `initial`). With a cursor: the query's own `:since` bound to it, or — when the
 * query has none — the query wrapped as `select * from (QUERY) q where q.COLUMN >= CURSOR`.
 */
export function syncStatement(
  query: string,
  dialect: Dialect,
  incremental: { column: string; initial?: string | undefined } | undefined,
  cursor: string | null,
): Statement {
  const q = trimQuery(query);
  const own = findPlaceholders(q, dialect).length > 0;
  if (own) return bindSince(q, dialect, cursor ?? incremental?.initial ?? null);
  if (!incremental || cursor === null) return { text: q, params: [] };
  const marker = dialect === 'postgres' ? '$1' : '?';
  return {
    text: `select * from (\n${q}\n) parley_q where parley_q.${quoteIdentifier(incremental.column, dialect)} >= ${marker}`,
    params: [cursor],
  };
}

/** The statement of `test()`: the first row at most, with `:since` bound as for a full sync. */
export function probeStatement(query: string, dialect: Dialect, initial: string | null): Statement {
  const bound = bindSince(trimQuery(query), dialect, initial);
  return { text: `select * from (\n${bound.text}\n) parley_q limit 1`, params: bound.params };
}

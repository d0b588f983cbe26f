import { z } from 'zod';
import { OutboundPolicy } from '../../platform/outbound.js';
import {
  DEFAULT_TIMEOUT_MS,
  type DirectorySource,
  type NumberType,
  type SourceContact,
  type SyncContext,
  type SyncOutcome,
} from '../source.js';
import { duration, type SqlRow, type SqlSession, SqlSourceError, type SqlTarget, tookTooLong } from './common.js';
import { connect, parseTarget } from './engines.js';
import { findPlaceholders, probeStatement, syncStatement, trimQuery } from './statement.js';

export { SqlSourceError } from './common.js';

const numberTypes = ['work', 'mobile', 'home', 'fax', 'pager', 'other'] as const satisfies readonly NumberType[];
const column = z.string().trim().min(1).max(200);

/**
 * The settings of a SQL source (stored as JSON; the password is the source's sealed secret).
 *
 * Incremental syncs: with `incremental.column` set, a sync that has a cursor (the highest value
 * of that column the previous sync saw) reads only the rows at or above it. By default the
 * source wraps the query as `select * from (QUERY) q where q.COLUMN >= ?`, with the cursor bound
 * as a parameter. When the condition must sit inside the query (a join, an index the wrapper
 * would miss), write the placeholder `:since` where the cursor goes, e.g.
 * `… where c.updated_at > :since`; it is bound as a parameter (never spliced into the text), and
 * a full sync binds `incremental.initial` (a value below every row, e.g. `1970-01-01`) to it.
 * Rows at the cursor itself come again with the wrapper (`>=`), which costs a few rows and
 * misses none written in the same second; an incremental sync never reports deletions, so run
 * a full sync now and then.
 */
export const SqlSourceConfigSchema = z.strictObject({
  url: z
    .string()
    .trim()
    .min(1)
    .describe('postgres://user@host:5432/db, mysql://user@host:3306/db (mariadb:// too) or sqlite:/path/file.db'),
  query: z.string().trim().min(1).max(100_000).describe('A SELECT; `:since` marks where the cursor goes'),
  mapping: z.strictObject({
    id: column.describe('The column with a stable key (the primary key)'),
    name: column.optional(),
    givenName: column.optional(),
    surname: column.optional(),
    company: column.optional(),
    department: column.optional(),
    title: column.optional(),
    email: column.optional(),
    url: column.optional().describe("A link to the record in its own system (the CRM's page)"),
    numbers: z.array(z.strictObject({ column, type: z.enum(numberTypes) })).default([]),
  }),
  batchSize: z.number().int().min(1).max(100_000).default(1000),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(DEFAULT_TIMEOUT_MS)
    .describe(
      'The longest wait for the connection and for each batch of rows (MariaDB/MySQL: for the whole query); at most directory.limits.maxTimeoutSeconds',
    ),
  incremental: z
    .strictObject({
      column: column.describe('A result column that grows with every change (updated_at, a row version)'),
      initial: z.string().optional().describe('What `:since` is on a full sync, when the query has one'),
    })
    .optional(),
});
export type SqlSourceConfig = z.output<typeof SqlSourceConfigSchema>;
export type SqlSourceConfigInput = z.input<typeof SqlSourceConfigSchema>;

/** Validates the settings; throws a SqlSourceError naming every wrong field. */
export function parseSqlSourceConfig(raw: unknown): SqlSourceConfig {
  const parsed = SqlSourceConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new SqlSourceError(issues.join('; '));
  }
  const config = parsed.data;
  const target = parseTarget(config.url);
  const placeholders = findPlaceholders(trimQuery(config.query), target.dialect).length;
  if (placeholders > 0 && !config.incremental) {
    throw new SqlSourceError('query: uses :since, but incremental.column is not set');
  }
  if (placeholders > 0 && config.incremental?.initial === undefined) {
    throw new SqlSourceError(
      'incremental.initial: needed when the query has :since (what a full sync binds to it, e.g. 1970-01-01)',
    );
  }
  return config;
}

type Field = 'name' | 'givenName' | 'surname' | 'company' | 'department' | 'title' | 'email' | 'url';
const FIELDS: Field[] = ['name', 'givenName', 'surname', 'company', 'department', 'title', 'email', 'url'];

/** The mapping as column positions in the result. */
interface Layout {
  id: number;
  fields: Partial<Record<Field, number>>;
  numbers: { index: number; type: NumberType }[];
  cursor: number | null;
}

/**
 * Contacts from a database table or view: the admin's SELECT, read through a server-side
 * cursor inside a read-only transaction, mapped column by column.
 */
export class SqlSource implements DirectorySource {
  readonly config: SqlSourceConfig;
  private readonly target: SqlTarget;
  /** Rows of the last sync that could not become a contact (no id), for the sync report. */
  skippedRows: { line: number; reason: string }[] = [];

  /** `outbound` decides which database hosts it may connect to (by default no internal ones). */
  constructor(
    config: SqlSourceConfigInput,
    private readonly password: string | null = null,
    private readonly outbound: OutboundPolicy = new OutboundPolicy([]),
  ) {
    this.config = parseSqlSourceConfig(config);
    this.target = parseTarget(this.config.url);
  }

  async *sync(ctx: SyncContext): AsyncGenerator<SourceContact[], SyncOutcome> {
    const { incremental, batchSize } = this.config;
    const since = incremental ? ctx.cursor : null;
    const statement = syncStatement(this.config.query, this.target.dialect, incremental, since);
    this.skippedRows = [];
    const started = Date.now();
    const session = await this.connect(ctx.signal);
    try {
      const rows = await this.guard(session.query(statement, batchSize), session, ctx.signal);
      const layout = this.layout(rows.columns);
      let cursor = since;
      let done = 0;
      for (;;) {
        ctx.signal.throwIfAborted();
        const batch = await this.guard(rows.next(), session, ctx.signal);
        if (batch.length === 0) break;
        const contacts: SourceContact[] = [];
        for (const row of batch) {
          done++;
          if (layout.cursor !== null) cursor = laterCursor(cursor, row[layout.cursor] ?? null);
          const contact = toContact(row, layout);
          if (contact) contacts.push(contact);
          else this.skippedRows.push({ line: done, reason: `no value in the id column ${this.config.mapping.id}` });
        }
        ctx.progress(done, null);
        if (contacts.length > 0) yield contacts;
      }
      await this.guard(session.close(), session, ctx.signal);
      ctx.log.debug(
        { rows: done, skipped: this.skippedRows.length, incremental: since !== null, ms: Date.now() - started },
        'sql directory source read',
      );
      return { full: since === null, cursor: incremental ? cursor : null };
    } finally {
      // After a complete read this is a no-op; after an error, an abort or a reader that stopped early
      // it drops the connection (and with it the transaction and the cursor).
      session.destroy();
    }
  }

  async test(signal?: AbortSignal): Promise<void> {
    const statement = probeStatement(this.config.query, this.target.dialect, this.config.incremental?.initial ?? null);
    const session = await this.connect(signal);
    try {
      const rows = await this.guard(session.query(statement, 1), session, signal);
      this.layout(rows.columns);
      await this.guard(rows.next(), session, signal);
      await this.guard(session.close(), session, signal);
    } finally {
      session.destroy();
    }
  }

  private async connect(signal: AbortSignal | undefined): Promise<SqlSession> {
    signal?.throwIfAborted();
    let gaveUp = false;
    // A connection that arrives after the wait gave up is dropped at once.
    const pending = connect(this.target, this.password, this.config.timeoutMs, this.outbound).then((s) => {
      if (gaveUp) s.destroy();
      return s;
    });
    const late = () =>
      new SqlSourceError(`cannot connect to ${this.target.label}: no answer within ${duration(this.config.timeoutMs)}`);
    return race(pending, signal, this.config.timeoutMs, late, () => {
      gaveUp = true;
    });
  }

  /**
   * Waits for one step of the session, dropping the connection on abort or after timeoutMs (the
   * engines stop their statements at the same limit; SQLite's reader process is killed here).
   */
  private guard<T>(work: Promise<T>, session: SqlSession, signal: AbortSignal | undefined): Promise<T> {
    const { timeoutMs } = this.config;
    return race(
      work,
      signal,
      timeoutMs,
      () => tookTooLong(timeoutMs),
      () => session.destroy(),
    );
  }

  /** Finds the mapped columns in the result; one error names every one that is missing. */
  private layout(columns: string[]): Layout {
    const missing: string[] = [];
    const find = (name: string, what: string): number => {
      let i = columns.indexOf(name);
      if (i < 0) {
        const folded = columns.flatMap((c, j) => (c.toLowerCase() === name.toLowerCase() ? [j] : []));
        if (folded.length === 1) i = folded[0] as number;
      }
      if (i < 0) missing.push(`"${name}" (${what})`);
      return i;
    };
    const { mapping, incremental } = this.config;
    const layout: Layout = {
      id: find(mapping.id, 'mapping.id'),
      fields: {},
      numbers: mapping.numbers.map((n, k) => ({ index: find(n.column, `mapping.numbers[${k}]`), type: n.type })),
      cursor: incremental ? find(incremental.column, 'incremental.column') : null,
    };
    for (const f of FIELDS) {
      const col = mapping[f];
      if (col !== undefined) layout.fields[f] = find(col, `mapping.${f}`);
    }
    if (missing.length > 0) {
      throw new SqlSourceError(
        `the query has no column ${missing.join(', ')}; its columns are ${columns.join(', ') || '(none)'}`,
      );
    }
    return layout;
  }
}

/** A value trimmed, empty as null. */
function clean(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

function toContact(row: SqlRow, layout: Layout): SourceContact | null {
  const externalId = clean(row[layout.id]);
  if (externalId === null) return null;
  const get = (f: Field) => {
    const i = layout.fields[f];
    return i === undefined ? null : clean(row[i]);
  };
  const givenName = get('givenName');
  const surname = get('surname');
  const name = get('name') ?? clean([givenName, surname].filter((p) => p !== null).join(' '));
  const numbers: SourceContact['numbers'] = [];
  for (const n of layout.numbers) {
    const raw = clean(row[n.index]);
    if (raw !== null) numbers.push({ type: n.type, raw });
  }
  return {
    externalId,
    name,
    givenName,
    surname,
    company: get('company'),
    department: get('department'),
    title: get('title'),
    email: get('email'),
    numbers,
    url: get('url'),
  };
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The later of two cursor values as the database wrote them: integers and decimals by value,
 * anything else (timestamps in the session's one format, in UTC) as text.
 */
export function laterCursor(current: string | null, value: string | null): string | null {
  if (value === null) return current;
  if (current === null) return value;
  let cmp: number;
  if (INTEGER.test(current) && INTEGER.test(value)) {
    const a = BigInt(current);
    const b = BigInt(value);
    cmp = a < b ? -1 : a > b ? 1 : 0;
  } else if (DECIMAL.test(current) && DECIMAL.test(value)) {
    cmp = Number(current) - Number(value);
  } else {
    cmp = current < value ? -1 : current > value ? 1 : 0;
  }
  return cmp < 0 ? value : current;
}

/** The work, unless the signal aborts or timeoutMs passes first; then `cancel` runs and the call fails. */
function race<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  late: () => Error,
  cancel: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () =>
      settle(() => {
        cancel();
        reject(signal?.reason);
      });
    const timer = setTimeout(
      () =>
        settle(() => {
          cancel();
          reject(late());
        }),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => settle(() => resolve(v)),
      (e) => settle(() => reject(e)),
    );
  });
}

// What the engines of a directory SQL source share: the target, the session and rows they give,
// their errors and time limit, and a network server's address as the outbound policy checked it.
import { type OutboundPolicy, OutboundRefusedError } from '../../platform/outbound.js';
import type { Statement } from './statement.js';

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

export type NetTarget = Extract<SqlTarget, { dialect: 'postgres' | 'mysql' }>;
export type Address = Awaited<ReturnType<OutboundPolicy['resolve']>>[number];

/**
 * The address of the database server, checked by the outbound policy: the connection goes there,
 * not to a second lookup. A Unix socket (`?host=/run/postgresql`) is the server's own machine.
 */
export async function checkedAddress(target: NetTarget, outbound: OutboundPolicy): Promise<Address> {
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

/** What both network engines report alike: the server cannot be reached. */
export function networkError(code: string | undefined, target: NetTarget): SqlSourceError | undefined {
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

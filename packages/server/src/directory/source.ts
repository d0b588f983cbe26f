import type { Logger } from '../platform/log.js';

/** A network source's own time limit unless its settings say otherwise (`timeoutMs`). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** What kind of number a contact has (vCard TYPE / AD attribute). */
export type NumberType = 'work' | 'mobile' | 'home' | 'fax' | 'pager' | 'other';

/** Where a file source read a number: the line its row starts on (1-based) and the column's name. */
export interface NumberOrigin {
  line: number;
  field: string;
}

/** One person (or a company's switchboard entry) as a source delivers it, before normalization. */
export interface SourceContact {
  /** Stable id within the source: an LDAP entryUUID or DN, a CSV row key, a SQL primary key, a CRM id. */
  externalId: string;
  /** Display name; sources without one build it from given name and surname. */
  name: string | null;
  givenName: string | null;
  surname: string | null;
  company: string | null;
  department: string | null;
  title: string | null;
  email: string | null;
  /** The numbers as the source writes them (normalized later, with the tenant's numbering plan). */
  numbers: { type: NumberType; raw: string; origin?: NumberOrigin }[];
  /** A link to the record in its own system (CRM page), when there is one. */
  url: string | null;
}

export interface SyncContext {
  /**
   * Where the previous sync of this source stopped (e.g. the highest modifyTimestamp or
   * uSNChanged seen), for an incremental sync; null asks for everything.
   */
  cursor: string | null;
  signal: AbortSignal;
  /** Reports progress: contacts read so far and, when the source knows it, how many in all. */
  progress(done: number, total: number | null): void;
  log: Logger;
}

/** How a sync ended: whether it delivered everything (then what it did not deliver is gone) and the next cursor. */
export interface SyncOutcome {
  full: boolean;
  cursor: string | null;
  /** External ids the source reports as deleted (incremental syncs that can tell). */
  deleted?: string[];
}

/**
 * A directory connector (LDAP/AD, CSV/vCard, SQL, HTTP/CRM, Parley's users). `sync` yields the
 * contacts in batches and returns how the sync ended; the directory service stores them,
 * normalizes their numbers and patches the tenant's index. Every connector passes
 * `test/contract/directory-source.contract.ts`.
 */
export interface DirectorySource {
  sync(ctx: SyncContext): AsyncGenerator<SourceContact[], SyncOutcome>;
  /** Checks connection and credentials (the admin's "test connection"); throws with a clear message. */
  test(signal?: AbortSignal): Promise<void>;
  /** For sources that cannot be replicated: the contacts with this number, asked live. */
  lookup?(number: { e164: string; raw: string }, signal?: AbortSignal): Promise<SourceContact[]>;
}

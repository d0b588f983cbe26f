import type { NumberOrigin, NumberType, SourceContact } from './source.js';

/** A contact's number: as the source wrote it, and normalized (null when it could not be). */
export interface ContactNumber {
  type: NumberType;
  raw: string;
  e164: string | null;
  /** Written as a block (`+49 711 1234-0`): it also stands for every extension behind it. */
  block?: boolean;
}

/** A contact as stored and indexed: the source's fields with normalized numbers. */
export type StoredContact = Omit<SourceContact, 'numbers'> & {
  numbers: ContactNumber[];
  /** For Parley's own users: their address (local@domain). */
  address?: string;
};

export type SourceKind = 'ldap' | 'file' | 'sql' | 'http';
export type SourceState = 'idle' | 'syncing' | 'ok' | 'error';

/** Who may see a source's contacts; absent: everyone in the tenant. */
export interface Visibility {
  roles?: string[];
  users?: string[];
}

export interface SourceRow {
  id: string;
  tenantId: string;
  name: string;
  kind: SourceKind;
  /** Lower is more important; Parley's own users always come first. */
  priority: number;
  config: Record<string, unknown>;
  secretSealed: string | null;
  scheduleSeconds: number | null;
  visibleTo: Visibility | null;
  state: SourceState;
  cursor: string | null;
  entries: number;
  invalidNumbers: number;
  lastSyncAt: number | null;
  lastFullSyncAt: number | null;
  lastError: string | null;
  report: SyncReport | null;
  progress: { done: number; total: number | null } | null;
  /** The numbering plan (its key, `planKey`) the stored numbers were normalized with; null before any sync. */
  numbering: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What the last sync found wrong: numbers not understood and rows skipped, each with where. */
/** What a new source is given; the rest is the status of a source never synced (`newSource`). */
export type SourceSettings = Pick<
  SourceRow,
  'id' | 'tenantId' | 'name' | 'kind' | 'priority' | 'config' | 'secretSealed' | 'scheduleSeconds' | 'visibleTo'
>;

/** A new source: its settings, idle, no contacts, never synced. */
export function newSource(settings: SourceSettings, now: number): SourceRow {
  return {
    ...settings,
    state: 'idle',
    cursor: null,
    entries: 0,
    invalidNumbers: 0,
    lastSyncAt: null,
    lastFullSyncAt: null,
    lastError: null,
    report: null,
    progress: null,
    numbering: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** A number that could not be understood: as written (shown without unsafe characters), why, and where. */
export type InvalidNumber = { raw: string; reason: string } & Partial<NumberOrigin>;

export interface SyncReport {
  /** With the line and column where a file source read the number. */
  invalidNumbers: ({ externalId: string } & InvalidNumber)[];
  skippedRows: { line: number; reason: string }[];
}

export type MatchKind = 'exact' | 'company' | 'prefix';

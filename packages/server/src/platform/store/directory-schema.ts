/** Table types of the directory (migration 006). Timestamps are epoch milliseconds. */
export interface DirectorySourcesTable {
  id: string;
  tenant_id: string;
  name: string;
  kind: 'ldap' | 'file' | 'sql' | 'http';
  priority: number;
  /** JSON of the connector's settings, without secrets. */
  config: string;
  /** The connector's secret (bind password, API token), sealed. */
  secret_sealed: string | null;
  schedule_seconds: number | null;
  /** JSON `{ roles?, users? }`: who may see this source's contacts; null: everyone in the tenant. */
  visible_to: string | null;
  state: 'idle' | 'syncing' | 'ok' | 'error';
  cursor: string | null;
  entries: number;
  invalid_numbers: number;
  last_sync_at: number | null;
  last_full_sync_at: number | null;
  last_error: string | null;
  /** JSON of the last sync's report: rows skipped with their line and reason, numbers not understood. */
  report: string | null;
  /** While syncing: contacts read so far and, when known, in all (any node can report it). */
  progress_done: number | null;
  progress_total: number | null;
  /** JSON of the numbering plan the stored numbers were normalized with (migration 008). */
  numbering: string | null;
  created_at: number;
  updated_at: number;
}

export interface DirectoryEntriesTable {
  tenant_id: string;
  source_id: string;
  external_id: string;
  /** JSON of the stored contact (fields and normalized numbers). */
  contact: string;
  /** When a sync last delivered it (a full sync removes what it did not see). */
  seen_at: number;
}

export interface DirectoryTables {
  directory_sources: DirectorySourcesTable;
  directory_entries: DirectoryEntriesTable;
}

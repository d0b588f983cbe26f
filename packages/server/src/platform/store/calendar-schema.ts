/** Table types of the calendar store (migrations 004, 013). Timestamps are epoch milliseconds. */
export interface CalendarConnectionsTable {
  user_id: string;
  tenant_id: string;
  type: 'caldav' | 'ics';
  url: string;
  username: string | null;
  /** AES-256-GCM sealed password (platform/secrets.ts); never plaintext. */
  password_sealed: string | null;
  etag: string | null;
  last_modified: string | null;
  sync_token: string | null;
  ctag: string | null;
  last_sync_at: number | null;
  last_attempt_at: number | null;
  last_error: string | null;
  stale: number;
  /** Failed polls in a row (0 after a success). */
  failures: number;
  /** When the next poll is due; null: at once. */
  next_attempt_at: number | null;
  created_at: number;
  updated_at: number;
}

/** One fetched calendar object (a CalDAV resource, or the whole body of an ICS URL). */
export interface CalendarResourcesTable {
  user_id: string;
  tenant_id: string;
  href: string;
  etag: string | null;
  data: string;
}

export interface CalendarTables {
  calendar_connections: CalendarConnectionsTable;
  calendar_resources: CalendarResourcesTable;
}

/** Table types of the call journal (migration 016). Timestamps are epoch milliseconds. */
export interface JournalEntriesTable {
  id: string;
  tenant_id: string;
  /** Whose entry this is: one entry per user involved in a call. */
  user_id: string;
  call_id: string;
  direction: 'inbound' | 'outbound' | 'internal';
  /** The user's own line number in the call, when it went through one of their lines. */
  line: string | null;
  remote_number: string | null;
  remote_uri: string | null;
  /** The remote party when it is a colleague (a user of the tenant). */
  remote_user_id: string | null;
  /** What the remote party's signalling called itself. */
  remote_display: string | null;
  /** Who the remote party is, from the directory (a colleague: their display name). */
  remote_name: string | null;
  remote_company: string | null;
  remote_match: string | null;
  started_at: number;
  answered_at: number | null;
  ended_at: number;
  /** Seconds talked. */
  duration: number;
  result: 'answered' | 'missed' | 'busy' | 'forwarded' | 'transferred' | 'failed' | 'cancelled';
  /** Who forwarded or transferred the call, as shown. */
  by: string | null;
  memo: string | null;
  read: number;
  /** Folded words of the names, numbers, company, `by` and memo that `q` searches. */
  search_key: string;
  created_at: number;
}

export interface JournalTables {
  journal_entries: JournalEntriesTable;
}

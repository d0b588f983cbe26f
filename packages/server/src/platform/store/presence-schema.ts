/** Table types of the presence store (migration 002). Timestamps are epoch milliseconds. */
export interface PresenceInputsTable {
  tenant_id: string;
  user_id: string;
  /** `call-settings` since migration 017. */
  source: 'manual' | 'line' | 'client' | 'rtc' | 'calendar' | 'call-settings';
  key: string;
  /** JSON of the input. */
  value: string;
  expires_at: number | null;
  updated_at: number;
  /** The node instance whose connection keeps a client input alive (migration 005). */
  holder: string | null;
}

/** Each user's computed presence and its next scheduled change, shared by the nodes (migration 005). */
export interface PresenceStateTable {
  user_id: string;
  tenant_id: string;
  /** JSON of the computed presence. */
  presence: string;
  due: number | null;
  /** Bumped by every write; writers compare-and-set on it. */
  version: number;
  updated_at: number;
}

export interface PresenceTeamsTable {
  id: string;
  tenant_id: string;
  name: string;
  created_at: number;
}

export interface PresenceTeamMembersTable {
  team_id: string;
  tenant_id: string;
  user_id: string;
}

export interface PresenceBlocksTable {
  tenant_id: string;
  user_id: string;
  watcher: string;
  created_at: number;
}

export interface PresenceTables {
  presence_inputs: PresenceInputsTable;
  presence_state: PresenceStateTable;
  presence_teams: PresenceTeamsTable;
  presence_team_members: PresenceTeamMembersTable;
  presence_blocks: PresenceBlocksTable;
}

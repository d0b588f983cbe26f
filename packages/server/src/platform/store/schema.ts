import type { CalendarTables } from './calendar-schema.js';
import type { DirectoryTables } from './directory-schema.js';
import type { JournalTables } from './journal-schema.js';
import type { MessagingTables } from './messaging-schema.js';
import type { PresenceTables } from './presence-schema.js';

/** Table types of the store. Timestamps are epoch milliseconds in both engines. */
export interface TenantsTable {
  id: string;
  name: string;
  country: string | null;
  area_code: string | null;
  /** JSON of the numbering plan beyond country and area code (migration 006). */
  numbering: string | null;
  created_at: number;
}

export interface TenantDomainsTable {
  domain: string;
  tenant_id: string;
  is_primary: number;
  created_at: number;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  local: string;
  domain: string;
  display_name: string;
  /** The display name folded for sorting and prefix search (`name-key.ts`, migration 009). */
  name_key: string;
  email: string | null;
  role: 'user' | 'tenant-admin' | 'system-admin';
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface UserNumbersTable {
  tenant_id: string;
  user_id: string;
  position: number;
  number: string;
}

export interface CredentialsTable {
  tenant_id: string;
  user_id: string;
  /** `$scrypt$N$r$p$salt$hash` (base64) */
  password_hash: string;
  scram_sha256_salt: string;
  scram_sha256_iterations: number;
  scram_sha256_stored_key: string;
  scram_sha256_server_key: string;
  /** Null for a password stored before migration 014, until its next successful sign-in. */
  scram_sha1_salt: string | null;
  scram_sha1_iterations: number | null;
  scram_sha1_stored_key: string | null;
  scram_sha1_server_key: string | null;
  updated_at: number;
}

/**
 * A user's SIP device (migration 010): its own generated secret, never the login password, kept
 * only as RFC 7616 HA1 digests for the registrar.
 */
export interface DevicesTable {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  /** Digest user name, unique in the tenant. */
  sip_username: string;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  created_at: number;
  rotated_at: number | null;
  /** The line the device rings for; null: every line of its owner (migration 015). */
  line_id: string | null;
}

/** A user's line (migration 015): an extension, unique in the tenant, and an optional E.164 DID. */
export interface LinesTable {
  id: string;
  tenant_id: string;
  user_id: string;
  /** The internal extension, digits. */
  number: string;
  did: string | null;
  created_at: number;
  /** The line's pickup group in its tenant; null: none (migration 019). */
  pickup_group: string | null;
}

/** A call-back request (migration 019): ring `from_line_id`, then call `target_line_id`, once that is free. */
export interface CallBacksTable {
  id: string;
  tenant_id: string;
  user_id: string;
  from_line_id: string;
  from_number: string;
  target_line_id: string;
  target_number: string;
  target_user_id: string;
  /** busy: served when the target's calls end; noAnswer: when its next activity ends. */
  mode: 'busy' | 'noAnswer';
  active_seen: number;
  created_at: number;
  expires_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
}

/** A CSTA application account (migration 018): tenant-wide call control for a CTI application. */
/** The LDAP phone-book account of a tenant (one per tenant). */
export interface LdapAccountsTable {
  tenant_id: string;
  /** SHA-256 (hex) of the generated secret. */
  secret_hash: string;
  created_at: number;
}

export interface CstaAppsTable {
  id: string;
  tenant_id: string;
  /** Unique in the tenant; the application signs in as `name@domain`. */
  name: string;
  /** SHA-256 (hex) of the generated secret. */
  secret_hash: string;
  created_at: number;
}

export interface SipTrunksTable {
  id: string;
  tenant_id: string;
  /** Unique in the tenant. */
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  username: string | null;
  /** The digest password, sealed (platform/secrets.ts) for this row. */
  password_sealed: string | null;
  register: number;
  number_format: 'e164' | 'national';
  /** E.164 presented for callers whose line has no DID. */
  caller_id: string | null;
  /** JSON array of addresses, address:port or CIDR ranges. */
  inbound_sources: string;
  created_at: number;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  token_hash: string;
  user_agent: string | null;
  address: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface TicketsTable {
  ticket_hash: string;
  tenant_id: string;
  session_id: string;
  expires_at: number;
}

/** A user's favourite colleagues in order (migration 009). */
/** A user's personal roster contact or pending inbound subscription request (migration 021). */
export interface RosterItemsTable {
  user_id: string;
  jid: string;
  tenant_id: string;
  name: string | null;
  /** JSON array of group names. */
  groups: string;
  subscription: string;
  pending_out: number;
  pending_in: number;
  pending_status: string | null;
  listed: number;
  updated_at: number;
}

export interface FavouritesTable {
  tenant_id: string;
  user_id: string;
  position: number;
  target_id: string;
}

/**
 * A user's call settings (migration 017): forwarding rules, do not disturb, remote office; no row
 * means everything off. Booleans are 0/1 on both engines.
 */
export interface CallSettingsTable {
  user_id: string;
  tenant_id: string;
  immediate_on: number;
  immediate_to: string | null;
  busy_on: number;
  busy_to: string | null;
  no_answer_on: number;
  no_answer_to: string | null;
  no_answer_seconds: number;
  dnd: number;
  remote_office_on: number;
  remote_office_number: string | null;
  updated_at: number;
}

/** A tenant's trust level for one remote domain (migration 023). */
export interface FederationDomainsTable {
  tenant_id: string;
  /** Lower case, no trailing dot. */
  domain: string;
  level: 'blocked' | 'public' | 'business' | 'trusted';
  updated_at: number;
}

/** A tenant's level for the remote domains it did not list (migration 023); no row: public. */
export interface FederationSettingsTable {
  tenant_id: string;
  default_level: 'blocked' | 'public' | 'business' | 'trusted';
  updated_at: number;
}

/** A user's XEP-0357 push registration (migration 022); `options` is a JSON object of strings. */
export interface PushRegistrationsTable {
  tenant_id: string;
  user_id: string;
  service: string;
  node: string;
  options: string;
  created_at: number;
  updated_at: number;
}

/** A user's PEP node (XEP-0163; migration 035): who reads it, how many items it keeps, its last `seq`. */
export interface PepNodesTable {
  tenant_id: string;
  user_id: string;
  node: string;
  access: string;
  max_items: number;
  send_last: string;
  seq: number;
  created_at: number;
  updated_at: number;
}

/** An item published to a PEP node (migration 035): its XML payload and its place (`seq`). */
export interface PepItemsTable {
  tenant_id: string;
  user_id: string;
  node: string;
  item_id: string;
  payload: string;
  seq: number;
  published_at: number;
}

/** A user's avatar image (migration 025): the bytes and their SHA-1 (hex), the XMPP avatar id. */
export interface UserAvatarsTable {
  user_id: string;
  tenant_id: string;
  content_type: string;
  sha1: string;
  bytes: Buffer;
  updated_at: number;
}

export interface Database extends MessagingTables, PresenceTables, CalendarTables, DirectoryTables, JournalTables {
  tenants: TenantsTable;
  tenant_domains: TenantDomainsTable;
  users: UsersTable;
  user_numbers: UserNumbersTable;
  credentials: CredentialsTable;
  devices: DevicesTable;
  lines: LinesTable;
  csta_apps: CstaAppsTable;
  ldap_accounts: LdapAccountsTable;
  sip_trunks: SipTrunksTable;
  sessions: SessionsTable;
  event_tickets: TicketsTable;
  favourites: FavouritesTable;
  call_settings: CallSettingsTable;
  call_backs: CallBacksTable;
  roster_items: RosterItemsTable;
  federation_domains: FederationDomainsTable;
  federation_settings: FederationSettingsTable;
  push_registrations: PushRegistrationsTable;
  pep_nodes: PepNodesTable;
  pep_items: PepItemsTable;
  user_avatars: UserAvatarsTable;
}

import type { Call, CallCause, CallEventType, Party, ResolvedName } from '../calls/model.js';

// The call journal (issue 14): one entry per user involved in a call, derived from the call's
// events when it ends (`derive.ts`), resolved through the directory and kept in the store.

export const journalDirections = ['inbound', 'outbound', 'internal'] as const;
export type JournalDirection = (typeof journalDirections)[number];

export const journalResults = [
  'answered',
  'missed',
  'busy',
  'forwarded',
  'transferred',
  'failed',
  'cancelled',
] as const;
export type JournalResult = (typeof journalResults)[number];

/** The other end of a journal entry's call. */
export interface RemoteParty {
  number: string | null;
  uri: string | null;
  /** Set when the remote party is a colleague. */
  userId: string | null;
  /** What its signalling called itself. */
  display: string | null;
  /** From the directory; a colleague's display name. */
  name: string | null;
  company: string | null;
  /** How the directory matched (`exact`, `company`, `prefix`; `user` for a colleague). */
  match: string | null;
}

export interface JournalEntry {
  id: string;
  tenantId: string;
  userId: string;
  callId: string;
  direction: JournalDirection;
  /** The user's own line number in the call, if the call went through one of their lines. */
  line: string | null;
  remote: RemoteParty;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  /** Seconds talked (answered to end, holds included). */
  duration: number;
  result: JournalResult;
  /** Who forwarded or transferred the call, as shown. */
  by: string | null;
  memo: string | null;
  read: boolean;
  createdAt: number;
}

/** What the switching node keeps of one `call.*` event until the call ends. */
export interface CallStep {
  type: CallEventType;
  call: Call;
  connectionId: string | null;
  cause: CallCause | null;
  joined?: { oldCalls: string[]; by: Party };
  /** When this node saw the event (for a party without a connection of its own). */
  at: number;
}

/** A user's entry as derived from the call's events, before names are resolved. */
export interface EntryDraft {
  userId: string;
  direction: JournalDirection;
  line: string | null;
  remote: Party | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
  duration: number;
  result: JournalResult;
  by: Party | null;
}

/**
 * Who a number is, from the directory; the composition root implements it over
 * `directory.tenant(tenantId).resolve(number)` (the core does not know the directory).
 */
export interface NumberResolver {
  resolve(tenantId: string, number: string): Promise<ResolvedName | null>;
}

/** The filters of a journal listing and its export. */
export interface JournalFilter {
  direction?: JournalDirection;
  result?: JournalResult;
  unread?: boolean;
  /** Started at or after (epoch ms). */
  from?: number;
  /** Started before (epoch ms). */
  to?: number;
  /** Words each found in a name, number, company, `by` or memo. */
  q?: string;
}

/** Where a listing goes on: the last entry of the page before. */
export interface JournalPosition {
  startedAt: number;
  id: string;
}

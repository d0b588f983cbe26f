import { CallEventType as CallEventTypeSchema } from '@parley/api';
import type { LineState } from '../presence/model.js';

// The protocol-neutral call model of DESIGN §7, in CSTA (ECMA-269) vocabulary: a call has
// connections, one per device (or external party), each in a connection state. SIP dialogs are one
// source of its changes; a CSTA PBX link may be another.

/**
 * One end of a connection. A party of this tenant names its user, line and device; an external
 * party has only `number`, `uri` and `display`.
 */
export interface Party {
  userId?: string;
  lineId?: string;
  /** The line's number as dialled (`201`); also the key of the line's presence input. */
  lineNumber?: string;
  deviceId?: string;
  /** A number outside the tenant's lines (E.164 or as dialled). */
  number?: string;
  uri?: string;
  display?: string;
  /** Who the number is, from the directory (`directory.resolve`): set on external parties. */
  resolved?: ResolvedName;
}

/** A number resolved through the directory: what a ringing call shows ("Anna Berger, Muster GmbH"). */
export interface ResolvedName {
  name: string | null;
  company: string | null;
  /** How it matched (exact, company switchboard or block, prefix). */
  match: string;
}

/** The CSTA connection states of DESIGN §7 (`queued` comes with call distribution). */
export const connectionStates = ['null', 'initiated', 'alerting', 'connected', 'held', 'failed'] as const;
export type ConnectionState = (typeof connectionStates)[number];

/** The CSTA event causes (ECMA-269 EventCause) the call model uses. */
export const callCauses = [
  'normalClearing',
  'busy',
  'callNotAnswered',
  'callCancelled',
  'destNotObtainable',
  'doNotDisturb',
  'blocked',
  'incompatibleDestination',
  'networkCongestion',
  'networkNotObtainable',
  'resourcesNotAvailable',
  'redirected',
  'callForwardImmediate',
  'callForwardBusy',
  'callForwardNoAnswer',
  'callPickup',
  'newCall',
  'callForward',
  'transfer',
  'singleStepTransfer',
  'conference',
  'consultation',
  'alternate',
  'callBack',
] as const;
export type CallCause = (typeof callCauses)[number];

/** Which side of the call a connection is on. */
export type ConnectionRole = 'calling' | 'called';

export interface Connection {
  /** Unique within the call (CSTA connectionID = call + device). */
  id: string;
  party: Party;
  role: ConnectionRole;
  state: ConnectionState;
  /** When it entered `state`. */
  since: number;
  /** Why it failed or cleared; null while it is up. */
  cause: CallCause | null;
}

/**
 * A call as it stands after its latest event: a snapshot, never changed once handed out (each
 * change makes a new one with a higher `version`).
 */
export interface Call {
  id: string;
  tenantId: string;
  /** The node instance that switches it (the only one that changes it). */
  node: string;
  /** What the caller dialled. */
  dialled: string;
  caller: Party;
  /** Who the call is for now (the dialled party, or where it was diverted to). */
  called: Party;
  connections: Connection[];
  createdAt: number;
  answeredAt: number | null;
  /** Set when the last connection cleared: the call is over. */
  endedAt: number | null;
  /** Increases with every change; replicas keep the highest they saw. */
  version: number;
}

/**
 * What every `call.*` event carries: the call after the change and the connection it is about.
 * The bus orders events per subscription only: order events of different types by `call.version`.
 */
export interface CallEvent {
  tenantId: string;
  /** Published once per user with a connection in the call (none: once without). */
  userId?: string;
  call: Call;
  /** The connection the event is about (null: the call as a whole). */
  connectionId: string | null;
  cause: CallCause | null;
  /**
   * Transferred and Conferenced: the calls that became this one (ECMA-269 primary and secondary
   * old call) and the device that transferred or conferenced them.
   */
  joined?: { oldCalls: string[]; by: Party };
}

/** The call events, one definition in @parley/api. */
export const callEventTypes = CallEventTypeSchema.options;
export type CallEventType = (typeof callEventTypes)[number];

/**
 * The legal connection transitions; a step not listed is a programming error of the switching
 * layer. `null` as a target is ConnectionCleared.
 */
export const transitions: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  null: ['initiated', 'alerting', 'connected'],
  initiated: ['connected', 'failed', 'null'],
  alerting: ['connected', 'failed', 'null'],
  connected: ['held', 'null'],
  held: ['connected', 'null'],
  failed: ['null'],
};

export const canMove = (from: ConnectionState, to: ConnectionState) => transitions[from].includes(to);

/** The fields that identify a party, most specific first. */
const identities = ['deviceId', 'lineId', 'userId', 'uri', 'number'] as const;

/**
 * Whether `connection` is one of `party`'s: every identifying field `party` has, the connection's
 * party has with the same value (a line matches each of its devices' connections).
 */
export function isPartyOf(party: Party, connection: Party): boolean {
  const given = identities.filter((f) => party[f] !== undefined);
  return given.length > 0 && given.every((f) => connection[f] === party[f]);
}

/** Whether a party names anything a connection can be found by. */
export const identifies = (party: Party) => identities.some((f) => party[f] !== undefined);

/** A connection that is still part of the call. */
export const isLive = (c: Connection) => c.state !== 'null';

/** Where the calls' line states go: the presence service (its phone-line input). */
export interface LinePresenceSink {
  setLineState(
    tenantId: string,
    userId: string,
    line: string,
    state: LineState,
    options?: { holder?: string },
  ): Promise<unknown>;
  removeLine(tenantId: string, userId: string, line: string): Promise<unknown>;
}

/** A change of a watched line: the dialogs that changed (cleared ones as `terminated`) and all live ones. */
export interface LineChange {
  lineId: string;
  changed: LineDialog[];
  dialogs: LineDialog[];
}
export type OnLineChange = (change: LineChange) => void;

/** A connection as a dialog of its line (RFC 4235 states: what a BLF key shows). */
export type DialogState = 'trying' | 'early' | 'confirmed' | 'terminated';

export interface LineDialog extends ConnectionDialog {
  lineId: string;
  lineNumber?: string;
}

/** A connection as a dialog, line or not (a BLF key for a user's address watches these). */
export interface ConnectionDialog {
  callId: string;
  connectionId: string;
  userId?: string;
  deviceId?: string;
  state: DialogState;
  /** Confirmed but on hold at this end. */
  held: boolean;
  /** initiator: the line placed the call; recipient: it was called. */
  direction: 'initiator' | 'recipient';
  /** Who is at the other end (the answering or ringing party, or the caller). */
  remote: Party;
  since: number;
}

// What a back-to-back call needs from the switch around it, and what it reports.
import type { CallCause, Party } from '../../../core/calls/model.js';
import type { Logger } from '../../../platform/log.js';
import type { MediaSettings } from '../media/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import type { DialogCall } from './dialogs.js';
import type { UaCstaSessions } from './uacsta-session.js';

/** A party of a call as the core knows it: a device of a user's line, or someone outside. */
export type CallParty = Party;

export type CallSide = 'A' | 'B';

/** Why a call did not connect, in CSTA's words (ECMA-269 §12.2.4 event causes). */
export type FailureCause = Extract<
  CallCause,
  'busy' | 'callNotAnswered' | 'destNotObtainable' | 'callCancelled' | 'doNotDisturb'
>;

/** Why a ringing call went elsewhere (ECMA-269 event causes of Diverted). */
export type DivertCause = Extract<
  CallCause,
  'redirected' | 'callPickup' | 'callForwardImmediate' | 'callForwardBusy' | 'callForwardNoAnswer'
>;

/** Receives a call's steps (the core's call model listens here). */
export interface CallSink {
  originated(
    call: { id: string },
    caller: CallParty,
    to: { tenantId: string; dialled: string; party?: CallParty },
  ): void;
  delivered(call: { id: string }, party: CallParty): void;
  established(call: { id: string }, party: CallParty): void;
  held(call: { id: string }, party: CallParty): void;
  retrieved(call: { id: string }, party: CallParty): void;
  /** The call goes to `to` instead of the party it rang (deflection, pickup, forwarding). */
  diverted(call: { id: string }, to: CallParty, cause: DivertCause): void;
  /** SingleStepTransfer: `by` left the call, which now goes to `to`. */
  transferred(call: { id: string }, by: CallParty, to: CallParty): void;
  /** ConferenceCall: `moved` came from `held` (which ends) into `call`, which `by` conferenced. */
  conferenced(call: { id: string }, held: { id: string }, by: CallParty, moved: CallParty): void;
  /** A party left a conference that goes on. */
  left(call: { id: string }, party: CallParty): void;
  /** TransferCall: `by` left `call` and `held`; `moved` came from `held` (which ends) into `call`. */
  joined(call: { id: string }, held: { id: string }, by: CallParty, moved: CallParty): void;
  /** The call ended; `by` hung up (undefined: the server ended it); `cause` callCancelled: before anyone answered. */
  cleared(call: { id: string }, by: CallParty | undefined, cause?: 'callCancelled'): void;
  failed(call: { id: string }, cause: FailureCause): void;
  /** The back-to-back call's id of a live core call this node switches. */
  switched(coreCallId: string): string | undefined;
  /** The core's id of a back-to-back call, once the core took it (undefined: refused, or long over). */
  coreId(b2buaId: string): Promise<string | undefined>;
}

/** The transaction and transport services a call uses. */
export interface Switch {
  /** Sends a request in a new client transaction; every final response (or a 408 on timeout) goes to `onResponse`. */
  sendRequest(request: SipRequest, flow: Flow, onResponse: (response: SipResponse) => void): void;
  respond(tx: ServerTransaction<Flow>, response: SipResponse): void;
  /** Sends outside any transaction (ACK for a 2xx, retransmitted 2xx). */
  send(message: SipRequest | SipResponse, flow: Flow): void;
  /** Requests in the call's dialogs (its legs so far) find it from now on. */
  track(call: DialogCall): void;
  /** A REFER from `side` of the call (a transfer from the phone, see refer.ts). */
  refer(call: DialogCall, side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): void;
  /** The call ended: its dialogs are forgotten once late retransmissions are over. */
  forget(call: DialogCall): void;
  /** The node's media settings (GenerateDigits anchors a call's media through Parley); throws when not usable. */
  media(): MediaSettings;
  /** The uaCSTA sessions to the phones (AnswerCall at a phone that offers it). */
  readonly uaCsta: UaCstaSessions;
  readonly log: Logger;
  readonly ringMs: number;
  readonly t1: number;
  readonly t2: number;
}

/**
 * The response a forking proxy returns when no branch answered (RFC 3261 §16.7 step 6, in
 * short): a 6xx wins, then busy (486, 600) over the rest, else the lowest class, 480 when none.
 * A 430 (RFC 5626 §5.3: the device's flow is gone) is not passed on: the device is not reached.
 */
export function bestResponse(finals: SipResponse[]): { status: number; reason: string } {
  const six = finals.find((r) => r.status >= 600);
  if (six) return six;
  const busy = finals.find((r) => r.status === 486);
  if (busy) return busy;
  const sorted = [...finals].filter((r) => r.status !== 487 && r.status !== 430).sort((x, y) => x.status - y.status);
  return sorted[0] ?? { status: 480, reason: 'Temporarily Unavailable' };
}

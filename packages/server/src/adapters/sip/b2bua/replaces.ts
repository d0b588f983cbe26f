// Call pickup by Replaces (RFC 3891): a phone takes a call ringing at another line by sending an
// INVITE whose Replaces header names that line's early dialog (the ids Parley's dialog-info
// NOTIFYs show BLF keys). The ringing devices are cancelled and the picking phone's INVITE takes
// their place: both legs get a holding answer (RFC 3725 Flow IV) and, once both ACKed, are
// connected. The header's pure parse is here too.
import type { Services } from '../../../compose.js';
import { senderParty } from '../federation/calls.js';
import type { Sender } from '../federation/sender.js';
import { respond, type SipRequest, type SipResponse } from '../message/index.js';
import { notFoundAs } from '../registrar/registrar.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { ControlledCall } from './controlled.js';
import type { DialogCall } from './dialogs.js';
import { Leg, newTag, ourAddress } from './leg.js';
import type { Fork } from './parts.js';
import { offersOf } from './phone.js';
import type { CallParty, CallSide } from './types.js';

/** A Replaces header (RFC 3891 §6.1): the dialog to replace, and whether only an early one may be. */
export interface Replaces {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
}

/** Parses a Replaces value; undefined when it lacks the Call-ID or either tag. */
export function parseReplaces(value: string): Replaces | undefined {
  const [callId, ...params] = value.split(';').map((p) => p.trim());
  if (!callId || callId.length > 256) return undefined;
  const named = new Map<string, string>();
  for (const p of params) {
    const [name, ...rest] = p.split('=');
    named.set((name ?? '').trim().toLowerCase(), rest.join('=').trim());
  }
  const toTag = named.get('to-tag');
  const fromTag = named.get('from-tag');
  if (!toTag || !fromTag) return undefined;
  return { callId, toTag, fromTag, earlyOnly: named.has('early-only') };
}

/** The ids of a fork's early dialog as the ringing device sees it (RFC 4235 local and remote tag). */
export interface EarlyDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
}

export abstract class ReplacingCall extends ControlledCall {
  /** The early dialog of the first fork ringing at `party`, to show a BLF key (undefined: none rings here). */
  earlyDialogAt(party: CallParty): EarlyDialog | undefined {
    const fork = this.ringingAt(party).find((f) => f.state === 'early' && f.leg.remoteTag !== undefined);
    return fork && { callId: fork.leg.callId, localTag: fork.leg.remoteTag ?? '', remoteTag: fork.leg.localTag };
  }

  /**
   * The fork whose dialog `r` names (its tags either way round: phones differ on whose tag is
   * whose), early or not; undefined when none of this call's is.
   */
  forkNamed(r: Replaces): Fork | undefined {
    const tags = new Set([r.toTag, r.fromTag]);
    return this.forks.find(
      (f) => f.leg.callId === r.callId && tags.has(f.leg.localTag) && tags.has(f.leg.remoteTag ?? ''),
    );
  }

  /** Whether the call still rings, unanswered (it can be picked up). */
  get ringing(): boolean {
    return this.state === 'routing' && !this.seats.B;
  }

  /** Whether the call still rings at `fork` (it can be picked up there). */
  ringsAt(fork: Fork): boolean {
    return this.ringing && !fork.retired && fork.state === 'early';
  }

  /**
   * `party`'s phone picks the call up with its INVITE (`invite`, Replaces naming `fork`): the
   * ringing devices are cancelled, the call is diverted (callPickup) to `party` and established
   * there once both legs are connected. False (nothing done) when either INVITE carries no offer.
   */
  pickUp(invite: SipRequest, tx: ServerTransaction<Flow>, party: CallParty): boolean {
    const origin = this.origin;
    if (invite.body.length === 0 || (origin.kind === 'invite' && origin.invite.body.length === 0)) return false;
    clearTimeout(this.ringTimer);
    for (const f of this.forks) {
      f.retired = true;
      this.cancelFork(f);
    }
    this.sink.diverted(this, party, 'callPickup');
    const leg = Leg.answering(invite, tx.flow);
    this.seats.B = { leg, party, ...offersOf(leg, invite) };
    this.state = 'answered';
    this.sw.track(this);
    let waiting = 1;
    const acked = (got: SipRequest | undefined) => {
      if (!got) return this.hangUp(undefined);
      if (--waiting === 0) this.connectPicked(party);
    };
    if (origin.kind === 'invite') {
      waiting++;
      this.awaitAck('A', this.holding('A', origin.invite, origin.tx), acked);
    }
    this.awaitAck('B', this.holding('B', invite, tx), acked);
    return true;
  }

  /** Our 2xx to `side`'s INVITE with a holding answer to its offer. */
  private holding(side: CallSide, invite: SipRequest, tx: ServerTransaction<Flow>) {
    const leg = this.legOf(side) as Leg;
    const body = this.parkingAnswer(side, invite.body);
    const ok = respond(invite, 200, 'OK', {
      toTag: leg.localTag,
      headers: [{ name: 'Contact', value: ourAddress(leg.flow).contact }, ...body.headers],
      body: body.body,
    });
    this.sw.respond(tx, ok);
    return ok;
  }

  private connectPicked(party: CallParty): void {
    if (this.state !== 'answered') return;
    this.sink.established(this, party);
    this.controlled(() => this.connect('B', 'A'))
      .then((connected) => {
        if (!connected) this.sw.log.warn({ call: this.id }, 'b2bua: a picked-up call was not connected');
      })
      .catch((err: unknown) => this.sw.log.warn({ err, call: this.id }, 'b2bua: connecting a picked-up call failed'));
  }
}

/**
 * An INVITE with Replaces (RFC 3891): a device picks up the call whose early dialog it names (the
 * ids Parley's dialog-info shows). Only a device of the tenant of the line that rings: 481 for
 * any other, and when no such dialog is known; 486 once the call was answered, 603 once it ended.
 */
export async function pickUpByReplaces(
  o: { core: Services; callOf: (callId: string) => DialogCall | undefined },
  request: SipRequest,
  tx: ServerTransaction<Flow>,
  sender: Extract<Sender, { ok: true }>,
  value: string,
): Promise<SipResponse | undefined> {
  const reply = (status: number, reason: string) => respond(request, status, reason, { toTag: newTag() });
  const named = parseReplaces(value);
  if (!named) return reply(400, 'Bad Request (Replaces names no dialog)');
  const call = o.callOf(named.callId);
  const fork = call instanceof ReplacingCall ? call.forkNamed(named) : undefined;
  const userId = fork?.party.userId;
  const sameTenant =
    sender.kind === 'device' &&
    userId !== undefined &&
    (await o.core.users.get(sender.tenant.id, userId).catch(notFoundAs(undefined))) !== undefined;
  if (!(call instanceof ReplacingCall) || !fork || !sameTenant) return reply(481, 'Call/Transaction Does Not Exist');
  if (!call.ringsAt(fork))
    return call.ended ? reply(603, 'Decline (the call has ended)') : reply(486, 'Busy Here (the call was answered)');
  if (!call.pickUp(request, tx, await senderParty(o.core, sender)))
    return reply(488, 'Not Acceptable Here (a pickup needs an offer from both sides)');
  return undefined;
}

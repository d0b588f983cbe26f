// Call pickup by Replaces (RFC 3891): a phone takes a call ringing at another line by sending an
// INVITE whose Replaces header names that line's early dialog (the ids Parley's dialog-info
// NOTIFYs show BLF keys). The ringing devices are cancelled and the picking phone's INVITE takes
// their place: both legs get a holding answer (RFC 3725 Flow IV) and, once both ACKed, are
// connected. The header's pure parse is here too.
import { respond, type SipRequest } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { ControlledCall } from './controlled.js';
import { Leg, ourAddress } from './leg.js';
import { eventPackages, type Fork } from './parts.js';
import type { CallParty, CallSide } from './types.js';
import { acceptsCsta } from './uacsta.js';

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
  /** The ringing stops (its timer, a forwarding on no answer): someone answered. */
  protected abstract stopRinging(): void;

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

  /** Whether the call still rings at `fork` (it can be picked up). */
  ringsAt(fork: Fork): boolean {
    return this.state === 'routing' && !this.seats.B && !fork.retired && fork.state === 'early';
  }

  /**
   * `party`'s phone picks the call up with its INVITE (`invite`, Replaces naming `fork`): the
   * ringing devices are cancelled, the call is diverted (callPickup) to `party` and established
   * there once both legs are connected. False (nothing done) when either INVITE carries no offer.
   */
  pickUp(invite: SipRequest, tx: ServerTransaction<Flow>, party: CallParty): boolean {
    const origin = this.origin;
    if (invite.body.length === 0 || (origin.kind === 'invite' && origin.invite.body.length === 0)) return false;
    this.stopRinging();
    for (const f of this.forks) {
      f.retired = true;
      this.cancelFork(f);
    }
    this.sink.diverted(this, party, 'callPickup');
    const leg = Leg.answering(invite, tx.flow);
    this.seats.B = {
      leg,
      party,
      events: eventPackages(invite),
      ...(acceptsCsta(invite) && { uaCsta: { contact: leg.remoteTarget, route: [] } }),
    };
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

// A back-to-back call (RFC 3261 §13-§15 on each side; RFC 5359 shows such flows): the caller's
// leg A and one forked leg per device of the callee, of which the first to answer stays as B.
// SDP passes through unchanged. An INVITE with an offer: our side ACKs the other side's 2xx at
// once. An INVITE without one (a late offer, RFC 3261 §13.2.1, RFC 6337 §2): the 2xx carries the
// offer and our ACK carries the answer, so it waits for the ACK of the side that sent the INVITE.
//
// Call control (CTI) drives the same call as a third-party controller (RFC 3725): MakeCall rings
// the caller's device first with an INVITE without an offer and parks its media (Flow IV), then
// forks to the callee without an offer and hands the callee's offer to the caller in a re-INVITE;
// hold parks both legs, retrieve reconnects them the same way; deflection and pickup replace the
// forks of a ringing call.
import { ParleyError } from '../../../core/errors.js';
import { nameAddr } from '../federation/calls.js';
import { respond, type SipHeader, type SipRequest, type SipResponse } from '../message/index.js';
import { cancelFor, type ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { answerChallenge } from '../trunk/digest.js';
import type { Seat } from './dialogs.js';
import { Leg } from './leg.js';
import {
  type Body,
  bodyOf,
  eventPackages,
  type Fallbacks,
  type Fork,
  type ForkTarget,
  invalidState,
  lateAnswer,
  type Origin,
  other,
} from './parts.js';
import { forkSeat, offersOf, targetOffers } from './phone.js';
import { ReplacingCall } from './replaces.js';
import { bestResponse, type CallParty, type CallSink, type FailureCause, type Switch } from './types.js';
import { acceptsCsta } from './uacsta.js';

export { autoAnswerHeaders, bodyHeaders, eventPackages, type ForkTarget } from './parts.js';

export class BackToBackCall extends ReplacingCall {
  /** The fork that answered. */
  private answered: Fork | undefined;
  /** The From and To the forks use. */
  private forkAs: { from: string; to: string } | undefined;

  private constructor(id: string, sw: Switch, sink: CallSink, seat: Seat, origin: Origin) {
    super(id, sw, sink, seat);
    this.origin = origin;
  }

  /** A call for a device's INVITE. */
  static answering(
    id: string,
    sw: Switch,
    sink: CallSink,
    caller: CallParty,
    invite: SipRequest,
    tx: ServerTransaction<Flow>,
  ): BackToBackCall {
    const a = Leg.answering(invite, tx.flow);
    const seat = { leg: a, party: caller, ...offersOf(a, invite) };
    return new BackToBackCall(id, sw, sink, seat, { kind: 'invite', invite, tx });
  }

  /**
   * MakeCall: an INVITE without an offer to the caller's device `at` (From: who it will call, so
   * its display shows that), with auto-answer hints.
   */
  static placing(
    id: string,
    sw: Switch,
    sink: CallSink,
    caller: CallParty,
    at: ForkTarget & { from: string; to: string; hints: SipHeader[] },
  ): BackToBackCall {
    const leg = Leg.calling(at.from, at.to, at.contact, at.flow, at.route);
    const invite = leg.request('INVITE', { headers: at.hints });
    const origin = { kind: 'placed' as const, invite, final: false, provisional: false };
    const call = new BackToBackCall(id, sw, sink, { leg, party: caller, ...targetOffers(at) }, origin);
    call.state = 'calling';
    return call;
  }

  /**
   * Forks the INVITE to every target (From and To as the callee's devices see them); rings for at
   * most `ringMs`, or until the callee's forwarding on no answer (`fallbacks`) takes it elsewhere.
   */
  start(
    targets: ForkTarget[],
    from: string,
    to: string,
    called: { tenantId: string; dialled: string; party?: CallParty },
    fallbacks: Fallbacks = {},
  ): void {
    this.sink.originated(this, this.caller, called);
    this.forkAs = { from, to };
    this.fallbacks = fallbacks;
    this.fork(targets);
    this.armNoAnswer();
  }

  /** A call refused before anything rings (the callee's do not disturb): reported, then answered `status`. */
  decline(
    called: { tenantId: string; dialled: string; party?: CallParty },
    status: number,
    reason: string,
    cause: FailureCause,
  ): void {
    this.sink.originated(this, this.caller, called);
    this.giveUp(status, reason, cause);
  }

  /**
   * MakeCall: rings the caller's device; once it answers (its media parked), forks to `targets`.
   */
  ringCaller(
    targets: ForkTarget[],
    from: string,
    to: string,
    called: { tenantId: string; dialled: string; party?: CallParty },
    fallbacks: Fallbacks = {},
  ): void {
    const origin = this.origin;
    if (origin.kind !== 'placed') throw new Error('b2bua: only a placed call calls its caller first');
    this.sink.originated(this, this.caller, called);
    this.forkAs = { from, to };
    this.fallbacks = fallbacks;
    this.sw.sendRequest(origin.invite, this.a.flow, (r) => this.callerResponse(origin, r, targets));
    this.ringTimer = setTimeout(() => this.clearCaller('callNotAnswered'), this.sw.ringMs);
    this.ringTimer.unref();
  }

  /** A response of the caller's device to MakeCall's INVITE. */
  private callerResponse(origin: Extract<Origin, { kind: 'placed' }>, r: SipResponse, targets: ForkTarget[]): void {
    if (r.status === 100) return;
    if (r.status < 200) {
      this.a.learn(r);
      if (origin.cancelled && !origin.provisional)
        this.sw.sendRequest(cancelFor(origin.invite), this.a.flow, () => undefined);
      origin.provisional = true;
      return;
    }
    if (r.status >= 300) {
      if (origin.final) return;
      origin.final = true;
      clearTimeout(this.ringTimer);
      if (this.state !== 'calling') return;
      this.state = 'ended';
      const cause: FailureCause =
        r.status === 486 || r.status === 600 || r.status === 603
          ? 'busy'
          : r.status === 487 || r.status === 408 || r.status === 480
            ? 'callNotAnswered'
            : 'destNotObtainable';
      const why = origin.cancelled ?? cause;
      if (why === 'callCancelled') this.sink.cleared(this, this.caller, why);
      else this.sink.failed(this, why);
      this.sw.forget(this);
      return;
    }
    if (origin.ack) {
      // A retransmitted 2xx: our ACK again.
      this.sw.send(origin.ack, this.a.flow);
      return;
    }
    this.a.learn(r);
    origin.final = true;
    origin.ack = this.a.request('ACK', { seq: r.cseq.seq, ...this.parkingAnswer('A', r.body) });
    this.sw.send(origin.ack, this.a.flow);
    clearTimeout(this.ringTimer);
    if (this.state !== 'calling' || origin.cancelled) {
      // Cleared while it rang: the answer is hung up at once.
      this.sw.sendRequest(this.a.request('BYE'), this.a.flow, () => undefined);
      return;
    }
    this.state = 'routing';
    this.fork(targets);
    this.armNoAnswer();
  }

  /** What the forks' INVITEs carry: the caller's offer, or none (MakeCall: the callee offers). */
  private get offer(): Body {
    return this.origin.kind === 'invite' ? bodyOf(this.origin.invite) : { headers: [] };
  }

  /** Forks the call to `targets`; rings for at most `ringMs`. */
  protected fork(targets: ForkTarget[], hints: SipHeader[] = []): void {
    const as = this.forkAs;
    if (!as) throw new Error('b2bua: fork before start');
    const offer = this.offer;
    for (const t of targets) {
      const leg = Leg.calling(t.as?.from ?? as.from, t.as?.to ?? as.to, t.contact, t.flow, t.route);
      const invite = leg.request('INVITE', { headers: [...hints, ...offer.headers], body: offer.body });
      const fork: Fork = {
        leg,
        invite,
        party: t.party,
        state: 'calling',
        cancelWanted: false,
        delivered: false,
        events: t.events ?? [],
        ...(t.credentials && { credentials: t.credentials }),
        uaCsta: t.uaCsta ?? false,
      };
      this.forks.push(fork);
      this.sw.sendRequest(invite, t.flow, (r) => this.forkResponse(fork, r));
    }
    this.sw.track(this);
    clearTimeout(this.ringTimer);
    this.ringTimer = setTimeout(
      () => this.giveUp(480, 'Temporarily Unavailable (no answer)', 'callNotAnswered'),
      this.sw.ringMs,
    );
    this.ringTimer.unref();
  }

  private forkResponse(fork: Fork, r: SipResponse): void {
    if (r.status === 100) return;
    if (r.status < 200) this.provisional(fork, r);
    else if (r.status < 300) this.success(fork, r);
    else this.failure(fork, r);
  }

  private failure(fork: Fork, r: SipResponse): void {
    if (this.authorize(fork, r)) return;
    if (fork.state !== 'cancelled') fork.state = 'failed';
    fork.final = r;
    this.maybeFail();
  }

  private provisional(fork: Fork, r: SipResponse): void {
    fork.leg.learn(r);
    if (fork.state === 'calling') fork.state = 'early';
    fork.events = [...new Set([...fork.events, ...eventPackages(r)])];
    fork.uaCsta ||= acceptsCsta(r);
    if (fork.cancelWanted) {
      this.cancelFork(fork);
      return;
    }
    if (this.state !== 'routing' || (r.status !== 180 && r.status !== 183)) return;
    if (!fork.delivered) {
      fork.delivered = true;
      this.sink.delivered(this, fork.party);
    }
    const origin = this.origin;
    if (origin.kind === 'invite') this.sw.respond(origin.tx, this.toA(origin.invite, r.status, r.reason, r));
  }

  private success(fork: Fork, r: SipResponse): void {
    if (fork.ack) {
      // A retransmitted 2xx: our ACK again.
      this.sw.send(fork.ack, fork.leg.flow);
      return;
    }
    // A late offer's 2xx again before the caller's answer: that answer brings our ACK.
    if (fork.state === 'answered') return;
    fork.leg.learn(r);
    const late = (this.offer.body?.length ?? 0) === 0;
    const ack = (body?: Body) => {
      fork.ack = fork.leg.request('ACK', { seq: r.cseq.seq, ...body });
      this.sw.send(fork.ack, fork.leg.flow);
    };
    if (this.answered !== undefined || this.state !== 'routing' || fork.retired) {
      // Another device answered first, the call went elsewhere or the caller gave up: this one is hung up at once.
      ack(late ? lateAnswer(undefined, r.body) : undefined);
      this.sw.sendRequest(fork.leg.request('BYE'), fork.leg.flow, () => undefined);
      return;
    }
    clearTimeout(this.ringTimer);
    this.answered = fork;
    this.seats.B = forkSeat(fork);
    fork.state = 'answered';
    this.state = 'answered';
    for (const f of this.forks) if (f !== fork) this.cancelFork(f);
    if (!late) ack();
    this.toCaller(r, (answer) => {
      if (late) ack(lateAnswer(answer, r.body));
      if (!answer) this.hangUp(undefined);
    });
    this.sink.established(this, fork.party);
  }

  /** A trunk's 401/407 to a fork still wanted: the INVITE again with our answer (see `answerChallenge`). */
  private authorize(fork: Fork, r: SipResponse): boolean {
    const wanted = (fork.state === 'calling' || fork.state === 'early') && !fork.cancelWanted && !fork.retired;
    const invite = wanted && this.state === 'routing' ? answerChallenge(fork, r, this.offer) : undefined;
    if (!invite) return false;
    fork.invite = invite;
    fork.state = 'calling';
    this.sw.sendRequest(invite, fork.leg.flow, (response) => this.forkResponse(fork, response));
    return true;
  }

  private maybeFail(): void {
    const current = this.forks.filter((f) => !f.retired);
    if (this.state !== 'routing' || current.some((f) => f.state === 'calling' || f.state === 'early')) return;
    const best = bestResponse(current.flatMap((f) => (f.final ? [f.final] : [])));
    if ((best.status === 486 || best.status === 600) && this.forwardOnBusy()) return;
    this.giveUp(best.status, best.reason, best.status === 486 || best.status === 600 ? 'busy' : 'destNotObtainable');
  }

  /**
   * Ends a call nobody answered: a final response to the caller (MakeCall: a BYE to the caller's
   * device, which answered), the forks cancelled.
   */
  private giveUp(status: number, reason: string, cause: FailureCause, callerGone = false): void {
    if (this.state !== 'routing') return;
    clearTimeout(this.ringTimer);
    this.state = 'ended';
    for (const fork of this.forks) this.cancelFork(fork);
    const origin = this.origin;
    // A caller that hung up (its BYE) is told nothing more.
    if (!callerGone && origin.kind === 'invite')
      this.sw.respond(origin.tx, respond(origin.invite, status, reason, { toTag: this.a.localTag }));
    else if (!callerGone) this.sw.sendRequest(this.a.request('BYE'), this.a.flow, () => undefined);
    // The caller gave up: its connection clears first (ConnectionCleared, not Failed).
    if (cause === 'callCancelled') this.sink.cleared(this, this.caller, cause);
    else this.sink.failed(this, cause);
    this.sw.forget(this);
  }

  protected abandon(): void {
    this.giveUp(487, 'Request Terminated', 'callCancelled', true);
  }

  /** MakeCall's caller is no longer wanted while its device rings: CANCEL (once it rings, §9.1). */
  private clearCaller(cause: FailureCause): void {
    const origin = this.origin;
    if (this.state !== 'calling' || origin.kind !== 'placed' || origin.cancelled) return;
    origin.cancelled = cause;
    if (this.a.remoteTag !== undefined || origin.provisional)
      this.sw.sendRequest(cancelFor(origin.invite), this.a.flow, () => undefined);
  }

  /** The caller's CANCEL (the router answered it 200): 487 for the INVITE. */
  cancel(): void {
    this.giveUp(487, 'Request Terminated', 'callCancelled');
  }

  // Call control ------------------------------------------------------------------------------

  /**
   * ClearConnection: `party` leaves. The caller's connection (or either of an established call's)
   * ends the call; a ringing device's stops ringing (the call fails when none is left).
   */
  clear(party: CallParty): void {
    if (this.dropFromConference(party)) return;
    const side = this.sideOfParty(party);
    if (this.state === 'calling' && side === 'A') this.clearCaller('callCancelled');
    else if (this.state === 'routing' && side === 'A') this.giveUp(487, 'Request Terminated', 'callCancelled');
    else if (this.state === 'answered' && side) this.hangUp(undefined, side);
    else {
      const ringing = this.state === 'routing' ? this.ringingAt(party) : [];
      if (ringing.length === 0) throw invalidState('the device has no connection in this call to clear');
      for (const fork of ringing) this.cancelFork(fork);
    }
  }

  /**
   * SingleStepTransfer: `party` leaves the call (a BYE to its device) and the party at the other
   * side is called through to `targets`, as MakeCall's caller is: forks without an offer, and the
   * remaining party gets the answering device's offer in a re-INVITE.
   */
  transferTo(party: CallParty, targets: ForkTarget[], to: { party: CallParty; uri: string }): void {
    const side = this.sideOfParty(party);
    const leaving = side && this.seats[side];
    const stays = side && this.seats[other(side)];
    if (this.state !== 'answered' || !side || !leaving || !stays)
      throw invalidState('the device has no connected call to transfer');
    if (this.changing) throw invalidState('the call is being changed; try again');
    if (targets.length === 0)
      throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', 'no device of the transfer target is registered');
    this.byeTransferred(leaving.leg);
    this.sink.transferred(this, party, to.party);
    const staying = other(side);
    this.held.A = this.held[staying];
    this.held.B = false;
    this.parkedVersion.A = this.parkedVersion[staying];
    this.parkedBy = undefined;
    this.seats = { A: stays, B: undefined };
    this.origin = { kind: 'seated' };
    this.answered = undefined;
    for (const f of this.forks) f.retired = true;
    this.state = 'routing';
    this.forkAs = {
      from: nameAddr(stays.party.uri ?? 'sip:anonymous@anonymous.invalid', stays.party.display),
      to: nameAddr(to.uri),
    };
    this.fork(targets);
  }
}

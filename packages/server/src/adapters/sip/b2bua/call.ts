// A back-to-back call (RFC 3261 §13-§15 on each side; RFC 5359 shows such flows): the caller's
// leg A and one forked leg per device of the callee, of which the first to answer stays as B.
// SDP passes through unchanged. An INVITE with an offer: our side ACKs the other side's 2xx at
// once. An INVITE without one (a late offer, RFC 3261 §13.2.1, RFC 6337 §2): the 2xx carries the
// offer and our ACK carries the answer, so it waits for the ACK of the side that sent the INVITE.
import { randomInt } from 'node:crypto';
import { respond, type SipHeader, type SipRequest, type SipResponse, singleHeader } from '../message/index.js';
import { cancelFor, type ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { AckWait } from './ack-wait.js';
import { Leg, ourAddress } from './leg.js';
import { holds, refusingAnswer } from './sdp.js';
import { bestResponse, type CallParty, type CallSide, type CallSink, type FailureCause, type Switch } from './types.js';

type ForkState = 'calling' | 'early' | 'answered' | 'failed' | 'cancelled';

interface Fork {
  leg: Leg;
  invite: SipRequest;
  party: CallParty;
  state: ForkState;
  final?: SipResponse;
  /** A CANCEL waits for a provisional response (§9.1). */
  cancelWanted: boolean;
  delivered: boolean;
  /** Our ACK of its 2xx, sent again when the 2xx is retransmitted. */
  ack?: SipRequest;
}

export interface ForkTarget {
  party: CallParty;
  /** Request-URI: the registered contact. */
  contact: string;
  flow: Flow;
  /** Route set from the registration's Path. */
  route: string[];
}

const bodyHeaders = (m: SipRequest | SipResponse): SipHeader[] => {
  const type = singleHeader(m.headers, 'Content-Type');
  return type && m.body.length > 0 ? [{ name: 'Content-Type', value: type }] : [];
};

type Body = { headers: SipHeader[]; body?: Buffer };

/**
 * What our ACK carries to end a late offer on the other leg: the answer in the ACK that came,
 * else (none came) one refusing every stream of `offer` (§13.2.2.4: a valid answer, then BYE).
 */
function lateAnswer(ack: SipRequest | undefined, offer: Buffer): Body {
  if (ack) return { headers: bodyHeaders(ack), body: ack.body };
  const body = refusingAnswer(offer);
  return body ? { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body } : { headers: [] };
}

const other = (side: CallSide): CallSide => (side === 'A' ? 'B' : 'A');

export class BackToBackCall {
  readonly a: Leg;
  private readonly forks: Fork[] = [];
  private answered: Fork | undefined;
  private state: 'routing' | 'answered' | 'ended' = 'routing';
  /** Our 2xx to each side's INVITE waiting for its ACK, and what the ACK (undefined: none came) completes. */
  private readonly acks: Partial<Record<CallSide, { wait: AckWait; acked: (ack: SipRequest | undefined) => void }>> =
    {};
  /** The re-INVITE or UPDATE offer being passed from one side to the other (§14.1: one at a time). */
  private exchange: { from: CallSide; answered: boolean } | undefined;
  private ringTimer: NodeJS.Timeout | undefined;
  private readonly held: Record<CallSide, boolean> = { A: false, B: false };

  constructor(
    readonly id: string,
    private readonly sw: Switch,
    private readonly sink: CallSink,
    readonly caller: CallParty,
    private readonly aInvite: SipRequest,
    private readonly aTx: ServerTransaction<Flow>,
  ) {
    this.a = Leg.answering(aInvite, aTx.flow);
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Every dialog of the call: the caller's and one per fork. */
  get legs(): Leg[] {
    return [this.a, ...this.forks.map((f) => f.leg)];
  }

  /** Forks the INVITE to every target (From and To as the callee's devices see them); rings for at most `ringMs`. */
  start(
    targets: ForkTarget[],
    from: string,
    to: string,
    called: { tenantId: string; dialled: string; party?: CallParty },
  ): void {
    this.sink.originated(this, this.caller, called);
    for (const t of targets) {
      const leg = Leg.calling(from, to, t.contact, t.flow, t.route);
      const invite = leg.request('INVITE', { headers: bodyHeaders(this.aInvite), body: this.aInvite.body });
      const fork: Fork = { leg, invite, party: t.party, state: 'calling', cancelWanted: false, delivered: false };
      this.forks.push(fork);
      this.sw.sendRequest(invite, t.flow, (r) => this.forkResponse(fork, r));
    }
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
    if (fork.state !== 'cancelled') fork.state = 'failed';
    fork.final = r;
    this.maybeFail();
  }

  private provisional(fork: Fork, r: SipResponse): void {
    fork.leg.learn(r);
    if (fork.state === 'calling') fork.state = 'early';
    if (fork.cancelWanted) {
      this.cancelFork(fork);
      return;
    }
    if (this.state !== 'routing' || (r.status !== 180 && r.status !== 183)) return;
    if (!fork.delivered) {
      fork.delivered = true;
      this.sink.delivered(this, fork.party);
    }
    this.sw.respond(this.aTx, this.toA(r.status, r.reason, r));
  }

  private success(fork: Fork, r: SipResponse): void {
    if (fork.ack) {
      // A retransmitted 2xx: our ACK again.
      this.sw.send(fork.ack, fork.leg.flow);
      return;
    }
    // A late offer's 2xx again before the caller's ACK: that ACK brings ours.
    if (fork.state === 'answered') return;
    fork.leg.learn(r);
    const late = this.aInvite.body.length === 0;
    const ack = (body?: Body) => {
      fork.ack = fork.leg.request('ACK', { seq: r.cseq.seq, ...body });
      this.sw.send(fork.ack, fork.leg.flow);
    };
    if (this.answered !== undefined || this.state !== 'routing') {
      // Another device answered first, or the caller gave up: this one is hung up at once.
      ack(late ? lateAnswer(undefined, r.body) : undefined);
      this.sw.sendRequest(fork.leg.request('BYE'), fork.leg.flow, () => undefined);
      return;
    }
    clearTimeout(this.ringTimer);
    this.answered = fork;
    fork.state = 'answered';
    this.state = 'answered';
    for (const f of this.forks) if (f !== fork) this.cancelFork(f);
    if (!late) ack();
    const ok = this.toA(200, 'OK', r);
    this.sw.respond(this.aTx, ok);
    this.awaitAck('A', ok, (got) => {
      if (late) ack(lateAnswer(got, r.body));
      if (!got) this.hangUp(undefined);
    });
    this.sink.established(this, fork.party);
  }

  /** Our response to the caller's INVITE, carrying the callee's body. */
  private toA(status: number, reason: string, from: SipResponse): SipResponse {
    return respond(this.aInvite, status, reason, {
      toTag: this.a.localTag,
      headers: [{ name: 'Contact', value: ourAddress(this.a.flow).contact }, ...bodyHeaders(from)],
      body: from.body.length > 0 ? from.body : undefined,
    });
  }

  /**
   * Our 2xx to `side`'s INVITE went out: sent again until its ACK (§13.3.1.4), then `acked` runs
   * with the ACK, or with undefined when none came within 64·T1 (the call is then ended).
   */
  private awaitAck(side: CallSide, response: SipResponse, acked: (ack: SipRequest | undefined) => void): void {
    const flow = this.legOf(side)?.flow ?? this.a.flow;
    const wait = new AckWait(this.sw, flow, response, () => {
      delete this.acks[side];
      acked(undefined);
    });
    this.acks[side] = { wait, acked };
  }

  private cancelFork(fork: Fork): void {
    if (fork.state === 'early') {
      fork.state = 'cancelled';
      this.sw.sendRequest(cancelFor(fork.invite), fork.leg.flow, () => undefined);
    } else if (fork.state === 'calling') fork.cancelWanted = true;
  }

  private maybeFail(): void {
    if (this.state !== 'routing' || this.forks.some((f) => f.state === 'calling' || f.state === 'early')) return;
    const best = bestResponse(this.forks.flatMap((f) => (f.final ? [f.final] : [])));
    this.giveUp(best.status, best.reason, best.status === 486 || best.status === 600 ? 'busy' : 'destNotObtainable');
  }

  /** Ends a call nobody answered: a final response to the caller, the forks cancelled. */
  private giveUp(status: number, reason: string, cause: FailureCause): void {
    if (this.state !== 'routing') return;
    clearTimeout(this.ringTimer);
    this.state = 'ended';
    for (const fork of this.forks) this.cancelFork(fork);
    this.sw.respond(this.aTx, respond(this.aInvite, status, reason, { toTag: this.a.localTag }));
    this.sink.failed(this, cause);
    this.sw.forget(this);
  }

  /** The caller's CANCEL (the router answered it 200): 487 for the INVITE. */
  cancel(): void {
    this.giveUp(487, 'Request Terminated', 'callCancelled');
  }

  /** An ACK inside the call: the one for our 2xx ends its retransmission (and brings a late offer's answer). */
  ack(request: SipRequest): void {
    const side = this.sideOf(request);
    const awaited = side && this.acks[side];
    if (!side || !awaited || awaited.wait.seq !== request.cseq.seq) return;
    awaited.wait.stop();
    delete this.acks[side];
    awaited.acked(request);
  }

  /** The side whose dialog an in-dialog request belongs to, if any. */
  sideOf(request: SipRequest): CallSide | undefined {
    if (this.a.owns(request)) return 'A';
    return this.answered?.leg.owns(request) ? 'B' : undefined;
  }

  private legOf(side: CallSide): Leg | undefined {
    return side === 'A' ? this.a : this.answered?.leg;
  }

  private partyOf(side: CallSide): CallParty | undefined {
    return side === 'A' ? this.caller : this.answered?.party;
  }

  /**
   * A request inside the call from `side`: BYE ends the call; anything else (re-INVITE for hold
   * and resume, UPDATE, INFO, …) is passed to the other side and its final response back.
   */
  inDialog(side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): void {
    const from = this.legOf(side);
    const to = this.legOf(other(side));
    if (!from || !to || this.state !== 'answered') {
      this.sw.respond(tx, respond(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    if (from.remoteSeq !== undefined && request.cseq.seq <= from.remoteSeq) {
      this.sw.respond(tx, respond(request, 500, 'Server Internal Error (CSeq out of order)'));
      return;
    }
    from.remoteSeq = request.cseq.seq;
    if (request.method === 'BYE') {
      this.sw.respond(tx, respond(request, 200, 'OK'));
      this.hangUp(side);
      return;
    }
    if (request.method === 'INVITE') {
      this.reInvite(side, request, tx, from, to);
      return;
    }
    // An UPDATE with an offer (RFC 3311 §5.2) is an exchange like a re-INVITE's, over at its final response.
    const update = request.method === 'UPDATE';
    const exchange = update && request.body.length > 0 ? { from: side, answered: false } : undefined;
    if (exchange) {
      if (this.glare(side, request, tx)) return;
      this.exchange = exchange;
      this.offered(side, request.body);
    }
    const out = to.request(request.method, { headers: bodyHeaders(request), body: request.body });
    this.sw.sendRequest(out, to.flow, (r) => {
      if (r.status < 200) return;
      if (exchange && this.exchange === exchange) this.exchange = undefined;
      if (update && r.status < 300) to.refresh(r);
      this.sw.respond(tx, this.passed(request, r, from));
    });
  }

  /**
   * An offer from `side` while another exchange is pending (until its 2xx is ACKed): 491 (§14.2,
   * RFC 3311 §5.2), or 500 with Retry-After from the side whose own offer is not answered yet.
   */
  private glare(side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): boolean {
    const pending = this.exchange;
    if (!pending && !this.acks.A && !this.acks.B) return false;
    const retry = [{ name: 'Retry-After', value: String(randomInt(0, 11)) }];
    this.sw.respond(
      tx,
      pending?.from === side && !pending.answered
        ? respond(request, 500, 'Server Internal Error (an offer is pending)', { headers: retry })
        : respond(request, 491, 'Request Pending'),
    );
    return true;
  }

  /** Our response to `request` from `from`'s side, carrying the other side's final response `r`. */
  private passed(request: SipRequest, r: SipResponse, from: Leg): SipResponse {
    const refresh = request.method === 'INVITE' || request.method === 'UPDATE';
    const contact = refresh ? [{ name: 'Contact', value: ourAddress(from.flow).contact }] : [];
    const body = r.body.length > 0 ? r.body : undefined;
    return respond(request, r.status, r.reason, { headers: [...contact, ...bodyHeaders(r)], body });
  }

  /**
   * A re-INVITE from `side` (hold, resume, a new offer) passed to the other side. Without an offer
   * (RFC 6337 §2) the other side's 2xx carries one and our ACK to it waits for this side's ACK and
   * its answer. One exchange at a time (see `glare`).
   */
  private reInvite(side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>, from: Leg, to: Leg): void {
    if (this.glare(side, request, tx)) return;
    const late = request.body.length === 0;
    if (!late) this.offered(side, request.body);
    const exchange = { from: side, answered: false };
    this.exchange = exchange;
    let ack: SipRequest | undefined;
    const sendAck = (seq: number, body?: Body) => {
      ack = to.request('ACK', { seq, ...body });
      this.sw.send(ack, to.flow);
    };
    this.sw.sendRequest(to.request('INVITE', { headers: bodyHeaders(request), body: request.body }), to.flow, (r) => {
      if (r.status < 200) return;
      if (ack) {
        // A retransmitted 2xx: our ACK again.
        this.sw.send(ack, to.flow);
        return;
      }
      if (exchange.answered) return;
      exchange.answered = true;
      const response = this.passed(request, r, from);
      this.sw.respond(tx, response);
      if (r.status >= 300) {
        this.exchange = undefined;
        return;
      }
      to.refresh(r);
      if (late) this.offered(other(side), r.body);
      else sendAck(r.cseq.seq);
      this.awaitAck(side, response, (got) => {
        this.exchange = undefined;
        if (late) sendAck(r.cseq.seq, lateAnswer(got, r.body));
        if (!got) this.hangUp(undefined);
      });
    });
  }

  /** Hold or resume seen in an SDP offer from `side`. */
  private offered(side: CallSide, body: Buffer): void {
    if (body.length === 0) return;
    const hold = holds(body);
    if (hold === this.held[side]) return;
    this.held[side] = hold;
    const party = this.partyOf(side);
    if (!party) return;
    if (hold) this.sink.held(this, party);
    else this.sink.retrieved(this, party);
  }

  /** Ends an established call: `side` hung up (undefined: the server did, both get a BYE). */
  hangUp(side: CallSide | undefined): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    // An ACK still awaited will not come now: the other leg's late offer gets its ACK before the BYE.
    for (const s of ['A', 'B'] as const) {
      const awaited = this.acks[s];
      if (!awaited) continue;
      awaited.wait.stop();
      delete this.acks[s];
      awaited.acked(undefined);
    }
    for (const s of side ? [other(side)] : (['A', 'B'] as const)) {
      const leg = this.legOf(s);
      if (leg) this.sw.sendRequest(leg.request('BYE'), leg.flow, () => undefined);
    }
    this.sink.cleared(this, side && this.partyOf(side));
    this.sw.forget(this);
  }
}

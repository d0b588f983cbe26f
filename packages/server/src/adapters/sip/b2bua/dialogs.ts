// The established part of a back-to-back call: its two dialogs, the requests inside them passed
// from one side to the other with one offer exchange at a time (RFC 3261 §14, RFC 3311), and the
// third-party control of its media (RFC 3725 Flow IV: parking and reconnecting the legs).
import { randomInt } from 'node:crypto';
import { respond, type SipRequest, type SipResponse } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { AckWait } from './ack-wait.js';
import { type Leg, ourAddress } from './leg.js';
import { type Body, bodyHeaders, bodyOf, type Fork, lateAnswer, other } from './parts.js';
import { askPhone, type UaCstaReach } from './phone.js';
import { holds } from './sdp.js';
import type { CallParty, CallSide, CallSink, Switch } from './types.js';

/** Who stands at one side of the call: a dialog with a device and that device as a party. */
export interface Seat {
  leg: Leg;
  party: CallParty;
  /** Event packages its device named in Allow-Events (`hold`, `talk`: it holds and resumes when asked). */
  events?: string[];
  /** Where its device, which accepts CSTA XML, takes a uaCSTA session (HoldCall, RetrieveCall). */
  uaCsta?: UaCstaReach;
}

export abstract class DialogCall {
  protected forks: Fork[] = [];
  /** The caller's side (A) and, once a device answered, the callee's (B); a transfer seats others. */
  protected seats: { A: Seat; B: Seat | undefined };
  /** calling: MakeCall rings the caller's device; routing: the callee's devices ring. */
  protected state: 'calling' | 'routing' | 'answered' | 'ended' = 'routing';
  /** Our 2xx to each side's INVITE waiting for its ACK, and what the ACK (undefined: none came) completes. */
  protected readonly acks: Partial<Record<CallSide, { wait: AckWait; acked: (ack: SipRequest | undefined) => void }>> =
    {};
  /**
   * The offer exchange in progress (§14.1: one at a time): a re-INVITE or UPDATE passed on from a
   * side, or one of ours (`server`: hold, retrieve, MakeCall's connect).
   */
  protected exchange: { from: CallSide | 'server'; answered: boolean } | undefined;
  /** Held by the device itself (its offer said sendonly or inactive). */
  protected readonly held: Record<CallSide, boolean> = { A: false, B: false };
  /** Held by call control: the party whose connection is held; both legs are parked. */
  protected parkedBy: CallSide | undefined;
  /** The origin version of the holding answers each leg got from us. */
  protected readonly parkedVersion: Record<CallSide, number> = { A: 0, B: 0 };
  /** Waits for a device's own hold or resume (see `askPhone`). */
  private heldWatch: (() => void) | undefined;

  constructor(
    readonly id: string,
    protected readonly sw: Switch,
    protected readonly sink: CallSink,
    /** The caller's side. */
    a: Seat,
  ) {
    this.seats = { A: a, B: undefined };
  }

  /** The caller's dialog (after a transfer: whoever stands there now). */
  get a(): Leg {
    return this.seats.A.leg;
  }

  get caller(): CallParty {
    return this.seats.A.party;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** An offer exchange is under way (passed on, or ours), or a 2xx of ours waits for its ACK. */
  protected get changing(): boolean {
    return this.exchange !== undefined || this.acks.A !== undefined || this.acks.B !== undefined;
  }

  /** Every dialog of the call: the two sides' and one per fork. */
  get legs(): Leg[] {
    const seated = this.seats.B ? [this.a, this.seats.B.leg] : [this.a];
    return [...new Set([...seated, ...this.forks.map((f) => f.leg)])];
  }

  /** MakeCall's caller hung up while the callee's devices rang. */
  protected abstract abandon(): void;

  /** The call's media no longer passes through Parley (the call ended, or its legs were connected anew). */
  protected abstract releaseMedia(): void;

  /**
   * Our 2xx to `side`'s INVITE went out: sent again until its ACK (§13.3.1.4), then `acked` runs
   * with the ACK, or with undefined when none came within 64·T1 (the call is then ended).
   */
  protected awaitAck(side: CallSide, response: SipResponse, acked: (ack: SipRequest | undefined) => void): void {
    const flow = this.legOf(side)?.flow ?? this.a.flow;
    const wait = new AckWait(this.sw, flow, response, () => {
      delete this.acks[side];
      acked(undefined);
    });
    this.acks[side] = { wait, acked };
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

  /** Our BYE to a device a transfer moved out of the call (see `Leg.onTransferred`). */
  protected byeTransferred(leg: Leg): void {
    const told = leg.onTransferred;
    leg.onTransferred = undefined;
    told?.();
    this.sw.sendRequest(leg.request('BYE'), leg.flow, () => undefined);
  }

  /** The side whose dialog an in-dialog request belongs to, if any. */
  sideOf(request: SipRequest): CallSide | undefined {
    if (this.a.owns(request)) return 'A';
    return this.seats.B?.leg.owns(request) ? 'B' : undefined;
  }

  legOf(side: CallSide): Leg | undefined {
    return this.seats[side]?.leg;
  }

  partyOf(side: CallSide): CallParty | undefined {
    return this.seats[side]?.party;
  }

  /** The party seated on the dialog `r` names (its tags either way round: phones differ), if any. */
  partyOnDialog(r: { callId: string; toTag: string; fromTag: string }): CallParty | undefined {
    const tags = new Set([r.toTag, r.fromTag]);
    const named = (leg: Leg | undefined) =>
      leg?.callId === r.callId && tags.has(leg.localTag) && tags.has(leg.remoteTag ?? '');
    const side = (['A', 'B'] as const).find((s) => named(this.legOf(s)));
    return side && this.partyOf(side);
  }

  /**
   * A request inside the call from `side`: BYE ends the call; REFER transfers it (see refer.ts);
   * anything else (re-INVITE for hold and resume, UPDATE, INFO, …) is passed to the other side and
   * its final response back.
   */
  inDialog(side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): void {
    const from = this.legOf(side);
    const to = this.legOf(other(side));
    if (side === 'A' && this.state === 'routing' && request.method === 'BYE') {
      // MakeCall's caller hangs up while the callee's devices ring.
      this.sw.respond(tx, respond(request, 200, 'OK'));
      this.abandon();
      return;
    }
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
    if (request.method === 'REFER') {
      this.sw.refer(this, side, request, tx);
      return;
    }
    if (request.method === 'INVITE') {
      this.releaseMedia();
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
  protected glare(side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): boolean {
    const pending = this.exchange;
    if (!this.changing) return false;
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
  protected passed(request: SipRequest, r: SipResponse, from: Leg): SipResponse {
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
  protected reInvite(side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>, from: Leg, to: Leg): void {
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
        if (late) sendAck(r.cseq.seq, lateAnswer(got && bodyOf(got), r.body));
        if (!got) this.hangUp(undefined);
      });
    });
  }

  /**
   * Asks `side`'s phone to hold (`hold`) or resume (`talk`) itself (see `askPhone`): true once its
   * re-INVITE did. While another exchange runs, that re-INVITE gets 491 and the phone tries again.
   */
  protected askPhone(side: CallSide, event: 'hold' | 'talk'): Promise<boolean> {
    const seat = this.seats[side];
    if (!seat) return Promise.resolve(false);
    const did = () => this.held[side] === (event === 'hold');
    return askPhone(this.sw, seat, event, did, (check) => {
      this.heldWatch = check;
    });
  }

  /** Hold or resume seen in an SDP offer from `side`. */
  protected offered(side: CallSide, body: Buffer): void {
    if (body.length === 0) return;
    const hold = holds(body);
    if (hold === this.held[side]) return;
    this.held[side] = hold;
    this.heldWatch?.();
    const party = this.partyOf(side);
    if (!party) return;
    if (hold) this.sink.held(this, party);
    else this.sink.retrieved(this, party);
  }

  /**
   * Ends an established call: `side` hung up (undefined: the server did, both get a BYE; `by`:
   * call control cleared that side's connection).
   */
  hangUp(side: CallSide | undefined, by?: CallSide): void {
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
    this.releaseMedia();
    const who = side ?? by;
    this.sink.cleared(this, who && this.partyOf(who));
    this.sw.forget(this);
  }
}

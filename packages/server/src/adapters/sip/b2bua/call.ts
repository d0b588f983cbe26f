// A back-to-back call (RFC 3261 §13-§15 on each side; RFC 5359 shows such flows): the caller's
// leg A and one forked leg per device of the callee, of which the first to answer stays as B.
// SDP passes through unchanged; our UAC side ACKs a 2xx at once (offers travel in INVITEs).
import { respond, type SipHeader, type SipRequest, type SipResponse, singleHeader } from '../message/index.js';
import { cancelFor, type ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { Leg, ourAddress } from './leg.js';
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

/** Whether an SDP offer puts the media on hold (RFC 3264 §8.4: sendonly or inactive). */
export const holds = (body: Buffer) => /^a=(sendonly|inactive)\r?$/m.test(body.toString('latin1'));

const other = (side: CallSide): CallSide => (side === 'A' ? 'B' : 'A');

export class BackToBackCall {
  readonly a: Leg;
  private readonly forks: Fork[] = [];
  private answered: Fork | undefined;
  private state: 'routing' | 'answered' | 'ended' = 'routing';
  private retransmit: { timer: NodeJS.Timeout; interval: number; elapsed: number; response: SipResponse } | undefined;
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
    fork.leg.learn(r);
    if (fork.ack) {
      this.sw.send(fork.ack, fork.leg.flow);
      return;
    }
    fork.ack = fork.leg.request('ACK', { seq: r.cseq.seq });
    this.sw.send(fork.ack, fork.leg.flow);
    if (this.answered !== undefined || this.state !== 'routing') {
      // Another device answered first, or the caller gave up: this one is hung up at once.
      this.sw.sendRequest(fork.leg.request('BYE'), fork.leg.flow, () => undefined);
      return;
    }
    clearTimeout(this.ringTimer);
    this.answered = fork;
    fork.state = 'answered';
    this.state = 'answered';
    for (const f of this.forks) if (f !== fork) this.cancelFork(f);
    const ok = this.toA(200, 'OK', r);
    this.sw.respond(this.aTx, ok);
    if (!this.a.flow.reliable) this.retransmit2xx(ok);
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

  /** §13.3.1.4: a 2xx over UDP is sent again at T1, 2·T1 … T2 until its ACK, for at most 64·T1. */
  private retransmit2xx(response: SipResponse): void {
    const tick = () => {
      const r = this.retransmit;
      if (!r) return;
      r.elapsed += r.interval;
      if (r.elapsed >= 64 * this.sw.t1) {
        this.retransmit = undefined;
        this.hangUp(undefined);
        return;
      }
      this.sw.send(r.response, this.a.flow);
      r.interval = Math.min(r.interval * 2, this.sw.t2);
      r.timer = setTimeout(tick, r.interval).unref();
    };
    this.retransmit = { timer: setTimeout(tick, this.sw.t1).unref(), interval: this.sw.t1, elapsed: 0, response };
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

  /** An ACK from the caller: the one for our 2xx ends its retransmission. */
  ack(request: SipRequest): void {
    if (this.retransmit && request.cseq.seq === this.aInvite.cseq.seq) {
      clearTimeout(this.retransmit.timer);
      this.retransmit = undefined;
    }
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
    if (request.method === 'INVITE') this.offered(side, request.body);
    const out = to.request(request.method, { headers: bodyHeaders(request), body: request.body });
    this.sw.sendRequest(out, to.flow, (r) => {
      if (r.status < 200) return;
      if (request.method === 'INVITE' && r.status < 300) {
        to.learn(r);
        this.sw.send(to.request('ACK', { seq: r.cseq.seq }), to.flow);
      }
      const contact = request.method === 'INVITE' ? [{ name: 'Contact', value: ourAddress(from.flow).contact }] : [];
      const body = r.body.length > 0 ? r.body : undefined;
      this.sw.respond(tx, respond(request, r.status, r.reason, { headers: [...contact, ...bodyHeaders(r)], body }));
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
    if (this.retransmit) clearTimeout(this.retransmit.timer);
    for (const s of side ? [other(side)] : (['A', 'B'] as const)) {
      const leg = this.legOf(s);
      if (leg) this.sw.sendRequest(leg.request('BYE'), leg.flow, () => undefined);
    }
    this.sink.cleared(this, side && this.partyOf(side));
    this.sw.forget(this);
  }
}

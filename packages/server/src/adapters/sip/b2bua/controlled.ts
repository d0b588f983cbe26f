// Third-party control of a back-to-back call's media (RFC 3725): parking a leg (Flow IV, a
// holding answer to its offer), connecting two legs (one's offer to the other, the answer back),
// and the call control services built on them: hold, retrieve, remote answer, attended transfer,
// deflection and forwarding of a ringing call.
import { isPartyOf } from '../../../core/calls/model.js';
import { ParleyError } from '../../../core/errors.js';
import { anchoredSdp, MediaEndpoint, MediaRelay } from '../media/index.js';
import { respond, type SipHeader, type SipRequest, type SipResponse } from '../message/index.js';
import { cancelFor, type ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { ConferenceRoom } from './conference.js';
import { DialogCall } from './dialogs.js';
import type { Leg } from './leg.js';
import { ourAddress } from './leg.js';
import {
  type Body,
  bodyHeaders,
  bodyOf,
  type Fallbacks,
  type Fork,
  type ForkTarget,
  invalidState,
  type Origin,
  other,
  sdpBody,
  unsupportedMedia,
} from './parts.js';
import { answerAtPhone } from './phone.js';
import { type Reinvited, reinviteLeg } from './reinvite.js';
import { holdingAnswer } from './sdp.js';
import type { CallParty, CallSide, DivertCause } from './types.js';

export abstract class ControlledCall extends DialogCall {
  /** The conference once ConferenceCall brought a third party in: it has the legs from then on. */
  private room: ConferenceRoom | undefined;
  /** The relay of the call's media once GenerateDigits anchored it through Parley. */
  private relay: MediaRelay | undefined;
  /** Where the call comes from (see `Origin`). */
  protected origin!: Origin;
  /** Where the call goes when the callee is busy or does not answer (their forwarding), once. */
  protected fallbacks: Fallbacks = {};
  private noAnswerTimer: NodeJS.Timeout | undefined;
  /** How long the devices ring (or MakeCall's caller's device). */
  protected ringTimer: NodeJS.Timeout | undefined;

  /** Rings `targets` for the call (with `hints`, e.g. auto-answer). */
  protected abstract fork(targets: ForkTarget[], hints?: SipHeader[]): void;

  /** The holding answer (Flow IV) to an offer from `side`'s device. */
  protected parkingAnswer(side: CallSide, offer: Buffer): Body {
    return sdpBody(holdingAnswer(offer, ++this.parkedVersion[side]));
  }

  /** The side of `party`'s connection: the caller, or the device that answered. */
  sideOfParty(party: CallParty): CallSide | undefined {
    if (isPartyOf(party, this.caller)) return 'A';
    return this.seats.B && isPartyOf(party, this.seats.B.party) ? 'B' : undefined;
  }

  /** The live forks ringing at `party`'s devices. */
  protected ringingAt(party: CallParty): Fork[] {
    return this.forks.filter(
      (f) => !f.retired && (f.state === 'calling' || f.state === 'early') && isPartyOf(party, f.party),
    );
  }

  /** AnswerCall at a ringing device: the phone is asked to answer (see `answerAtPhone`). */
  async answer(party: CallParty): Promise<void> {
    const fork = this.ringingAt(party).find((f) => f.state === 'early');
    if (this.state !== 'routing' || !fork) throw invalidState('the call is not ringing at that device');
    await answerAtPhone(this.sw, fork);
  }

  /**
   * HoldCall: `party` puts the call on hold. A phone that offers uaCSTA or named `hold` in
   * Allow-Events is asked to hold itself (its display shows it; its re-INVITE reports Held);
   * otherwise, or when it does not, Parley parks both legs' media (RFC 3725 Flow IV).
   */
  async hold(party: CallParty): Promise<void> {
    const side = this.sideOfParty(party);
    if (this.state !== 'answered' || !side) throw invalidState('the device has no connected call to hold');
    if (this.parkedBy || this.held.A || this.held.B) throw invalidState('the call is on hold already');
    if (await this.askPhone(side, 'hold')) return;
    await this.controlled(async () => {
      if (!(await this.park(side)) || !(await this.park(other(side))))
        throw invalidState('a device did not take the hold (its re-INVITE failed)');
    });
    this.parkedBy = side;
    this.sink.held(this, party);
  }

  /** RetrieveCall: the party who held the call connects both legs' media again. */
  async retrieve(party: CallParty): Promise<void> {
    const side = this.sideOfParty(party);
    if (this.state !== 'answered' || !side) throw invalidState('the device has no call to retrieve');
    if (this.held[side]) {
      // Held by the phone itself: one that offers uaCSTA or named `talk` is asked to resume.
      if (await this.askPhone(side, 'talk')) return;
      throw new ParleyError(
        'PARLEY_ERR_DEVICE_UNSUPPORTED',
        'the phone itself put the call on hold: take it back on the phone',
      );
    }
    if (this.parkedBy !== side) throw invalidState('the call is not on hold at that device');
    await this.controlled(async () => {
      if (!(await this.connect(side, other(side)))) throw invalidState('a device did not take the call back');
    });
    this.parkedBy = undefined;
    this.sink.retrieved(this, party);
  }

  /** Runs a control operation as the call's one offer exchange (others get 491 meanwhile). */
  protected async controlled<T>(run: () => Promise<T>): Promise<T> {
    if (this.changing) throw invalidState('the call is being changed; try again');
    const exchange = { from: 'server' as const, answered: false };
    this.exchange = exchange;
    try {
      return await run();
    } finally {
      if (this.exchange === exchange) this.exchange = undefined;
    }
  }

  /** A re-INVITE of ours to `side` (see `reinviteLeg`); undefined once the call is not connected. */
  protected reinvite(side: CallSide, offer?: Body): Promise<Reinvited | undefined> {
    const leg = this.legOf(side);
    if (!leg || this.state !== 'answered') return Promise.resolve(undefined);
    return reinviteLeg(this.sw, leg, offer);
  }

  /** Parks `side`'s media: its offer gets a holding answer (Flow IV). */
  protected async park(side: CallSide): Promise<boolean> {
    this.releaseMedia();
    const got = await this.reinvite(side);
    if (!got) return false;
    got.ack(this.parkingAnswer(side, got.response.body));
    return got.response.body.length > 0;
  }

  /** Connects `x`'s media with `y`'s (Flow IV): `x`'s offer to `y`, `y`'s answer to `x`. */
  protected async connect(x: CallSide, y: CallSide): Promise<boolean> {
    this.releaseMedia();
    const fromX = await this.reinvite(x);
    return fromX !== undefined && (await this.pass(fromX, x, y));
  }

  /** `x`'s offer in `fromX` to `y`, `y`'s answer back to `x` (parked when `y` takes none). */
  private async pass(fromX: Reinvited, x: CallSide, y: CallSide): Promise<boolean> {
    const toY = fromX.response.body.length > 0 ? await this.reinvite(y, bodyOf(fromX.response)) : undefined;
    toY?.ack();
    fromX.ack(toY ? bodyOf(toY.response) : this.parkingAnswer(x, fromX.response.body));
    return toY !== undefined;
  }

  /**
   * TransferCall (attended): `party` is in this call and in `held`; it leaves both, the party at
   * the other side of `held` takes its place here and is connected with this call's other party
   * (RFC 3725 Flow IV). `held` ends without a BYE to the party that moved.
   */
  async join(party: CallParty, held: ControlledCall): Promise<void> {
    const here = this.sideOfParty(party);
    const there = held.sideOfParty(party);
    const moving = there && held.seats[other(there)];
    if (this.state !== 'answered' || held.state !== 'answered' || !here || !there || !moving)
      throw invalidState('both calls must be connected at the transferring device');
    for (const call of [this, held]) if (call.changing) throw invalidState('a call is being changed; try again');
    const leaving = [this.seats[here], held.seats[there]];
    held.state = 'ended';
    held.sw.forget(held);
    for (const seat of leaving) if (seat) this.byeTransferred(seat.leg);
    this.seats[here] = moving;
    this.held[here] = held.held[other(there)];
    this.parkedVersion[here] = held.parkedVersion[other(there)];
    this.parkedBy = undefined;
    this.sw.track(this);
    this.sink.joined(this, held, party, moving.party);
    // The active call's other party offers and the moved one answers: a phone held by its peer may
    // offer `recvonly` again when asked (RFC 6337 §5.3), but answers an offer to talk in kind.
    await this.controlled(async () => {
      if (!(await this.connect(other(here), here))) throw invalidState('a device did not take the transferred call');
    });
  }

  protected cancelFork(fork: Fork): void {
    if (fork.state === 'early') {
      fork.state = 'cancelled';
      this.sw.sendRequest(cancelFor(fork.invite), fork.leg.flow, () => undefined);
    } else if (fork.state === 'calling') fork.cancelWanted = true;
  }

  /**
   * A ringing call goes to `targets` instead (DeflectCall, pickup, forwarding): the ringing devices
   * are cancelled and the new ones rung (with `hints`, e.g. auto-answer for pickup).
   */
  divert(targets: ForkTarget[], to: CallParty, cause: DivertCause, hints: SipHeader[] = []): void {
    if (this.state !== 'routing' || this.seats.B) throw invalidState('the call is not ringing');
    if (targets.length === 0)
      throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', 'no device of the target is registered');
    for (const fork of this.forks) {
      fork.retired = true;
      this.cancelFork(fork);
    }
    this.sink.diverted(this, to, cause);
    this.fork(targets, hints);
  }

  /** Forwarding on busy: the call goes on to the busy target (true), or there is none. */
  protected forwardOnBusy(): boolean {
    const to = this.fallbacks.busy;
    if (!to || to.targets.length === 0 || this.state !== 'routing' || this.seats.B) return false;
    this.fallbacks = {};
    clearTimeout(this.noAnswerTimer);
    this.divert(to.targets, to.party, 'callForwardBusy');
    return true;
  }

  /** Forwarding on no answer: after its time the ringing devices give way to the target. */
  protected armNoAnswer(): void {
    const to = this.fallbacks.noAnswer;
    if (!to || to.targets.length === 0) return;
    this.noAnswerTimer = setTimeout(() => {
      if (this.state !== 'routing' || this.seats.B || this.fallbacks.noAnswer !== to) return;
      this.fallbacks = {};
      this.divert(to.targets, to.party, 'callForwardNoAnswer');
    }, to.afterMs);
    this.noAnswerTimer.unref();
  }

  /**
   * The answering fork's 2xx `r` for the caller: our 2xx to its INVITE, waiting for the ACK; or
   * (MakeCall) a re-INVITE with the callee's offer. `done` gets the caller's answer to a late
   * offer (an ACK without a body for an early one), undefined when none came.
   */
  protected toCaller(r: SipResponse, done: (answer: Body | undefined) => void): void {
    const origin = this.origin;
    if (origin.kind === 'invite') {
      const ok = this.toA(origin.invite, 200, 'OK', r);
      this.sw.respond(origin.tx, ok);
      this.awaitAck('A', ok, (got) => done(got && bodyOf(got)));
      return;
    }
    if (r.body.length === 0) {
      done(undefined);
      return;
    }
    this.controlled(async () => {
      const got = await this.reinvite('A', bodyOf(r));
      got?.ack();
      done(got && bodyOf(got.response));
    }).catch(() => done(undefined));
  }

  /** Our response to the caller's INVITE, carrying the callee's body. */
  protected toA(invite: SipRequest, status: number, reason: string, from: SipResponse): SipResponse {
    return respond(invite, status, reason, {
      toTag: this.a.localTag,
      headers: [{ name: 'Contact', value: ourAddress(this.a.flow).contact }, ...bodyHeaders(from)],
      body: from.body.length > 0 ? from.body : undefined,
    });
  }

  /**
   * GenerateDigits: `digits` from `party`'s connection to the other party as RFC 4733 telephone
   * events. The first time, the call's media is anchored through Parley (both legs re-INVITEd to
   * a relay of this node, Flow IV); it stays so until the legs are connected anew or the call ends.
   */
  async digits(party: CallParty, digits: string): Promise<void> {
    const side = this.sideOfParty(party);
    if (this.state !== 'answered' || !side) throw invalidState('the device has no connected call');
    if (this.parkedBy || this.held.A || this.held.B) throw invalidState('the call is on hold');
    const relay = this.relay ?? (await this.controlled(() => this.anchor()));
    await relay.generateDigits(side === 'A' ? 'b' : 'a', digits);
  }

  /** Re-INVITEs both legs to two endpoints of this node and relays between them. */
  private async anchor(): Promise<MediaRelay> {
    const media = this.sw.media();
    const open = () =>
      MediaEndpoint.open({ address: media.address, ports: media.ports, limits: media.limits, log: this.sw.log });
    const a = await open();
    const ends = {
      A: a,
      B: await open().catch(async (err: unknown) => {
        await a.close();
        throw err;
      }),
    };
    const local = (side: CallSide) => ({ address: media.advertise, port: ends[side].port });
    try {
      const fromA = await this.reinvite('A');
      if (!fromA) throw invalidState('the device did not take the re-INVITE');
      let toB: ReturnType<typeof anchoredSdp>;
      try {
        toB = anchoredSdp(fromA.response.body.toString('latin1'), local('B'));
      } catch (err) {
        // Media the relay cannot take: the two devices keep talking end to end.
        await this.pass(fromA, 'A', 'B');
        throw unsupportedMedia(err);
      }
      try {
        const fromB = await this.reinvite('B', sdpBody(toB.sdp));
        if (!fromB) throw invalidState('the other device did not take the re-INVITE');
        fromB.ack();
        const toA = anchoredSdp(fromB.response.body.toString('latin1'), local('A'));
        fromA.ack(sdpBody(toA.sdp));
        const sources = (side: CallSide) => [this.legOf(side)?.flow.remote.address ?? ''].filter((a) => a !== '');
        ends.A.connect({ ...toB.peer, sources: sources('A') });
        ends.B.connect({ ...toA.peer, sources: sources('B') });
        this.relay = new MediaRelay(
          { endpoint: ends.A, eventPayloadType: toB.peer.eventPayloadType },
          { endpoint: ends.B, eventPayloadType: toA.peer.eventPayloadType },
        );
        return this.relay;
      } catch (err) {
        fromA.ack(this.parkingAnswer('A', fromA.response.body));
        throw unsupportedMedia(err);
      }
    } catch (err) {
      await Promise.all([ends.A.close(), ends.B.close()]);
      throw err;
    }
  }

  protected releaseMedia(): void {
    const relay = this.relay;
    this.relay = undefined;
    if (relay) void relay.close();
  }

  /**
   * ConferenceCall: `party` is in this call and in `held`; the party at the other side of `held`
   * joins this call, and all three are mixed by Parley. `held` ends without a BYE to the party
   * that moved.
   */
  async conference(party: CallParty, held: ControlledCall): Promise<void> {
    const here = this.sideOfParty(party);
    const there = held.sideOfParty(party);
    const moving = there && held.seats[other(there)];
    const leaving = there && held.seats[there];
    if (this.state !== 'answered' || held.state !== 'answered' || !here || !moving || !leaving || !this.seats.B)
      throw invalidState('both calls must be connected at the conferencing device');
    if (this.room) throw invalidState('the call is a conference already');
    const seats = [this.seats.A, this.seats.B, moving];
    for (const call of [this, held]) if (call.changing) throw invalidState('a call is being changed; try again');
    this.releaseMedia();
    held.releaseMedia();
    this.room = await this.controlled(() =>
      ConferenceRoom.open(this.sw, seats, {
        left: (who) => this.sink.left(this, who),
        ended: () => {
          this.state = 'ended';
          this.sink.cleared(this, undefined);
          this.sw.forget(this);
        },
      }),
    );
    held.state = 'ended';
    held.sw.forget(held);
    this.sw.sendRequest(leaving.leg.request('BYE'), leaving.leg.flow, () => undefined);
    this.sw.track(this);
    this.sink.conferenced(this, held, party, moving.party);
  }

  override get legs(): Leg[] {
    return [...new Set([...super.legs, ...(this.room?.legs ?? [])])];
  }

  override sideOf(request: SipRequest): CallSide | undefined {
    // In a conference every leg is the room's: any side lets the switch hand the request over.
    if (this.room) return this.room.owns(request) ? 'A' : undefined;
    return super.sideOf(request);
  }

  override inDialog(side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): void {
    if (this.room) this.room.inDialog(request, tx);
    else super.inDialog(side, request, tx);
  }

  override hangUp(side: CallSide | undefined, by?: CallSide): void {
    if (this.room) this.room.end();
    else super.hangUp(side, by);
  }

  /** ClearConnection of a party of a conference: it alone leaves (false: no conference, or not in it). */
  protected dropFromConference(party: CallParty): boolean {
    return this.room?.drop(party) ?? false;
  }
}

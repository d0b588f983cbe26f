// A conference of a back-to-back call (ECMA-269 ConferenceCall): every party's leg is re-INVITEd
// to a media endpoint of this node (RFC 3725 Flow IV: its offer answered by the endpoint) and
// Parley's G.711 mixer sends each the others' audio. A party that hangs up leaves; with one left
// the conference ends.
import { isPartyOf } from '../../../core/calls/model.js';
import { Conference, type ConferenceMember, MediaEndpoint, type MediaSettings, mediaAnswer } from '../media/index.js';
import { respond, type SipRequest } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import type { Seat } from './dialogs.js';
import type { Leg } from './leg.js';
import { invalidState, sdpBody, unsupportedMedia } from './parts.js';
import { reinviteLeg } from './reinvite.js';
import type { CallParty, Switch } from './types.js';

/** What the call hears of its conference. */
export interface ConferenceEvents {
  /** A party left; the conference goes on. */
  left(party: CallParty): void;
  /** The conference (and the call) ended. */
  ended(): void;
}

interface Member extends Seat {
  endpoint: MediaEndpoint;
  mixed: ConferenceMember;
  /** The origin version of the answers this leg got from the endpoint. */
  version: number;
}

export class ConferenceRoom {
  private readonly members: Member[] = [];
  private readonly sessionId = Math.floor(Math.random() * 1e9);

  private constructor(
    private readonly sw: Switch,
    private readonly media: MediaSettings,
    private readonly mixer: Conference,
    private readonly events: ConferenceEvents,
  ) {}

  /**
   * Brings `seats` into a new conference. Throws PARLEY_ERR_INVALID_STATE (a leg refused) or
   * PARLEY_ERR_DEVICE_UNSUPPORTED (no G.711 audio) with nothing left open.
   */
  static async open(sw: Switch, seats: Seat[], events: ConferenceEvents): Promise<ConferenceRoom> {
    const media = sw.media();
    if (seats.length > media.maxParticipants) throw invalidState('too many parties for a conference');
    const room = new ConferenceRoom(
      sw,
      media,
      new Conference({ maxParticipants: media.maxParticipants, log: sw.log }),
      events,
    );
    try {
      for (const seat of seats) await room.join(seat);
    } catch (err) {
      await room.close();
      throw err;
    }
    return room;
  }

  get parties(): CallParty[] {
    return this.members.map((m) => m.party);
  }

  get legs(): Leg[] {
    return this.members.map((m) => m.leg);
  }

  /** Whether a request belongs to one of the conference's dialogs. */
  owns(request: SipRequest): boolean {
    return this.members.some((m) => m.leg.owns(request));
  }

  /** A party's leg joins: its offer (a re-INVITE without one) answered by a new endpoint of the mixer. */
  private async join(seat: Seat): Promise<void> {
    const endpoint = await MediaEndpoint.open({ ...this.media, log: this.sw.log });
    try {
      const got = await reinviteLeg(this.sw, seat.leg);
      if (!got || got.response.body.length === 0) throw invalidState('a device did not join the conference');
      let answer: ReturnType<typeof mediaAnswer>;
      try {
        answer = mediaAnswer(got.response.body.toString('latin1'), this.local(endpoint, 1));
      } catch (err) {
        got.ack();
        throw unsupportedMedia(err);
      }
      got.ack(sdpBody(answer.sdp));
      endpoint.connect({ ...answer.peer, sources: [seat.leg.flow.remote.address] });
      const mixed = this.mixer.add(endpoint, answer.format);
      this.members.push({ ...seat, endpoint, mixed, version: 1 });
    } catch (err) {
      await endpoint.close();
      throw err;
    }
  }

  private local(endpoint: MediaEndpoint, version: number) {
    return { address: this.media.advertise, port: endpoint.port, sessionId: this.sessionId, version };
  }

  /**
   * A request in a member's dialog: BYE leaves; a new offer is answered by its endpoint (the mix
   * goes on); anything else is answered 200 (INFO) or refused.
   */
  inDialog(request: SipRequest, tx: ServerTransaction<Flow>): void {
    const member = this.members.find((m) => m.leg.owns(request));
    if (!member) {
      this.sw.respond(tx, respond(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    if (request.method === 'BYE') {
      this.sw.respond(tx, respond(request, 200, 'OK'));
      void this.leave(member);
      return;
    }
    if ((request.method === 'INVITE' || request.method === 'UPDATE') && request.body.length > 0) {
      try {
        const answer = mediaAnswer(request.body.toString('latin1'), this.local(member.endpoint, ++member.version));
        member.endpoint.connect({ ...answer.peer, sources: [member.leg.flow.remote.address] });
        const { headers, body } = sdpBody(answer.sdp);
        this.sw.respond(tx, respond(request, 200, 'OK', { headers, body }));
      } catch {
        this.sw.respond(tx, respond(request, 488, 'Not Acceptable Here'));
      }
      return;
    }
    if (request.method === 'INFO') this.sw.respond(tx, respond(request, 200, 'OK'));
    else this.sw.respond(tx, respond(request, 488, 'Not Acceptable Here (in a conference)'));
  }

  /** A member hung up (or was dropped): out of the mix; with one party left, it is hung up too. */
  private async leave(member: Member): Promise<void> {
    this.members.splice(this.members.indexOf(member), 1);
    this.events.left(member.party);
    if (this.members.length <= 1) this.end();
    await this.mixer.remove(member.mixed);
  }

  /** ClearConnection of one party: a BYE to its device, and it leaves. False: not a member. */
  drop(party: CallParty): boolean {
    const member = this.members.find((m) => isPartyOf(party, m.party));
    if (!member) return false;
    this.sw.sendRequest(member.leg.request('BYE'), member.leg.flow, () => undefined);
    void this.leave(member);
    return true;
  }

  /** Ends the conference: BYE to every member, the mixer closed. */
  end(): void {
    for (const m of this.members.splice(0)) this.sw.sendRequest(m.leg.request('BYE'), m.leg.flow, () => undefined);
    this.events.ended();
    void this.close();
  }

  private async close(): Promise<void> {
    await this.mixer.close();
    await Promise.all(this.members.map((m) => m.endpoint.close()));
  }
}

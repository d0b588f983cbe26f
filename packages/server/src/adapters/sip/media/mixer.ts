// A small conference: N parties, each on its own media endpoint and codec, mixed every 20 ms; each
// hears the sum of the others (N − 1). RFC 4733 events of one party go on to the others.
import { ParleyError } from '../../../core/errors.js';
import type { Logger } from '../../../platform/log.js';
import { FrameClock } from './clock.js';
import { parseTelephoneEvent } from './dtmf.js';
import type { MediaEndpoint } from './endpoint.js';
import { decodeG711, encodeG711, FRAME_SAMPLES } from './g711.js';
import { JitterBuffer } from './jitter.js';
import { mixFrames } from './mix.js';
import { addSequence, addTimestamp, type RtpPacket, random16, random32 } from './rtp.js';
import type { MediaFormat } from './sdp.js';

export interface ConferenceOptions {
  /** Most parties at once (`sip.media.maxParticipants`). */
  maxParticipants: number;
  log: Logger;
  /** Frames a party's jitter buffer holds (default 4, 80 ms). */
  jitterDepth?: number;
}

/** Events of other parties whose timestamp a party's stream has fixed, at most this many at once. */
const MAX_EVENT_MAPPINGS = 16;

/** One party: its endpoint, its format, its jitter buffer and the stream we send it. */
export class ConferenceMember {
  readonly jitter: JitterBuffer;
  /** The stream towards the party: our own SSRC, sequence and timestamp (RFC 3550 §5.1, random starts). */
  readonly ssrc = random32();
  private sequence = random16();
  private timestamp = random32();
  private first = true;
  private sourceSsrc: number | undefined;
  /** Another party's event (that party's SSRC towards it, as its name here, and the event's timestamp) → its timestamp in our stream. */
  private readonly events = new Map<string, number>();

  constructor(
    readonly endpoint: MediaEndpoint,
    readonly format: MediaFormat,
    jitterDepth: number,
  ) {
    this.jitter = new JitterBuffer(jitterDepth);
  }

  /** Takes a packet from the party: a 20 ms G.711 frame goes into the jitter buffer; says what it was. */
  receive(packet: RtpPacket): 'audio' | 'event' | 'other' {
    if (packet.ssrc !== this.sourceSsrc) {
      this.sourceSsrc = packet.ssrc;
      this.jitter.reset();
    }
    if (packet.payloadType === this.format.payloadType && packet.payload.length === FRAME_SAMPLES) {
      this.jitter.push(packet.sequence, packet.payload);
      return 'audio';
    }
    return packet.payloadType === this.format.eventPayloadType ? 'event' : 'other';
  }

  /** Sends one mixed frame, the next 20 ms of our stream. */
  sendAudio(samples: Int16Array): void {
    this.endpoint.send({
      marker: this.first,
      payloadType: this.format.payloadType,
      sequence: this.nextSequence(),
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      csrc: [],
      payload: encodeG711(this.format.codec, samples),
    });
    this.first = false;
    this.timestamp = addTimestamp(this.timestamp, FRAME_SAMPLES);
  }

  /**
   * Passes on another party's telephone event (RFC 4733 §2.5.1): the payload unchanged, in this
   * party's payload type, sequence and SSRC; every packet of the event gets the timestamp our
   * stream had when its first packet came. Dropped when this party did not negotiate events.
   */
  sendEvent(from: ConferenceMember, packet: RtpPacket): void {
    const payloadType = this.format.eventPayloadType;
    if (payloadType === undefined) return;
    const key = `${from.ssrc}:${packet.timestamp}`;
    let timestamp = this.events.get(key);
    if (timestamp === undefined) {
      timestamp = this.timestamp;
      this.events.set(key, timestamp);
      if (this.events.size > MAX_EVENT_MAPPINGS) this.events.delete(this.events.keys().next().value ?? key);
    }
    this.endpoint.send({
      marker: packet.marker,
      payloadType,
      sequence: this.nextSequence(),
      timestamp,
      ssrc: this.ssrc,
      csrc: [],
      payload: packet.payload,
    });
  }

  private nextSequence(): number {
    const sequence = this.sequence;
    this.sequence = addSequence(sequence, 1);
    return sequence;
  }
}

/**
 * A conference of up to `maxParticipants` parties. The 20 ms clock runs while there are parties.
 * Owns the endpoints added to it: removing a party or closing the conference closes its endpoint.
 *
 * @example
 * const conference = new Conference({ maxParticipants: 8, log });
 * const member = conference.add(endpoint, { codec: 'PCMA', payloadType: 8, eventPayloadType: 101 });
 * await conference.remove(member);
 * await conference.close();
 */
export class Conference {
  private readonly members: ConferenceMember[] = [];
  private readonly clock: FrameClock;

  constructor(private readonly options: ConferenceOptions) {
    this.clock = new FrameClock(
      () => this.mix(),
      20,
      (err) => options.log.error({ err }, 'conference mix failed'),
    );
  }

  get size(): number {
    return this.members.length;
  }

  /** Adds a party; throws PARLEY_ERR_INVALID_STATE when the conference is full. */
  add(endpoint: MediaEndpoint, format: MediaFormat): ConferenceMember {
    if (this.members.length >= this.options.maxParticipants) {
      throw new ParleyError(
        'PARLEY_ERR_INVALID_STATE',
        `a conference holds at most ${this.options.maxParticipants} parties (sip.media.maxParticipants)`,
      );
    }
    const member = new ConferenceMember(endpoint, format, this.options.jitterDepth ?? 4);
    endpoint.onPacket = (packet) => {
      if (member.receive(packet) !== 'event') return;
      try {
        parseTelephoneEvent(packet.payload);
      } catch {
        return;
      }
      for (const other of this.members) if (other !== member) other.sendEvent(member, packet);
    };
    this.members.push(member);
    this.clock.start();
    return member;
  }

  async remove(member: ConferenceMember): Promise<void> {
    const at = this.members.indexOf(member);
    if (at < 0) return;
    this.members.splice(at, 1);
    if (this.members.length === 0) this.clock.stop();
    await member.endpoint.close();
  }

  async close(): Promise<void> {
    this.clock.stop();
    const members = this.members.splice(0);
    await Promise.all(members.map((member) => member.endpoint.close()));
  }

  /** One tick: each party's next frame, the mix, one packet to each party. */
  private mix(): void {
    const frames = this.members.map((member) => {
      const frame = member.jitter.pop();
      return frame && decodeG711(member.format.codec, frame);
    });
    const mixed = mixFrames(frames);
    for (const [i, member] of this.members.entries()) member.sendAudio(mixed[i] ?? new Int16Array(FRAME_SAMPLES));
  }
}

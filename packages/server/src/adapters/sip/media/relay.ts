// Media anchored through Parley for one two-party call: RTP relayed between the two legs' endpoints,
// and RFC 4733 digits sent into one direction (ECMA-269 GenerateDigits) as if the other
// side had sent them.
import { ParleyError } from '../../../core/errors.js';
import { DigitError, type DigitOptions, digitSchedule, renderTelephoneEvent } from './dtmf.js';
import type { MediaEndpoint } from './endpoint.js';
import { SAMPLE_RATE } from './g711.js';
import { addSequence, addTimestamp, type RtpPacket, random16, random32, sequenceDelta } from './rtp.js';

export type Side = 'a' | 'b';

/** One leg: its endpoint and the telephone-event payload type of its SDP (none: no digits towards it). */
export interface RelayLeg {
  endpoint: MediaEndpoint;
  eventPayloadType?: number;
}

const samplesPerMs = SAMPLE_RATE / 1000;

/** What has been sent towards one side: the stream that digits must continue. */
class Outbound {
  /** The SSRC of the stream relayed this way, else one of our own for digits sent before any audio. */
  ssrc: number | undefined;
  /** Added to the sequence numbers relayed this way: one more for each packet we put in. */
  offset = 0;
  /** The highest sequence number sent, its packet's timestamp, and when it was sent. */
  sequence = random16();
  timestamp = random32();
  at = performance.now();
  /** Digit requests run one after the other. */
  queue: Promise<void> = Promise.resolve();

  relay(packet: RtpPacket): RtpPacket {
    if (packet.ssrc !== this.ssrc) {
      this.ssrc = packet.ssrc;
      this.offset = 0;
      this.sequence = addSequence(packet.sequence, -1);
    }
    const sequence = addSequence(packet.sequence, this.offset);
    if (sequenceDelta(sequence, this.sequence) > 0) {
      this.sequence = sequence;
      this.timestamp = packet.timestamp;
      this.at = performance.now();
    }
    return this.offset === 0 ? packet : { ...packet, sequence };
  }

  /** The next sequence number for a packet of ours; the relayed ones after it move up by one. */
  insert(): number {
    this.ssrc ??= random32();
    this.offset++;
    this.sequence = addSequence(this.sequence, 1);
    return this.sequence;
  }

  /** The stream's timestamp now, `msAgo` ms back: the last packet's, advanced by the time since. */
  timestampAt(msAgo: number): number {
    return addTimestamp(this.timestamp, Math.round((performance.now() - this.at - msAgo) * samplesPerMs));
  }
}

/**
 * Relays RTP between two endpoints, A→B and B→A, as it comes (payload, timestamps, SSRC; no
 * transcoding, so both sides must have negotiated the same payload types), and sends DTMF digits
 * towards one side as RFC 4733 events in that direction's stream.
 *
 * @example
 * const relay = new MediaRelay({ endpoint: a, eventPayloadType: 101 }, { endpoint: b, eventPayloadType: 96 });
 * await relay.generateDigits('b', '123#');
 * await relay.close();
 */
export class MediaRelay {
  private readonly legs: Record<Side, RelayLeg>;
  private readonly towards: Record<Side, Outbound> = { a: new Outbound(), b: new Outbound() };
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<() => void>();

  constructor(a: RelayLeg, b: RelayLeg) {
    this.legs = { a, b };
    a.endpoint.onPacket = (packet) => this.relay('b', packet);
    b.endpoint.onPacket = (packet) => this.relay('a', packet);
  }

  /**
   * Sends `digits` (0-9 * # A-D) towards `to` as RFC 4733 events: in the SSRC and sequence of what
   * is relayed to it, at timestamps of that stream's clock; the relayed packets after each event
   * packet keep counting on. Requests towards one side run one after the other. Resolves when the
   * last end packet has gone out; rejects PARLEY_ERR_VALIDATION for a bad digit string,
   * PARLEY_ERR_DEVICE_UNSUPPORTED when `to` negotiated no telephone-event, and
   * PARLEY_ERR_INVALID_STATE when the relay closes first.
   */
  generateDigits(to: Side, digits: string, options: DigitOptions = {}): Promise<void> {
    const payloadType = this.legs[to].eventPayloadType;
    if (this.closed) return Promise.reject(new ParleyError('PARLEY_ERR_INVALID_STATE', 'the media relay is closed'));
    if (payloadType === undefined) {
      return Promise.reject(
        new ParleyError('PARLEY_ERR_DEVICE_UNSUPPORTED', 'the device negotiated no telephone-event (RFC 4733)'),
      );
    }
    let schedule: ReturnType<typeof digitSchedule>;
    try {
      schedule = digitSchedule(digits, options);
    } catch (error) {
      if (error instanceof DigitError) return Promise.reject(new ParleyError('PARLEY_ERR_VALIDATION', error.message));
      throw error;
    }
    const outbound = this.towards[to];
    const run = outbound.queue.then(() => this.send(to, payloadType, schedule));
    outbound.queue = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const abort of this.aborts) abort();
    await Promise.all([this.legs.a.endpoint.close(), this.legs.b.endpoint.close()]);
  }

  private relay(to: Side, packet: RtpPacket): void {
    this.legs[to].endpoint.send(this.towards[to].relay(packet));
  }

  /** Sends a schedule's packets at their times (each from the start, so lateness does not add up). */
  private async send(to: Side, payloadType: number, schedule: ReturnType<typeof digitSchedule>) {
    const outbound = this.towards[to];
    const start = performance.now();
    let base: number | undefined;
    for (const step of schedule) {
      await this.until(start + step.at);
      // The stream's clock when the first event began, one update before its first packet
      // (RFC 4733 §2.5.1.2); each event then starts where the schedule puts it on that clock.
      base ??= outbound.timestampAt(step.at);
      this.legs[to].endpoint.send({
        marker: step.marker,
        payloadType,
        sequence: outbound.insert(),
        timestamp: addTimestamp(base, step.timestampOffset),
        ssrc: outbound.ssrc ?? 0,
        csrc: [],
        payload: renderTelephoneEvent(step.event),
      });
    }
  }

  private until(at: number): Promise<void> {
    if (this.closed) return Promise.reject(new ParleyError('PARLEY_ERR_INVALID_STATE', 'the media relay is closed'));
    return new Promise<void>((resolve, reject) => {
      const abort = () => reject(new ParleyError('PARLEY_ERR_INVALID_STATE', 'the media relay is closed'));
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          this.aborts.delete(abort);
          resolve();
        },
        Math.max(0, at - performance.now()),
      );
      this.timers.add(timer);
      this.aborts.add(abort);
    });
  }
}

// RFC 4733 telephone events: the payload (§2.3) and when to send which packet for a string of DTMF
// digits (§2.5.1).
import { SAMPLE_RATE } from './g711.js';

export interface TelephoneEvent {
  /** 0–255; DTMF digits are 0–15 (§3.2). */
  event: number;
  /** The E bit: this packet ends the event. */
  end: boolean;
  /** Power level in −dBm0, 0–63 (§2.3.4). */
  volume: number;
  /** Duration so far in timestamp units, 0–65535 (§2.3.5). */
  duration: number;
}

/** RFC 4733 §3.2 Table 3: events 0–9, then * # A B C D as 10–15. */
const DTMF_DIGITS = '0123456789*#ABCD';

/** The event code of a DTMF digit; undefined for anything else. */
export const dtmfEvent = (digit: string): number | undefined => {
  const at = DTMF_DIGITS.indexOf(digit.toUpperCase());
  return digit.length === 1 && at >= 0 ? at : undefined;
};

/** The DTMF digit of an event code; undefined for other events. */
export const dtmfDigit = (event: number): string | undefined => DTMF_DIGITS[event];

/** Reads a telephone-event payload: exactly one event of 4 octets (§2.3; redundancy is not taken). */
export function parseTelephoneEvent(payload: Buffer): TelephoneEvent {
  if (payload.length !== 4) throw new RangeError(`telephone-event payload of ${payload.length} octets, not 4`);
  const flags = payload.readUInt8(1);
  // The R bit is reserved: sent as 0, ignored when received (§2.3.3).
  return {
    event: payload.readUInt8(0),
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

export function renderTelephoneEvent(event: TelephoneEvent): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt8(event.event, 0);
  out.writeUInt8((event.end ? 0x80 : 0) | event.volume, 1);
  out.writeUInt16BE(event.duration, 2);
  return out;
}

export interface DigitOptions {
  /** How long each tone lasts, ms (default 100; 40–8000, so a duration fits 16 bits unsegmented). */
  toneMs?: number;
  /** Silence between tones, ms (default 50, at least 50: the end packet's two repeats fall into it). */
  gapMs?: number;
  /** Interval of the updates, ms (default 20, the audio packetization). */
  packetMs?: number;
  /** −dBm0 (default 10). */
  volume?: number;
}

/** The most digits one request may send. */
export const MAX_DIGITS = 64;

/** One packet of a digit schedule. */
export interface DigitPacket {
  /** When to send it, ms after the schedule starts. */
  at: number;
  /** The RTP marker bit: set on the first packet of each event (§2.5.1.2). */
  marker: boolean;
  /** The event's RTP timestamp, as samples after the schedule's start; the same for all its packets (§2.5.1.2). */
  timestampOffset: number;
  event: TelephoneEvent;
}

/** A digit string or option the generator refuses. */
export class DigitError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'DigitError';
  }
}

/**
 * The packets that send `digits` as RFC 4733 events, in order: for each digit, an update every
 * `packetMs` with the duration so far (the first with the marker bit), the last with the E bit and
 * sent three times in all, one `packetMs` apart (§2.5.1.4); the next digit starts `toneMs + gapMs`
 * after the previous one.
 *
 * @example
 * digitSchedule('1#').length // 2 × (5 updates + 2 repeats of the end) = 14
 */
export function digitSchedule(digits: string, options: DigitOptions = {}): DigitPacket[] {
  const { toneMs = 100, gapMs = 50, packetMs = 20, volume = 10 } = options;
  if (digits.length === 0 || digits.length > MAX_DIGITS) throw new DigitError(`1 to ${MAX_DIGITS} digits`);
  const events = [...digits].map((digit) => {
    const event = dtmfEvent(digit);
    if (event === undefined) throw new DigitError(`"${digit}" is not a DTMF digit (0-9 * # A-D)`);
    return event;
  });
  if (!Number.isInteger(toneMs) || toneMs < 40 || toneMs > 8000) throw new DigitError('toneMs must be 40 to 8000');
  if (!Number.isInteger(packetMs) || packetMs < 10 || packetMs > 100)
    throw new DigitError('packetMs must be 10 to 100');
  if (!Number.isInteger(gapMs) || gapMs < Math.max(50, 2 * packetMs)) {
    throw new DigitError('gapMs must be at least 50 and cover the two repeats of the end packet');
  }
  if (!Number.isInteger(volume) || volume < 0 || volume > 63) throw new DigitError('volume must be 0 to 63');
  const samplesPerMs = SAMPLE_RATE / 1000;
  const updates = Math.ceil(toneMs / packetMs);
  const packets: DigitPacket[] = [];
  events.forEach((event, index) => {
    const start = index * (toneMs + gapMs);
    const timestampOffset = start * samplesPerMs;
    for (let i = 1; i <= updates + 2; i++) {
      const elapsed = Math.min(i * packetMs, toneMs);
      packets.push({
        at: start + i * packetMs,
        marker: i === 1,
        timestampOffset,
        event: { event, end: i >= updates, volume, duration: elapsed * samplesPerMs },
      });
    }
  });
  return packets;
}

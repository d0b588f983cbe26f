// A small jitter buffer for one G.711 stream: frames ordered by RTP sequence number (RFC 3550
// Appendix A.1 for the wrap), played out one per 20 ms tick.
import { sequenceDelta } from './rtp.js';

export interface JitterStats {
  /** Frames that came after their turn had passed. */
  late: number;
  /** Turns with no frame while others were waiting (lost or not yet come). */
  missing: number;
  /** Frames dropped because the buffer was full. */
  overflow: number;
}

/**
 * Holds up to `depth` frames. Playing starts once `prefill` frames are in; each {@link pop} gives the
 * frame whose turn it is (undefined for a missing one: the mixer plays silence). When the buffer
 * runs dry it waits for `prefill` frames again without moving on, so a sender that paused
 * continues where it stopped; a jump in sequence numbers of more than `depth` (a new stream)
 * starts over.
 */
export class JitterBuffer {
  readonly stats: JitterStats = { late: 0, missing: 0, overflow: 0 };
  private readonly frames = new Map<number, Buffer>();
  private next: number | undefined;
  private playing = false;

  constructor(
    private readonly depth = 4,
    private readonly prefill = 2,
  ) {}

  push(sequence: number, frame: Buffer): void {
    if (this.next === undefined) this.next = sequence;
    const ahead = sequenceDelta(sequence, this.next);
    if (ahead < -this.depth || ahead >= 2 * this.depth) {
      this.reset(sequence);
    } else if (ahead < 0) {
      this.stats.late++;
      return;
    }
    this.frames.set(sequence, frame);
    while (this.frames.size > this.depth) {
      if (!this.frames.delete(this.next)) this.stats.missing++;
      else this.stats.overflow++;
      this.next = (this.next + 1) & 0xffff;
    }
  }

  pop(): Buffer | undefined {
    if (this.next === undefined) return undefined;
    if (!this.playing) {
      if (this.frames.size < this.prefill) return undefined;
      this.playing = true;
    }
    if (this.frames.size === 0) {
      this.playing = false;
      return undefined;
    }
    const frame = this.frames.get(this.next);
    if (frame) this.frames.delete(this.next);
    else this.stats.missing++;
    this.next = (this.next + 1) & 0xffff;
    return frame;
  }

  /** Forgets every frame (a new SSRC); the next push starts a new stream. */
  reset(sequence?: number): void {
    this.frames.clear();
    this.next = sequence;
    this.playing = false;
  }
}

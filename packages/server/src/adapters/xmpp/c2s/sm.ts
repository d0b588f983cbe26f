// XEP-0198 Stream Management: the counts of handled stanzas each side keeps, and the stanzas sent
// to the client that it has not acknowledged yet (resent on resumption, handled on final loss).
import type { XmlElement } from '../xml/element.js';

export const SM_NS = 'urn:xmpp:sm:3';

/**
 * `session.data` key under which a session that ends holds the stanzas its client never
 * acknowledged (XEP-0198 §4), for the modules' `sessionEnded` (e.g. messages to deliver elsewhere).
 */
export const UNACKED_KEY = 'sm:unacked';

/** Counts wrap at 2^32 (XEP-0198 §5). */
const wrap = (n: number) => n % 2 ** 32;

export class StreamManagement {
  /** Stanzas received from the client and handled (the `h` this server reports). */
  handled = 0;
  /** What the client last acknowledged (its `h`). */
  private acked = 0;
  private readonly queue: XmlElement[] = [];

  constructor(
    /** The resumption id (`previd`), null when the client did not ask to resume. */
    readonly token: string | null,
  ) {}

  /** A stanza was received from the client and handled. */
  received(): void {
    this.handled = wrap(this.handled + 1);
  }

  /** A stanza was sent to the client. */
  sent(stanza: XmlElement): void {
    this.queue.push(stanza);
  }

  /**
   * The client acknowledged `h` stanzas in all: the ones up to it leave the queue. False when it
   * acknowledged more than was sent (XEP-0198 §4: the stream ends with undefined-condition).
   */
  ack(h: number): boolean {
    const count = wrap(h - this.acked + 2 ** 32);
    if (count > this.queue.length) return false;
    this.queue.splice(0, count);
    this.acked = wrap(h);
    return true;
  }

  /** The stanzas sent and not acknowledged yet, oldest first. */
  unacked(): readonly XmlElement[] {
    return this.queue;
  }

  /** Parses an `h` attribute; undefined when it is not a count. */
  static count(value: string | undefined): number | undefined {
    if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
    const n = Number(value);
    return n < 2 ** 32 ? n : undefined;
  }
}

// Our 2xx to an INVITE waiting for its ACK (RFC 3261 §13.3.1.4): sent again over UDP at T1,
// 2·T1 … T2; after 64·T1 without an ACK (on any transport) the wait is given up.
import type { SipResponse } from '../message/index.js';
import type { Flow } from '../transport/flow.js';
import type { Switch } from './types.js';

export class AckWait {
  private timer: NodeJS.Timeout;
  private interval: number;
  private elapsed = 0;

  /** `lost` runs when no ACK came within 64·T1. */
  constructor(
    private readonly sw: Pick<Switch, 'send' | 't1' | 't2'>,
    private readonly flow: Flow,
    private readonly response: SipResponse,
    private readonly lost: () => void,
  ) {
    this.interval = flow.reliable ? 64 * sw.t1 : sw.t1;
    this.timer = setTimeout(() => this.tick(), this.interval).unref();
  }

  /** The CSeq number of the INVITE the 2xx answers (its ACK has the same). */
  get seq(): number {
    return this.response.cseq.seq;
  }

  private tick(): void {
    this.elapsed += this.interval;
    if (this.elapsed >= 64 * this.sw.t1) {
      this.lost();
      return;
    }
    this.sw.send(this.response, this.flow);
    this.interval = Math.min(this.interval * 2, this.sw.t2);
    this.timer = setTimeout(() => this.tick(), this.interval).unref();
  }

  /** The ACK came (or the call ended): no more retransmissions. */
  stop(): void {
    clearTimeout(this.timer);
  }
}

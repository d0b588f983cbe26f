import { respond } from '../message/index.js';
import type { Action, MachineOptions, ServerEvent, SipRequest, SipResponse, TimerName } from './types.js';

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/**
 * The INVITE server transaction of RFC 3261 §17.2.1 as updated by RFC 6026: it answers 100 Trying
 * at once (§17.2.1 allows it always), a non-2xx final response is retransmitted on timer G until the
 * ACK (Confirmed, timer I) or timer H; a 2xx moves it to Accepted (timer L = 64·T1), where the TU's
 * 2xx retransmissions go out, INVITE retransmissions are absorbed and a matching ACK is passed up.
 */
export class InviteServerTransaction {
  state: InviteServerState = 'proceeding';
  private lastResponse: SipResponse | undefined;
  private intervalG: number;

  constructor(
    readonly request: SipRequest,
    private readonly options: MachineOptions,
  ) {
    this.intervalG = options.timers.t1;
  }

  /** The response last sent, whose To tag a 2543-style ACK must carry (§17.2.3). */
  get response(): SipResponse | undefined {
    return this.lastResponse;
  }

  start(): Action[] {
    return this.send(respond(this.request, 100, 'Trying'));
  }

  handle(event: ServerEvent): Action[] {
    if (this.state === 'terminated') return [];
    switch (event.kind) {
      case 'transport-error':
        return this.state === 'proceeding' || this.state === 'completed'
          ? this.terminate([{ kind: 'transport-error' }])
          : [];
      case 'timer':
        return this.timer(event.timer);
      case 'respond':
        return this.respond(event.response);
      case 'request':
        return event.request.method === 'ACK' ? this.ack(event.request) : this.retransmission();
    }
  }

  private retransmission(): Action[] {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) {
      return [{ kind: 'send', message: this.lastResponse }];
    }
    return [];
  }

  private ack(ack: SipRequest): Action[] {
    if (this.state === 'accepted') return [{ kind: 'pass-up', message: ack }];
    if (this.state !== 'completed') return [];
    this.state = 'confirmed';
    const actions: Action[] = [
      { kind: 'cancel-timer', timer: 'G' },
      { kind: 'cancel-timer', timer: 'H' },
    ];
    if (this.options.reliable) return this.terminate(actions);
    return [...actions, { kind: 'start-timer', timer: 'I', ms: this.options.timers.t4 }];
  }

  private respond(response: SipResponse): Action[] {
    const { status } = response;
    if (this.state === 'accepted') return status >= 200 && status < 300 ? this.send(response) : [];
    if (this.state !== 'proceeding') return [];
    if (status < 200) return this.send(response);
    const { t1 } = this.options.timers;
    if (status < 300) {
      this.state = 'accepted';
      return [...this.send(response), { kind: 'start-timer', timer: 'L', ms: 64 * t1 }];
    }
    this.state = 'completed';
    const actions = this.send(response);
    if (!this.options.reliable) actions.push({ kind: 'start-timer', timer: 'G', ms: this.intervalG });
    actions.push({ kind: 'start-timer', timer: 'H', ms: 64 * t1 });
    return actions;
  }

  private timer(timer: TimerName): Action[] {
    switch (`${this.state}:${timer}`) {
      case 'completed:G': {
        this.intervalG = Math.min(2 * this.intervalG, this.options.timers.t2);
        const resend = this.retransmission();
        return [...resend, { kind: 'start-timer', timer: 'G', ms: this.intervalG }];
      }
      case 'completed:H':
        return this.terminate([{ kind: 'timeout' }]);
      case 'confirmed:I':
      case 'accepted:L':
        return this.terminate([]);
      default:
        return [];
    }
  }

  private send(response: SipResponse): Action[] {
    this.lastResponse = response;
    return [{ kind: 'send', message: response }];
  }

  private terminate(actions: Action[]): Action[] {
    this.state = 'terminated';
    return [...actions, { kind: 'terminated' }];
  }
}

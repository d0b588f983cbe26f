import {
  type Action,
  type ClientEvent,
  firstSend,
  type MachineOptions,
  type SipRequest,
  type SipResponse,
  type TimerName,
} from './types.js';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/**
 * The non-INVITE client transaction of RFC 3261 §17.1.2: timer E retransmits the request (doubling
 * up to T2 while Trying, every T2 once Proceeding), timer F (64·T1) times it out, timer K (T4, zero
 * over reliable transports) absorbs response retransmissions once Completed.
 */
export class NonInviteClientTransaction {
  state: NonInviteClientState = 'trying';
  private intervalE: number;

  constructor(
    readonly request: SipRequest,
    private readonly options: MachineOptions,
  ) {
    this.intervalE = options.timers.t1;
  }

  /** Sends the request: timer E (unreliable only) and timer F. */
  start(): Action[] {
    return firstSend(this.request, this.options, 'E', 'F');
  }

  handle(event: ClientEvent): Action[] {
    if (this.state === 'terminated') return [];
    if (event.kind === 'transport-error') {
      return this.state === 'completed' ? [] : this.terminate([{ kind: 'transport-error' }]);
    }
    if (event.kind === 'timer') return this.timer(event.timer);
    return this.response(event.response);
  }

  private timer(timer: TimerName): Action[] {
    if (timer === 'K' && this.state === 'completed') return this.terminate([]);
    if (this.state === 'completed') return [];
    if (timer === 'F') return this.terminate([{ kind: 'timeout' }]);
    if (timer !== 'E') return [];
    const { t2 } = this.options.timers;
    this.intervalE = this.state === 'trying' ? Math.min(2 * this.intervalE, t2) : t2;
    return [
      { kind: 'send', message: this.request },
      { kind: 'start-timer', timer: 'E', ms: this.intervalE },
    ];
  }

  private response(response: SipResponse): Action[] {
    if (this.state === 'completed') return [];
    const passUp: Action = { kind: 'pass-up', message: response };
    if (response.status < 200) {
      this.state = 'proceeding';
      return [passUp];
    }
    this.state = 'completed';
    const actions: Action[] = [{ kind: 'cancel-timer', timer: 'E' }, { kind: 'cancel-timer', timer: 'F' }, passUp];
    if (this.options.reliable) return this.terminate(actions);
    return [...actions, { kind: 'start-timer', timer: 'K', ms: this.options.timers.t4 }];
  }

  private terminate(actions: Action[]): Action[] {
    this.state = 'terminated';
    return [...actions, { kind: 'terminated' }];
  }
}

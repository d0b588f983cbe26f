import type { Action, MachineOptions, ServerEvent, SipRequest, SipResponse } from './types.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/**
 * The non-INVITE server transaction of RFC 3261 §17.2.2: request retransmissions get the last
 * response again (none while Trying), the final response is kept for timer J (64·T1, zero over
 * reliable transports).
 */
export class NonInviteServerTransaction {
  state: NonInviteServerState = 'trying';
  private lastResponse: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly options: MachineOptions,
  ) {}

  get response(): SipResponse | undefined {
    return this.lastResponse;
  }

  start(): Action[] {
    return [];
  }

  handle(event: ServerEvent): Action[] {
    if (this.state === 'terminated') return [];
    switch (event.kind) {
      case 'transport-error':
        return this.state === 'trying' ? [] : this.terminate([{ kind: 'transport-error' }]);
      case 'timer':
        return event.timer === 'J' && this.state === 'completed' ? this.terminate([]) : [];
      case 'request':
        return this.lastResponse ? [{ kind: 'send', message: this.lastResponse }] : [];
      case 'respond':
        return this.respond(event.response);
    }
  }

  private respond(response: SipResponse): Action[] {
    if (this.state === 'completed') return [];
    this.lastResponse = response;
    const send: Action = { kind: 'send', message: response };
    if (response.status < 200) {
      this.state = 'proceeding';
      return [send];
    }
    this.state = 'completed';
    if (this.options.reliable) return this.terminate([send]);
    return [send, { kind: 'start-timer', timer: 'J', ms: 64 * this.options.timers.t1 }];
  }

  private terminate(actions: Action[]): Action[] {
    this.state = 'terminated';
    return [...actions, { kind: 'terminated' }];
  }
}

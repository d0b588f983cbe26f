import { makeRequest, type SipHeader } from '../message/index.js';
import {
  type Action,
  type ClientEvent,
  firstSend,
  type MachineOptions,
  type SipRequest,
  type SipResponse,
} from './types.js';

/** A message's To header field as it was sent (tag included). */
const toHeader = (message: SipRequest | SipResponse): SipHeader => ({
  name: 'To',
  value: message.headers.find((h) => h.name === 'To')?.value ?? '',
});

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/** Timer D's floor for unreliable transports (RFC 3261 §17.1.1.2: "at least 32 seconds"). */
export const TIMER_D_MS = 32_000;

/**
 * The INVITE client transaction of RFC 3261 §17.1.1 as updated by RFC 6026: a 2xx moves it to
 * Accepted (timer M = 64·T1), where further 2xx responses are passed up too so the TU can ACK each
 * (the ACK for a 2xx is the TU's, not ours). A non-2xx final response is ACKed here (§17.1.1.3).
 */
export class InviteClientTransaction {
  state: InviteClientState = 'calling';
  private intervalA: number;

  constructor(
    readonly request: SipRequest,
    private readonly options: MachineOptions,
  ) {
    this.intervalA = options.timers.t1;
  }

  /** Sends the INVITE: timer A (unreliable only) and timer B. */
  start(): Action[] {
    return firstSend(this.request, this.options, 'A', 'B');
  }

  handle(event: ClientEvent): Action[] {
    if (this.state === 'terminated') return [];
    if (event.kind === 'transport-error') {
      if (this.state === 'accepted') return [];
      return this.terminate([{ kind: 'transport-error' }]);
    }
    if (event.kind === 'timer') return this.timer(event.timer);
    return this.response(event.response);
  }

  private timer(timer: string): Action[] {
    switch (`${this.state}:${timer}`) {
      case 'calling:A':
        this.intervalA *= 2;
        return [
          { kind: 'send', message: this.request },
          { kind: 'start-timer', timer: 'A', ms: this.intervalA },
        ];
      case 'calling:B':
        return this.terminate([{ kind: 'timeout' }]);
      case 'completed:D':
      case 'accepted:M':
        return this.terminate([]);
      default:
        return [];
    }
  }

  private response(response: SipResponse): Action[] {
    const { status } = response;
    if (this.state === 'completed') {
      return status >= 300 ? [{ kind: 'send', message: ackFor(this.request, response) }] : [];
    }
    if (this.state === 'accepted') {
      return status >= 200 && status < 300 ? [{ kind: 'pass-up', message: response }] : [];
    }
    const stop: Action[] = [
      { kind: 'cancel-timer', timer: 'A' },
      { kind: 'cancel-timer', timer: 'B' },
    ];
    const passUp: Action = { kind: 'pass-up', message: response };
    if (status < 200) {
      const wasCalling = this.state === 'calling';
      this.state = 'proceeding';
      return wasCalling ? [...stop, passUp] : [passUp];
    }
    if (status < 300) {
      this.state = 'accepted';
      return [...stop, passUp, { kind: 'start-timer', timer: 'M', ms: 64 * this.options.timers.t1 }];
    }
    this.state = 'completed';
    const actions: Action[] = [...stop, { kind: 'send', message: ackFor(this.request, response) }, passUp];
    if (this.options.reliable) return this.terminate(actions);
    return [...actions, { kind: 'start-timer', timer: 'D', ms: TIMER_D_MS }];
  }

  private terminate(actions: Action[]): Action[] {
    this.state = 'terminated';
    return [...actions, { kind: 'terminated' }];
  }
}

/**
 * The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): Request-URI, Call-ID, From, the top
 * Via and the Route set of the INVITE, the To of the response (with its tag), CSeq number of the
 * INVITE with method ACK.
 */
export const ackFor = (invite: SipRequest, response: SipResponse): SipRequest =>
  sibling(invite, 'ACK', toHeader(response));

/**
 * The CANCEL of a pending INVITE (RFC 3261 §9.1): the same fields with the To of the INVITE and
 * method CANCEL; the same branch, so its own client transaction tells its responses by CSeq method.
 */
export const cancelFor = (invite: SipRequest): SipRequest => sibling(invite, 'CANCEL', toHeader(invite));

function sibling(invite: SipRequest, method: string, to: SipHeader): SipRequest {
  const copied = (name: string) => invite.headers.filter((h) => h.name === name);
  return makeRequest(method, invite.uri, [
    ...copied('Via').slice(0, 1),
    ...copied('From'),
    to,
    ...copied('Call-ID'),
    { name: 'CSeq', value: `${invite.cseq.seq} ${method}` },
    ...copied('Route'),
    { name: 'Max-Forwards', value: '70' },
  ]);
}

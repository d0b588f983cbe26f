import type { SipMessage, SipRequest, SipResponse } from '../message/index.js';

export type { SipMessage, SipRequest, SipResponse };

/** The timers of RFC 3261 §17 (A–K) and RFC 6026 (L, M). */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

/** What a transaction asks of whoever drives it. */
export type Action =
  | { readonly kind: 'send'; readonly message: SipMessage }
  /** Pass a response (client transaction) or an ACK (INVITE server, Accepted state) to the TU. */
  | { readonly kind: 'pass-up'; readonly message: SipMessage }
  /** Timer B, F or H fired: the TU learns the transaction timed out. */
  | { readonly kind: 'timeout' }
  | { readonly kind: 'transport-error' }
  /** Start (or restart) a timer; a running timer of the same name is replaced. */
  | { readonly kind: 'start-timer'; readonly timer: TimerName; readonly ms: number }
  | { readonly kind: 'cancel-timer'; readonly timer: TimerName }
  | { readonly kind: 'terminated' };

export type ClientEvent =
  | { readonly kind: 'response'; readonly response: SipResponse }
  | { readonly kind: 'timer'; readonly timer: TimerName }
  | { readonly kind: 'transport-error' };

export type ServerEvent =
  /** A request matching the transaction arrived: a retransmission, or the ACK of an INVITE. */
  | { readonly kind: 'request'; readonly request: SipRequest }
  /** The TU sends a response through the transaction. */
  | { readonly kind: 'respond'; readonly response: SipResponse }
  | { readonly kind: 'timer'; readonly timer: TimerName }
  | { readonly kind: 'transport-error' };

/** T1, T2, T4 of RFC 3261 §17.1.1.1 / table 4, in milliseconds. */
export interface TimerValues {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
}

export const DEFAULT_TIMERS: TimerValues = { t1: 500, t2: 4000, t4: 5000 };

/** How a machine is set up: the timer values and whether its transport is reliable (TCP, TLS, WS). */
export interface MachineOptions {
  readonly timers: TimerValues;
  readonly reliable: boolean;
}

/** Checks T1 ≤ T2 and positive values; the layer calls it once for its configuration. */
export function timerValues(given: Partial<TimerValues> = {}): TimerValues {
  const values = { ...DEFAULT_TIMERS, ...given };
  for (const [name, ms] of Object.entries(values)) {
    if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`SIP timer ${name} must be a positive integer of ms`);
  }
  if (values.t2 < values.t1) throw new RangeError('SIP timer T2 must not be shorter than T1');
  return values;
}

/**
 * A client transaction's first step (§17.1.1.2, §17.1.2.2): send the request, start the
 * retransmission timer at T1 (unreliable transports only) and the timeout timer at 64·T1.
 */
export function firstSend(request: SipRequest, options: MachineOptions, retransmit: TimerName, timeout: TimerName) {
  const { t1 } = options.timers;
  const actions: Action[] = [{ kind: 'send', message: request }];
  if (!options.reliable) actions.push({ kind: 'start-timer', timer: retransmit, ms: t1 });
  actions.push({ kind: 'start-timer', timer: timeout, ms: 64 * t1 });
  return actions;
}

// RFC 6665 SIP-specific event notification, notifier side, as a pure state machine: each step
// takes the subscription and the time and returns the next subscription, the response to send
// and actions (NOTIFYs to send, the one expiry deadline to keep). No clocks, no sockets.
import { headerValues, type SipHeader, type SipRequest, singleHeader } from '../message/index.js';
import { DIALOG_INFO_CONTENT_TYPE } from './dialog-info.js';
import { MESSAGE_SUMMARY_CONTENT_TYPE } from './message-summary.js';
import { PIDF_CONTENT_TYPE } from './pidf.js';

export const eventPackages = ['presence', 'dialog', 'message-summary'] as const;
export type EventPackage = (typeof eventPackages)[number];

/** The body formats of each package, preferred first. */
export const packageFormats: Record<EventPackage, readonly string[]> = {
  presence: [PIDF_CONTENT_TYPE],
  dialog: [DIALOG_INFO_CONTENT_TYPE],
  'message-summary': [MESSAGE_SUMMARY_CONTENT_TYPE],
};

export interface SubscriptionPolicy {
  /** Seconds, when the SUBSCRIBE has no Expires (RFC 3856, 4235 and 3842 all say 3600). */
  defaultExpires: number;
  /** Shorter (but not 0) is refused with 423 and Min-Expires. */
  minExpires: number;
  /** Longer is cut to this. */
  maxExpires: number;
}

export const DEFAULT_SUBSCRIPTION_POLICY: SubscriptionPolicy = {
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 7200,
};

/** What the state machine needs of a SUBSCRIBE (`subscribeRequestOf` reads it from a request). */
export interface SubscribeRequest {
  /** The Event header value, e.g. `presence` or `dialog;id=7`. */
  event: string | undefined;
  /** Accept elements, one per media range; empty: no Accept header. */
  accept: readonly string[];
  /** Expires in seconds, undefined when absent. */
  expires: number | undefined;
  /** Content-Type of a body (an event filter), undefined without one. */
  bodyType: string | undefined;
}

export type SubscriptionState = 'pending' | 'active' | 'terminated';
/** RFC 6665 §4.1.3 reasons Parley uses. */
export type TerminationReason = 'timeout' | 'deactivated' | 'noresource' | 'rejected';

export interface Subscription {
  event: EventPackage;
  /** The Event header's id parameter: refreshes must carry the same. */
  eventId: string | null;
  /** The negotiated body format of every NOTIFY. */
  contentType: string;
  state: SubscriptionState;
  reason: TerminationReason | null;
  /** Epoch ms. */
  expiresAt: number;
  /** The version the next NOTIFY body carries (RFC 4235 §4.1: 0, 1, 2 …). */
  version: number;
}

/** The response to a SUBSCRIBE: status, reason phrase and the headers to add (Expires, Allow-Events …). */
export interface SubscribeResponse {
  status: number;
  reason: string;
  headers: SipHeader[];
}

export type SubscriptionAction =
  /**
   * Send a NOTIFY with this Subscription-State. `body`: render the resource's state (with
   * `version`; `full`: a complete state, as after a SUBSCRIBE) or send no body (pending).
   */
  | { kind: 'notify'; subscriptionState: string; body: boolean; full: boolean; version: number }
  /** Call `expire` at this time (replaces any earlier deadline of this subscription). */
  | { kind: 'deadline'; at: number }
  /** The subscription is over: forget it (after sending the NOTIFYs listed before). */
  | { kind: 'forget' };

export interface Step {
  subscription: Subscription;
  actions: SubscriptionAction[];
}

export interface SubscribeStep extends Step {
  response: SubscribeResponse;
}

/** A SUBSCRIBE that is refused: only a response, no subscription. */
export interface Refusal {
  response: SubscribeResponse;
}

/** Whether the watcher may see the resource now (`allow`), after someone decides (`pending`). */
export type Authorization = 'allow' | 'pending';

const h = (name: string, value: string): SipHeader => ({ name, value });
const refuse = (status: number, reason: string, ...headers: SipHeader[]): Refusal => ({
  response: { status, reason, headers },
});
const allowEvents = h('Allow-Events', eventPackages.join(', '));

/** Reads the SUBSCRIBE fields the state machine uses; a repeated Event or Expires throws like the parser (400). */
export function subscribeRequestOf(req: SipRequest): SubscribeRequest {
  return {
    event: singleHeader(req.headers, 'Event'),
    accept: headerValues(req.headers, 'Accept'),
    expires: req.expires,
    bodyType: req.body.length > 0 ? (req.contentType ?? 'application/octet-stream') : undefined,
  };
}

/** `presence;id=7` → package and id; null for a package Parley does not serve. */
export function parseEvent(value: string): { event: EventPackage; id: string | null } | null {
  const [type = '', ...params] = value.split(';').map((s) => s.trim());
  if (!(eventPackages as readonly string[]).includes(type)) return null;
  const id = params.map((p) => /^id\s*=\s*(.+)$/i.exec(p)?.[1]).find((v) => v !== undefined) ?? null;
  return { event: type as EventPackage, id };
}

/** The best of `formats` by the Accept elements' q-values (ties: our order); null when none is acceptable. */
export function negotiate(accept: readonly string[], formats: readonly string[]): string | null {
  if (accept.length === 0) return formats[0] ?? null;
  const ranges = accept.map((a) => {
    const [range = '', ...params] = a.split(';').map((s) => s.trim().toLowerCase());
    const q = params.map((p) => /^q\s*=\s*([0-9.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    return { range, q: q === undefined ? 1 : Number(q) };
  });
  const quality = (format: string) => {
    const [type] = format.split('/');
    const exact = ranges.find((r) => r.range === format);
    const sub = ranges.find((r) => r.range === `${type}/*`);
    const any = ranges.find((r) => r.range === '*/*');
    return (exact ?? sub ?? any)?.q ?? 0;
  };
  let best: { format: string; q: number } | null = null;
  for (const format of formats) {
    const q = quality(format);
    if (q > 0 && (!best || q > best.q)) best = { format, q };
  }
  return best?.format ?? null;
}

/** Seconds left until `at`, rounded up, never negative. */
const secondsLeft = (at: number, now: number) => Math.max(0, Math.ceil((at - now) / 1000));

/** The Subscription-State header value of `sub` at `now` (RFC 6665 §8.2.3). */
export function subscriptionStateHeader(sub: Subscription, now: number): string {
  if (sub.state === 'terminated') return `terminated;reason=${sub.reason ?? 'timeout'}`;
  return `${sub.state};expires=${secondsLeft(sub.expiresAt, now)}`;
}

/** Expires granted: absent → default, over max → max; 0 stays 0; under min → null (423). */
function grant(expires: number | undefined, policy: SubscriptionPolicy): number | null {
  if (expires === undefined) return policy.defaultExpires;
  if (expires === 0) return 0;
  if (expires < policy.minExpires) return null;
  return Math.min(expires, policy.maxExpires);
}

/** A NOTIFY of the subscription's state now, and the subscription with its version moved on if it carries a body. */
function notify(sub: Subscription, now: number, full: boolean): Step {
  const body = sub.state === 'active' || (sub.state === 'terminated' && sub.reason !== 'rejected');
  const action: SubscriptionAction = {
    kind: 'notify',
    subscriptionState: subscriptionStateHeader(sub, now),
    body,
    full,
    version: sub.version,
  };
  const next = body ? { ...sub, version: sub.version + 1 } : sub;
  const actions: SubscriptionAction[] = [action];
  actions.push(sub.state === 'terminated' ? { kind: 'forget' } : { kind: 'deadline', at: sub.expiresAt });
  return { subscription: next, actions };
}

const ok = (seconds: number): SubscribeResponse => ({
  status: 200,
  reason: 'OK',
  headers: [h('Expires', `${seconds}`)],
});

/**
 * An initial SUBSCRIBE (RFC 6665 §4.2.1): 400 without Event, 489 + Allow-Events for another
 * package, 415 for a body (Parley takes no event filters), 406 when Accept allows none of the
 * package's formats, 423 + Min-Expires when too short. Otherwise 200 with the granted Expires and
 * at once a NOTIFY: the full state (active), no body (pending), or for Expires 0 (a fetch) the
 * state with `terminated;reason=timeout`, after which the subscription is forgotten.
 */
export function subscribe(
  req: SubscribeRequest,
  now: number,
  authorization: Authorization,
  policy: SubscriptionPolicy = DEFAULT_SUBSCRIPTION_POLICY,
): SubscribeStep | Refusal {
  if (req.event === undefined) return refuse(400, 'Missing Event header');
  const event = parseEvent(req.event);
  if (!event) return refuse(489, 'Bad Event', allowEvents);
  if (req.bodyType !== undefined) return refuse(415, 'Unsupported Media Type', h('Accept', ''));
  const contentType = negotiate(req.accept, packageFormats[event.event]);
  if (!contentType) return refuse(406, 'Not Acceptable', h('Accept', packageFormats[event.event].join(', ')));
  const seconds = grant(req.expires, policy);
  if (seconds === null) return refuse(423, 'Interval Too Brief', h('Min-Expires', `${policy.minExpires}`));
  const sub: Subscription = {
    event: event.event,
    eventId: event.id,
    contentType,
    state: seconds === 0 ? 'terminated' : authorization === 'allow' ? 'active' : 'pending',
    reason: seconds === 0 ? 'timeout' : null,
    expiresAt: now + seconds * 1000,
    version: 0,
  };
  return { ...notify(sub, now, true), response: ok(seconds) };
}

/**
 * A SUBSCRIBE inside the subscription's dialog: a refresh (new Expires, a NOTIFY of the full
 * state) or, with Expires 0, the end (a final NOTIFY `terminated;reason=timeout`). Another
 * package or id → 489; too short → 423; a terminated subscription → 481.
 */
export function refresh(
  sub: Subscription,
  req: SubscribeRequest,
  now: number,
  policy: SubscriptionPolicy = DEFAULT_SUBSCRIPTION_POLICY,
): SubscribeStep | Refusal {
  if (sub.state === 'terminated') return refuse(481, 'Subscription Does Not Exist');
  const event = req.event === undefined ? null : parseEvent(req.event);
  if (!event || event.event !== sub.event || event.id !== sub.eventId) return refuse(489, 'Bad Event', allowEvents);
  if (req.accept.length > 0 && negotiate(req.accept, [sub.contentType]) === null) {
    return refuse(406, 'Not Acceptable', h('Accept', sub.contentType));
  }
  const seconds = grant(req.expires, policy);
  if (seconds === null) return refuse(423, 'Interval Too Brief', h('Min-Expires', `${policy.minExpires}`));
  const next: Subscription =
    seconds === 0
      ? { ...sub, state: 'terminated', reason: 'timeout', expiresAt: now }
      : { ...sub, expiresAt: now + seconds * 1000 };
  return { ...notify(next, now, true), response: ok(seconds) };
}

/** The watched resource changed: a NOTIFY of the (partial or full, the lead decides) state when active. */
export function changed(sub: Subscription, now: number): Step {
  if (sub.state !== 'active') return { subscription: sub, actions: [] };
  return notify(sub, now, false);
}

/** A pending subscription was decided: `allow` → active with the full state; `deny` → terminated, rejected. */
export function authorize(sub: Subscription, decision: 'allow' | 'deny', now: number): Step {
  if (sub.state !== 'pending') return { subscription: sub, actions: [] };
  const next: Subscription =
    decision === 'allow' ? { ...sub, state: 'active' } : { ...sub, state: 'terminated', reason: 'rejected' };
  return notify(next, now, true);
}

/** The deadline came: ends the subscription (`terminated;reason=timeout`) unless a refresh moved it. */
export function expire(sub: Subscription, now: number): Step {
  if (sub.state === 'terminated') return { subscription: sub, actions: [{ kind: 'forget' }] };
  if (now < sub.expiresAt) return { subscription: sub, actions: [{ kind: 'deadline', at: sub.expiresAt }] };
  return notify({ ...sub, state: 'terminated', reason: 'timeout' }, now, false);
}

/**
 * The notifier ends it: `noresource` (the user or line is gone), `deactivated` (shutdown, moved:
 * the subscriber may subscribe again at once), `rejected` (the watcher may no longer see it).
 */
export function terminate(sub: Subscription, reason: TerminationReason, now: number): Step {
  if (sub.state === 'terminated') return { subscription: sub, actions: [{ kind: 'forget' }] };
  return notify({ ...sub, state: 'terminated', reason }, now, false);
}

/**
 * The final response to a NOTIFY. A failure other than 401/407 (a challenge the lead answers)
 * ends the subscription without another NOTIFY (RFC 6665 §4.2.2); a timeout counts as 408.
 */
export function notifyAnswered(sub: Subscription, status: number): Step {
  if (status < 300 || status === 401 || status === 407) return { subscription: sub, actions: [] };
  return { subscription: { ...sub, state: 'terminated', reason: 'timeout' }, actions: [{ kind: 'forget' }] };
}

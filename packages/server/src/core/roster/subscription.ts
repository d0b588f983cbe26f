// The presence subscription state machine of RFC 6121 (Appendix A): what each subscription
// stanza a user sends (outbound) or receives (inbound) does to the state of one contact, and
// whether the stanza goes on. Pure: the roster service stores the result.

export const subscriptions = ['none', 'to', 'from', 'both'] as const;
/** Whose presence flows: `to` the user sees the contact's, `from` the contact sees the user's. */
export type Subscription = (typeof subscriptions)[number];

/** One contact's state as the user's server keeps it. */
export interface SubscriptionState {
  subscription: Subscription;
  /** The user asked to see the contact's presence and has no answer yet (`ask="subscribe"`). */
  pendingOut: boolean;
  /** The contact asked to see the user's presence and the user has not answered yet. */
  pendingIn: boolean;
}

export type SubscriptionKind = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

/** The state of a contact the user has never exchanged anything with. */
export const noSubscription: SubscriptionState = { subscription: 'none', pendingOut: false, pendingIn: false };

/** RFC 6121 Appendix A's names of the nine defined states. */
export type StateName =
  | 'None'
  | 'None+PendingOut'
  | 'None+PendingIn'
  | 'None+PendingOut+PendingIn'
  | 'To'
  | 'To+PendingIn'
  | 'From'
  | 'From+PendingOut'
  | 'Both';

export function stateName(s: SubscriptionState): StateName {
  const base = (s.subscription[0]?.toUpperCase() ?? '') + s.subscription.slice(1);
  const out = s.pendingOut && (s.subscription === 'none' || s.subscription === 'from') ? '+PendingOut' : '';
  const inn = s.pendingIn && (s.subscription === 'none' || s.subscription === 'to') ? '+PendingIn' : '';
  return `${base}${out}${inn}` as StateName;
}

export function fromName(name: StateName): SubscriptionState {
  const [base = 'None'] = name.split('+');
  return {
    subscription: base.toLowerCase() as Subscription,
    pendingOut: name.includes('PendingOut'),
    pendingIn: name.includes('PendingIn'),
  };
}

type Table = Partial<Record<StateName, StateName>>;

/** RFC 6121 A.2: the user sends the stanza to the contact (states not listed: no change). */
const OUTBOUND: Record<SubscriptionKind, Table> = {
  subscribe: {
    None: 'None+PendingOut',
    'None+PendingIn': 'None+PendingOut+PendingIn',
    From: 'From+PendingOut',
  },
  unsubscribe: {
    'None+PendingOut': 'None',
    'None+PendingOut+PendingIn': 'None+PendingIn',
    To: 'None',
    'To+PendingIn': 'None+PendingIn',
    'From+PendingOut': 'From',
    Both: 'From',
  },
  subscribed: {
    'None+PendingIn': 'From',
    'None+PendingOut+PendingIn': 'From+PendingOut',
    'To+PendingIn': 'Both',
  },
  unsubscribed: {
    'None+PendingIn': 'None',
    'None+PendingOut+PendingIn': 'None+PendingOut',
    'To+PendingIn': 'To',
    From: 'None',
    'From+PendingOut': 'None+PendingOut',
    Both: 'To',
  },
};

/** RFC 6121 A.3: the contact's stanza reaches the user's server (states not listed: no change). */
const INBOUND: Record<SubscriptionKind, Table> = {
  subscribe: {
    None: 'None+PendingIn',
    'None+PendingOut': 'None+PendingOut+PendingIn',
    To: 'To+PendingIn',
  },
  unsubscribe: {
    'None+PendingIn': 'None',
    'None+PendingOut+PendingIn': 'None+PendingOut',
    'To+PendingIn': 'To',
    From: 'None',
    'From+PendingOut': 'None+PendingOut',
    Both: 'To',
  },
  subscribed: {
    'None+PendingOut': 'To',
    'None+PendingOut+PendingIn': 'To+PendingIn',
    'From+PendingOut': 'Both',
  },
  unsubscribed: {
    'None+PendingOut': 'None',
    'None+PendingOut+PendingIn': 'None+PendingIn',
    To: 'None',
    'To+PendingIn': 'None+PendingIn',
    'From+PendingOut': 'From',
    Both: 'From',
  },
};

export interface Outcome {
  state: SubscriptionState;
  changed: boolean;
  /**
   * Outbound: route the stanza to the contact (subscribe and unsubscribe always, RFC 6121 §3.1.2
   * and §3.3.2; an approval or refusal only when it answers something). Inbound: deliver it to
   * the user's resources (only when it changed the state, §3.1.3 … §3.4.3).
   */
  forward: boolean;
  /**
   * Inbound only: the user's server answers for the user. A subscribe from a contact who already
   * has a subscription from the user is approved again at once (§3.1.3).
   */
  reply?: 'subscribed';
}

/** What the user's own subscription stanza to the contact does (RFC 6121 A.2). */
export function outbound(kind: SubscriptionKind, s: SubscriptionState): Outcome {
  const next = OUTBOUND[kind][stateName(s)];
  const forward = kind === 'subscribe' || kind === 'unsubscribe' || next !== undefined;
  return { state: next ? fromName(next) : s, changed: next !== undefined, forward };
}

/** What the contact's subscription stanza does on the user's side (RFC 6121 A.3). */
export function inbound(kind: SubscriptionKind, s: SubscriptionState): Outcome {
  const next = INBOUND[kind][stateName(s)];
  const approved = kind === 'subscribe' && (s.subscription === 'from' || s.subscription === 'both');
  return {
    state: next ? fromName(next) : s,
    changed: next !== undefined,
    forward: next !== undefined,
    ...(approved && { reply: 'subscribed' as const }),
  };
}

import type { SubscriptionState } from './subscription.js';

/**
 * A personal roster contact of a user (RFC 6121 §2): any address, here or on another server, with
 * its subscription state. `listed` false: only an inbound subscription request from an address
 * the user has not added, kept until answered (never shown as a roster item).
 */
export interface RosterItem extends SubscriptionState {
  /** Bare JID, prepared (`local@domain` or `domain`). */
  jid: string;
  name: string | null;
  groups: string[];
  /** The status text that came with a pending inbound request, redelivered with it. */
  pendingStatus: string | null;
  listed: boolean;
}

/** How many personal contacts (and pending requests) one user may have. */
export const ROSTER_MAX_ITEMS = 1000;
/** Longest item name and group name (RFC 6121 §2.1.2.4 lets servers limit them). */
export const ROSTER_NAME_MAX = 1023;
/** Most groups per item. */
export const ROSTER_GROUPS_MAX = 50;

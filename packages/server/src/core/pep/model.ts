/**
 * Who may read a PEP node's items (XEP-0060 §4.5, the models XEP-0163 §4.1.1 names): anyone who
 * is not blocked; those who see the owner's presence (colleagues, and contacts with a presence
 * subscription); those with a subscription only; the owner alone.
 */
export const PEP_ACCESS = ['open', 'presence', 'roster', 'whitelist'] as const;
export type PepAccess = (typeof PEP_ACCESS)[number];

/** When a node's last item goes to a new reader (XEP-0060 pubsub#send_last_published_item). */
export const PEP_SEND_LAST = ['never', 'on_sub', 'on_sub_and_presence'] as const;
export type PepSendLast = (typeof PEP_SEND_LAST)[number];

export interface PepNodeConfig {
  access: PepAccess;
  /** Items kept: the newest `maxItems` (older ones go as new ones come). */
  maxItems: number;
  sendLast: PepSendLast;
}

/** One item: its id and the XML payload as it was published. */
export interface PepItem {
  id: string;
  payload: string;
  publishedAt: number;
}

/** Limits on what one user keeps (a client asking for more gets PARLEY_ERR_QUOTA_EXCEEDED or a validation error). */
export const PEP_LIMITS = {
  /** Nodes per user (OMEMO keeps one per device, bookmarks, nickname, mood …). */
  nodes: 100,
  /** Items one node keeps at most: what `max_items` = `max` means. */
  items: 256,
  /** Characters of one payload. */
  payload: 64 * 1024,
  /** Characters of all of a user's payloads together. */
  bytes: 2 * 1024 * 1024,
  /** Characters of a node name or an item id. */
  name: 1024,
  /** Last items sent to a client that comes online (its colleagues' and its own, newest first). */
  lastItems: 2000,
} as const;

/** A node created by a publish without options (XEP-0163 §4.1.1, XEP-0060's default: one item). */
export const PEP_DEFAULT: PepNodeConfig = { access: 'presence', maxItems: 1, sendLast: 'on_sub_and_presence' };

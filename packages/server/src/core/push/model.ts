/**
 * A push registration (XEP-0357): one of a user's clients asked to be woken through an app
 * server (`service`, its JID) under `node`, with publish options (e.g. a secret) that go along
 * with every notification. Kept for the push sender (a later issue).
 */
export interface PushRegistration {
  tenantId: string;
  userId: string;
  service: string;
  node: string;
  options: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** Limits on what one user may register. */
export const PUSH_LIMITS = {
  /** Registrations per user (a phone, a tablet … each has one per app server). */
  perUser: 10,
  /** Characters of a service address, a node, an option's name or value. */
  text: 1024,
  /** Publish options per registration. */
  options: 16,
} as const;

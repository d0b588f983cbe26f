import type { User } from '../users/model.js';

/**
 * A number owned by a user: an internal extension, unique in the tenant, and optionally an E.164
 * DID. No dialled string reaches two lines of a tenant (see `numbers.ts`).
 */
export interface Line {
  id: string;
  tenantId: string;
  userId: string;
  /** The internal extension, digits ('201'). */
  number: string;
  /** E.164 ('+4971112345'); null when the line has no direct number of its own. */
  did: string | null;
  /** The tenant's pickup group the line is in (its users pick up calls ringing at the group's other lines); null: none. */
  pickupGroup: string | null;
  createdAt: number;
}

/** A line with its owner: what a dialled string reaches, and what the admin's list shows. */
export interface OwnedLine {
  line: Line;
  user: User;
}

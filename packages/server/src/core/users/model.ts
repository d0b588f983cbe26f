import type { Role } from '@parley/api';

/** A user of a tenant, with their numbers in order. */
export interface User {
  id: string;
  tenantId: string;
  local: string;
  domain: string;
  displayName: string;
  email: string | null;
  numbers: string[];
  role: Role;
  disabledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** `local@domain` of a user: login, XMPP JID and SIP URI user in one. */
export const addressOf = (u: { local: string; domain: string }) => `${u.local}@${u.domain}`;

/** The parts of `local@domain` (the domain follows the last `@`). */
export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

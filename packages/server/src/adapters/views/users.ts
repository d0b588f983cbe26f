// The API form (`@parley/api`) of a user, for the HTTP routes, the event socket and the CLI.
import type { User as UserDto } from '@parley/api';
import { addressOf, type User } from '../../core/users/model.js';
import { iso } from './time.js';

export const userView = (u: User): UserDto => ({
  id: u.id,
  address: addressOf(u),
  local: u.local,
  domain: u.domain,
  tenantId: u.tenantId,
  displayName: u.displayName,
  email: u.email,
  numbers: u.numbers,
  role: u.role,
  disabled: u.disabledAt !== null,
  createdAt: iso(u.createdAt),
});

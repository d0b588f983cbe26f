import type { User } from '../users/model.js';

/**
 * A user as their colleagues see them, and whether another user of the tenant has the same
 * display name (their label then adds the address).
 */
export type Colleague = Pick<User, 'id' | 'local' | 'domain' | 'displayName' | 'email' | 'numbers'> & {
  sharedName: boolean;
};

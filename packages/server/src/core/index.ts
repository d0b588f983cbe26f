import type { CoreContext } from './context.js';
import { type AuthOptions, AuthService } from './sessions/service.js';
import { TenantService } from './tenants/service.js';
import type { CredentialParams } from './users/credentials.js';
import { UserService } from './users/service.js';

export type CoreOptions = AuthOptions & CredentialParams;

/** The core services over one context. Adapters call these; they never touch the store. */
export function createCore(ctx: CoreContext, options: CoreOptions) {
  return {
    ctx,
    tenants: new TenantService(ctx),
    users: new UserService(ctx, options),
    auth: new AuthService(ctx, options),
  };
}
export type Core = ReturnType<typeof createCore>;

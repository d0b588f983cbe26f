import { type CalendarOptions, CalendarService } from './calendar/service.js';
import { CallService } from './calls/service.js';
import { ContactsService } from './contacts/service.js';
import type { CoreContext } from './context.js';
import { CtiAppService } from './cti-apps/service.js';
import { DeviceService } from './devices/service.js';
import { LineService } from './lines/service.js';
import { type MessagingOptions, MessagingService } from './messaging/service.js';
import { PresenceService } from './presence/service.js';
import { RegistrationService } from './registrations/service.js';
import { type AuthOptions, SessionService } from './sessions/service.js';
import { TenantService } from './tenants/service.js';
import type { CredentialParams } from './users/credentials.js';
import { UserService } from './users/service.js';

export type CoreOptions = AuthOptions &
  CredentialParams & { messaging: MessagingOptions } & { calendar: Omit<CalendarOptions, 'sink'> };

/** The core services over one context. Adapters call these; they never touch the store. */
export function createCore(ctx: CoreContext, options: CoreOptions) {
  const users = new UserService(ctx, options);
  const presence = new PresenceService(ctx, users);
  const devices = new DeviceService(ctx, users);
  const auth = new SessionService(ctx, options, devices);
  return {
    ctx,
    tenants: new TenantService(ctx),
    users,
    devices,
    lines: new LineService(ctx, devices),
    contacts: new ContactsService(ctx),
    // Every protocol's credential checks and their one throttle, with the HTTP sessions.
    auth,
    // CSTA application accounts (tenant-wide call control for CTI applications).
    ctiApps: new CtiAppService(ctx, users, auth),
    messaging: new MessagingService(ctx, options.messaging),
    presence,
    // Where each user's SIP devices are reachable (cluster state).
    registrations: new RegistrationService(ctx),
    // Calendars are one of presence's inputs.
    calendar: new CalendarService(ctx, { ...options.calendar, sink: presence }),
    // Live calls, switched by the SIP B2BUA; each line's state feeds presence.
    calls: new CallService(ctx, presence),
  };
}
export type Core = ReturnType<typeof createCore>;

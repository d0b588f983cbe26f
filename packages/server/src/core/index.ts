import { type CalendarOptions, CalendarService } from './calendar/service.js';
import { CallBackService } from './callbacks/service.js';
import { CallControlService } from './calls/control-service.js';
import { CallService } from './calls/service.js';
import { ContactsService } from './contacts/service.js';
import type { CoreContext } from './context.js';
import { CtiAppService } from './cti-apps/service.js';
import { DeviceService } from './devices/service.js';
import { EndpointService } from './endpoints/service.js';
import { FederationService } from './federation/service.js';
import { ForwardingService } from './forwarding/service.js';
import type { NumberResolver } from './journal/model.js';
import { type JournalOptions, JournalService } from './journal/service.js';
import { LdapAccountService } from './ldap-accounts/service.js';
import { LineService } from './lines/service.js';
import { type MessagingOptions, MessagingService } from './messaging/service.js';
import { PepService } from './pep/service.js';
import { PresenceService } from './presence/service.js';
import { PushService } from './push/service.js';
import { RegistrationService } from './registrations/service.js';
import { RosterService } from './roster/service.js';
import { type AuthOptions, SessionService } from './sessions/service.js';
import { TenantService } from './tenants/service.js';
import { type TrunkOptions, TrunkService } from './trunks/service.js';
import { AvatarService } from './users/avatars.js';
import type { CredentialParams } from './users/credentials.js';
import { UserService } from './users/service.js';

export type CoreOptions = AuthOptions &
  CredentialParams & { messaging: MessagingOptions } & { calendar: Omit<CalendarOptions, 'sink'> } & {
    journal?: JournalOptions;
  } & { trunks: TrunkOptions } & {
    /** Who a number is, from the directory: the call model and the journal name external parties with it. */
    resolver?: NumberResolver;
  };

/** The core services over one context. Adapters call these; they never touch the store. */
export function createCore(ctx: CoreContext, options: CoreOptions) {
  const users = new UserService(ctx, options);
  const federation = new FederationService(ctx);
  const presence = new PresenceService(ctx, users, (tenantId, domain) => federation.trustOf(tenantId, domain));
  const devices = new DeviceService(ctx, users);
  const lines = new LineService(ctx, devices);
  const calls = new CallService(ctx, presence, options.resolver);
  const callBacks = new CallBackService(ctx, calls);
  const control = new CallControlService(ctx, calls, lines, users, callBacks);
  const auth = new SessionService(ctx, options, devices, users);
  const roster = new RosterService(ctx);
  return {
    ctx,
    tenants: new TenantService(ctx),
    users,
    // Users' pictures (XMPP avatars and vCard photos, the web app's).
    avatars: new AvatarService(ctx),
    devices,
    lines,
    contacts: new ContactsService(ctx),
    // Personal roster contacts of XMPP users, with their RFC 6121 subscription states.
    roster,
    // Every protocol's credential checks and their one throttle, with the HTTP sessions.
    auth,
    // CSTA application accounts (tenant-wide call control for CTI applications).
    ctiApps: new CtiAppService(ctx, users, auth),
    // The LDAP phone-book account of each tenant (what desk phones bind with).
    ldapAccounts: new LdapAccountService(ctx, users, auth),
    messaging: new MessagingService(
      ctx,
      options.messaging,
      (purpose) => auth.clusterKey(purpose),
      (tenantId, domain) => federation.trustOf(tenantId, domain),
    ),
    presence,
    // Where each user's SIP devices are reachable (cluster state).
    registrations: new RegistrationService(ctx),
    // Where each user's connected clients (XMPP resources) are bound in the cluster, and a relay to those nodes.
    endpoints: new EndpointService(ctx),
    // Calendars are one of presence's inputs.
    calendar: new CalendarService(ctx, { ...options.calendar, sink: presence }),
    // Live calls, switched by the SIP B2BUA; each line's state feeds presence.
    calls,
    // Call control for users and CTI applications, carried out by the switch of the call's node.
    control,
    // Call-backs when a line is free again: kept in the store, served by one node (the switch rings them).
    callBacks,
    // One entry per user and ended call, written by the node that switched it.
    journal: new JournalService(ctx, users, { ...options.journal, resolver: options.resolver }),
    // Forwarding, do not disturb and remote office: what the switch does with a user's calls; DND and forwarding show in presence.
    forwarding: new ForwardingService(ctx, users, lines, presence),
    // SIP trunks: the provider gateways that carry calls to and from numbers outside the tenant.
    trunks: new TrunkService(ctx, options.trunks),
    // Per-domain federation trust: what another company's server may see and do (XMPP s2s, SIP federation).
    federation,
    // XEP-0357 push registrations of each user's clients, kept for the push sender.
    push: new PushService(ctx),
    // Each user's XEP-0163 personal eventing nodes (OMEMO keys, bookmarks, nickname …), read as each node allows.
    pep: new PepService(ctx, presence.watchers, roster),
  };
}
export type Core = ReturnType<typeof createCore>;

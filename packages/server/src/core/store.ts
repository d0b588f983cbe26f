import type { Kysely } from 'kysely';
import { type Engine, migrate, ping } from '../platform/store/connect.js';
import type { Database } from '../platform/store/schema.js';
import { CalendarRepository } from './calendar/repository.js';
import { CallBackRepository } from './callbacks/repository.js';
import { FavouriteRepository } from './contacts/repository.js';
import { CtiAppRepository } from './cti-apps/repository.js';
import { DeviceRepository } from './devices/repository.js';
import { FederationRepository } from './federation/repository.js';
import { CallSettingsRepository } from './forwarding/repository.js';
import { JournalRepository } from './journal/repository.js';
import { LdapAccountRepository } from './ldap-accounts/repository.js';
import { LineRepository } from './lines/repository.js';
import { AttachmentRepository } from './messaging/attachment-repository.js';
import { MessageRepository } from './messaging/messages.js';
import { ConversationRepository } from './messaging/repository.js';
import { PepRepository } from './pep/repository.js';
import { PresenceRepository } from './presence/repository.js';
import { PushRepository } from './push/repository.js';
import { RosterRepository } from './roster/repository.js';
import { SessionRepository } from './sessions/repository.js';
import { TenantRepository } from './tenants/repository.js';
import { TrunkRepository } from './trunks/repository.js';
import { AvatarRepository } from './users/avatar-repository.js';
import { CredentialRepository, UserRepository } from './users/repository.js';

/** The repositories of the core, bound to one executor (the database or a transaction). */
export function repositories(db: Kysely<Database>) {
  return {
    tenants: new TenantRepository(db),
    users: new UserRepository(db),
    credentials: new CredentialRepository(db),
    avatars: new AvatarRepository(db),
    devices: new DeviceRepository(db),
    lines: new LineRepository(db),
    ctiApps: new CtiAppRepository(db),
    ldapAccounts: new LdapAccountRepository(db),
    trunks: new TrunkRepository(db),
    federation: new FederationRepository(db),
    sessions: new SessionRepository(db),
    presence: new PresenceRepository(db),
    conversations: new ConversationRepository(db),
    messages: new MessageRepository(db),
    attachments: new AttachmentRepository(db),
    calendars: new CalendarRepository(db),
    favourites: new FavouriteRepository(db),
    journal: new JournalRepository(db),
    callSettings: new CallSettingsRepository(db),
    callBacks: new CallBackRepository(db),
    roster: new RosterRepository(db),
    push: new PushRepository(db),
    pep: new PepRepository(db),
  };
}
export type Repositories = ReturnType<typeof repositories>;

/** The core's access to durable state: repositories plus transactions over all of them. */
export class Store {
  readonly repos: Repositories;

  constructor(
    readonly db: Kysely<Database>,
    readonly engine: Engine,
    /** PostgreSQL schema, when the store lives in one of its own. */
    readonly schema?: string,
  ) {
    this.repos = repositories(db);
  }

  /** Runs `fn` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(repositories(trx)));
  }

  migrate(): Promise<string[]> {
    return migrate(this.db, this.engine, this.schema);
  }

  ping(): Promise<void> {
    return ping(this.db);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

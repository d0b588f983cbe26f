import type { Kysely } from 'kysely';
import type { Engine } from '../connect.js';
import { identity } from './001-identity.js';
import { presence } from './002-presence.js';
import { messaging } from './003-messaging.js';
import { calendar } from './004-calendar.js';
import { presenceCluster } from './005-presence-cluster.js';
import { directory } from './006-directory.js';
import { messageChanges } from './007-message-changes.js';
import { directoryNumbering } from './008-directory-numbering.js';
import { favourites } from './009-favourites.js';
import { devices } from './010-devices.js';
import { attachmentHousekeeping } from './011-attachment-housekeeping.js';
import { directorySafeText } from './012-directory-safe-text.js';
import { calendarBackoff } from './013-calendar-backoff.js';
import { scramSha1 } from './014-scram-sha1.js';
import { lines } from './015-lines.js';
import { journal } from './016-journal.js';
import { callSettings } from './017-call-settings.js';
import { cstaApps } from './018-csta-apps.js';
import { pickupCallbacks } from './019-pickup-callbacks.js';
import { sipTrunks } from './020-sip-trunks.js';
import { roster } from './021-roster.js';
import { pushRegistrations } from './022-push-registrations.js';
import { federationTrust } from './023-federation-trust.js';
import { uploadsAvatars } from './025-uploads-avatars.js';
import { groupRooms } from './026-group-rooms.js';
import { externalConversations } from './027-external-conversations.js';
import { ldapAccounts } from './029-ldap-accounts.js';
import { roomLocks } from './031-room-locks.js';
import { externalMembers } from './032-external-members.js';
import { externalReceipts } from './033-external-receipts.js';
import { sendPath } from './034-send-path.js';
import { pep } from './035-pep.js';
import { presenceExpiry } from './036-presence-expiry.js';

/**
 * A numbered schema change. `up` receives the engine so a migration can carry per-engine variants
 * (column types, full-text indexes) in one place.
 */
export interface Migration {
  name: string;
  up(db: Kysely<unknown>, engine: Engine): Promise<void>;
}

/** All migrations in order. Names are never changed once released. */
export const migrations: Migration[] = [
  identity,
  presence,
  messaging,
  calendar,
  presenceCluster,
  directory,
  messageChanges,
  directoryNumbering,
  favourites,
  devices,
  attachmentHousekeeping,
  directorySafeText,
  calendarBackoff,
  scramSha1,
  lines,
  journal,
  callSettings,
  cstaApps,
  pickupCallbacks,
  sipTrunks,
  roster,
  pushRegistrations,
  federationTrust,
  uploadsAvatars,
  groupRooms,
  externalConversations,
  ldapAccounts,
  roomLocks,
  externalMembers,
  externalReceipts,
  sendPath,
  pep,
  presenceExpiry,
];

// The stanza modules of the XMPP adapter, in the order the router offers them stanzas.
import type { XmppModule } from './module.js';
import { blockingModule } from './modules/blocking.js';
import { presenceModule } from './modules/presence.js';
import { rosterModule } from './modules/roster.js';
import { subscriptionsModule } from './modules/subscriptions.js';
import { vcardModule } from './modules/vcard.js';

export const modules: XmppModule[] = [
  // Blocking first: it refuses what blocked JIDs send and what is sent to them, before any other module takes it.
  blockingModule(),
  rosterModule(),
  // Subscriptions before presence: initial presence redelivers pending requests first, then presence takes it.
  subscriptionsModule(),
  presenceModule(),
  vcardModule(),
];

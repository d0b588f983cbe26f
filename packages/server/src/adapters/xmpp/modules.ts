// The XMPP server's modules, in the order the router offers them stanzas (see module.ts).
import type { XmppModule } from './module.js';
import { blockingModule } from './modules/blocking.js';
import { carbonsModule } from './modules/carbons.js';
import { ChatModule } from './modules/chat.js';
import { DiscoModule } from './modules/disco.js';
import { MamModule } from './modules/mam.js';
import { MucModule } from './modules/muc.js';
import { PepModule } from './modules/pep.js';
import { pingModule } from './modules/ping.js';
import { presenceModule } from './modules/presence.js';
import { PushModule } from './modules/push.js';
import { rosterModule } from './modules/roster.js';
import { subscriptionsModule } from './modules/subscriptions.js';
import { UploadModule } from './modules/upload.js';
import { vcardModule } from './modules/vcard.js';

/** Fresh instances for one server (modules keep per-server state). */
export const xmppModules = (): XmppModule[] => [
  // Blocking first: it refuses what blocked JIDs send and what is sent to them, before any other module takes it.
  blockingModule(),
  // The MUC service before presence and chat: directed presence and messages to its rooms are its own.
  new MucModule(),
  new UploadModule(),
  new DiscoModule(),
  pingModule,
  rosterModule(),
  // Avatars before presence: it notes the caps in a client's own presence (and leaves it to presence).
  new PepModule(),
  // Subscriptions before presence: initial presence redelivers pending requests first, then presence takes it.
  subscriptionsModule(),
  presenceModule(),
  vcardModule(),
  carbonsModule,
  new ChatModule(),
  new MamModule(),
  new PushModule(),
];

// The stanza modules of the XMPP adapter, in the order the router offers them a stanza.
import type { XmppModule } from './module.js';
import { carbonsModule } from './modules/carbons.js';
import { ChatModule } from './modules/chat.js';
import { MamModule } from './modules/mam.js';

export const modules: XmppModule[] = [carbonsModule, new ChatModule(), new MamModule()];

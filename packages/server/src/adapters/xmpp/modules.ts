// The stanza modules of the XMPP adapter, in the order the router offers them stanzas.
import type { XmppModule } from './module.js';
import { DiscoModule } from './modules/disco.js';
import { MucModule } from './modules/muc.js';
import { pingModule } from './modules/ping.js';
import { PushModule } from './modules/push.js';

export const modules: XmppModule[] = [new DiscoModule(), pingModule, new MucModule(), new PushModule()];

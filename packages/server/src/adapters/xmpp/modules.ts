// The XMPP server's modules, in the order the router offers them stanzas (see module.ts).
// Each stanza module is one entry here.
import type { XmppModule } from './module.js';
import { pingModule } from './modules/ping.js';

export const xmppModules: readonly XmppModule[] = [pingModule];

// XEP-0199: a ping to the server's domain (or the sender's own account) gets an empty result.
// Pings to the MUC service and its rooms (XEP-0410 self-ping) are answered in muc.ts.
import type { XmppModule } from '../module.js';

export const PING = 'urn:xmpp:ping';

export const pingModule: XmppModule = {
  name: 'ping',
  features: [PING],
  iq: { [PING]: { get: () => undefined } },
};

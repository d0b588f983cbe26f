// XEP-0199: XMPP Ping — a client pings the server (or its own account) and gets an empty result;
// so does another server or its user (§4.3, s2s keepalive and the federation check).
import type { XmppModule } from '../module.js';

export const PING_NS = 'urn:xmpp:ping';

export const pingModule: XmppModule = {
  name: 'ping',
  features: [PING_NS],
  iq: { [PING_NS]: { get: () => undefined, anyone: true } },
};

// XEP-0280 Message Carbons: a session that enables them gets a copy of every 1:1 message its
// user sends from elsewhere (`sent`) and of those addressed to another of its resources
// (`received`). The chat module sends the copies; this module holds the switch.
import { StanzaError } from '../errors.js';
import type { C2sSession, XmppModule } from '../module.js';
import { NS } from './chat-stanzas.js';

const KEY = 'carbons';

/** Whether the session enabled carbons. */
export const carbonsEnabled = (session: C2sSession): boolean => session.data.get(KEY) === true;

export const carbonsModule: XmppModule = {
  name: KEY,
  features: [NS.carbons],
  iq: {
    [NS.carbons]: {
      set({ payload, session }) {
        // RFC 6121: the enable/disable IQ has no `to` or the user's bare JID; the router only
        // hands it over for those. A federated server has no session and gets nothing here.
        if (!session) throw new StanzaError('service-unavailable');
        if (payload.name === 'enable') session.data.set(KEY, true);
        else if (payload.name === 'disable') session.data.delete(KEY);
        else throw new StanzaError('bad-request', 'expected <enable/> or <disable/>');
        return undefined;
      },
    },
  },
};

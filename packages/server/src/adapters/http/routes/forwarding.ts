import type { Services } from '../../../compose.js';
import { callSettingsView } from '../../views/call-settings.js';
import type { Handlers } from '../types.js';

type Names =
  | 'me.callSettings.get'
  | 'me.forwarding.get'
  | 'me.forwarding.set'
  | 'me.dnd.get'
  | 'me.dnd.set'
  | 'me.remoteOffice.get'
  | 'me.remoteOffice.set';

/** The caller's own call settings: always their own tenant and user. */
export const forwardingHandlers = (core: Services): Handlers<Names> => ({
  'me.callSettings.get': async ({ principal }) =>
    callSettingsView(await core.forwarding.get(principal.user.tenantId, principal.user.id)),
  'me.forwarding.get': async ({ principal }) =>
    (await core.forwarding.get(principal.user.tenantId, principal.user.id)).forwarding,
  'me.forwarding.set': async ({ principal, body }) =>
    (await core.forwarding.setForwardingRules(principal.user.tenantId, principal.user.id, body)).forwarding,
  'me.dnd.get': async ({ principal }) => ({
    enabled: (await core.forwarding.get(principal.user.tenantId, principal.user.id)).dnd,
  }),
  'me.dnd.set': async ({ principal, body }) => ({
    enabled: (await core.forwarding.setDnd(principal.user.tenantId, principal.user.id, body.enabled)).dnd,
  }),
  'me.remoteOffice.get': async ({ principal }) =>
    (await core.forwarding.get(principal.user.tenantId, principal.user.id)).remoteOffice,
  'me.remoteOffice.set': async ({ principal, body }) =>
    (await core.forwarding.setRemoteOffice(principal.user.tenantId, principal.user.id, body)).remoteOffice,
});

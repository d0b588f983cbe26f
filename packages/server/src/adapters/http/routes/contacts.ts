import type { Services } from '../../../compose.js';
import { colleagueView } from '../../views/contacts.js';
import type { Handlers } from '../types.js';

/** Colleagues and favourites: always the caller's own tenant and the caller's own list. */
export const contactHandlers = (
  core: Services,
): Handlers<'users.list' | 'me.favourites.get' | 'me.favourites.set'> => ({
  'users.list': async ({ principal, query }) => {
    const tenantId = principal.user.tenantId;
    const { users, cursor } = await core.contacts.colleagues(tenantId, query);
    return { users: users.map(colleagueView), cursor };
  },
  'me.favourites.get': async ({ principal }) => {
    const { tenantId, id } = principal.user;
    return { favourites: (await core.contacts.favourites(tenantId, id)).map(colleagueView) };
  },
  'me.favourites.set': async ({ principal, body }) => {
    const { tenantId, id } = principal.user;
    return { favourites: (await core.contacts.setFavourites(tenantId, id, body.favourites)).map(colleagueView) };
  },
});

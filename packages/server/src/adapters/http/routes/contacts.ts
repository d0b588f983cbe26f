import { colleagueView } from '../../../core/contacts/service.js';
import type { Core } from '../../../core/index.js';
import type { Handlers } from '../types.js';

/** Colleagues and favourites: always the caller's own tenant and the caller's own list. */
export const contactHandlers = (core: Core): Handlers<'users.list' | 'me.favourites.get' | 'me.favourites.set'> => ({
  'users.list': async ({ principal, query }) => {
    const { users, cursor } = await core.contacts.colleagues(principal.user.tenantId, query);
    return { users: users.map(colleagueView), cursor };
  },
  'me.favourites.get': async ({ principal }) => ({
    favourites: (await core.contacts.favourites(principal.user.tenantId, principal.user.id)).map(colleagueView),
  }),
  'me.favourites.set': async ({ principal, body }) => ({
    favourites: (await core.contacts.setFavourites(principal.user.tenantId, principal.user.id, body.favourites)).map(
      colleagueView,
    ),
  }),
});

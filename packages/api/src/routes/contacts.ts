import * as c from '../contacts.js';
import { defineRoutes } from './spec.js';

/** Colleagues (the users of the caller's tenant) and the caller's favourites among them. */
export const contactRoutes = defineRoutes({
  'users.list': {
    method: 'GET',
    path: '/api/v1/users',
    summary: "Colleagues: the enabled users of the caller's tenant by name, filtered by `q`, a page at a time",
    access: 'user',
    query: c.ColleagueQuery,
    status: 200,
    response: c.ColleagueList,
  },
  'me.favourites.get': {
    method: 'GET',
    path: '/api/v1/me/favourites',
    summary: 'Your favourite colleagues, in your order',
    access: 'user',
    status: 200,
    response: c.FavouriteList,
  },
  'me.favourites.set': {
    method: 'PUT',
    path: '/api/v1/me/favourites',
    summary:
      'Replace your favourites (at most 200 addresses of colleagues); your other clients get `favourites.updated`',
    access: 'user',
    body: c.SetFavouritesRequest,
    status: 200,
    response: c.FavouriteList,
  },
});

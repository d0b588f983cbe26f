import { colleagueView } from '../../views/contacts.js';
import type { EventStream } from './stream.js';

/** The user's favourites, changed in another of their clients (or this one: the same list again). */
export const contactsStream: EventStream = ({ core, principal, send, onClose }) => {
  onClose(
    core.ctx.bus.subscribe(
      'favourites.updated',
      (e) => send({ type: 'favourites.updated', favourites: e.favourites.map(colleagueView) }),
      {
        userId: principal.session.userId,
      },
    ),
  );
};

// The API form (`@parley/api`) of a colleague, for the HTTP routes and the event socket.
import { type Colleague as ColleagueDto, nameLabel } from '@parley/api';
import type { Colleague } from '../../core/contacts/model.js';
import { addressOf } from '../../core/users/model.js';

export const colleagueView = (c: Colleague): ColleagueDto => ({
  id: c.id,
  address: addressOf(c),
  displayName: c.displayName,
  label: nameLabel(c.displayName, addressOf(c), c.sharedName),
  email: c.email,
  numbers: c.numbers,
});

// The API form (`@parley/api`) of a line, for the HTTP routes and the CLI.
import type { Line as LineDto } from '@parley/api';
import type { OwnedLine } from '../../core/lines/model.js';
import { addressOf } from '../../core/users/model.js';
import { iso } from './time.js';

export const lineView = ({ line, user }: OwnedLine): LineDto => ({
  id: line.id,
  number: line.number,
  did: line.did,
  userId: line.userId,
  user: addressOf(user),
  pickupGroup: line.pickupGroup,
  createdAt: iso(line.createdAt),
});

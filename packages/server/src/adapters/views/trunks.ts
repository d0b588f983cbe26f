// The API form (`@parley/api`) of a SIP trunk, for the HTTP routes and the CLI: never its password.
import type { Trunk as TrunkDto } from '@parley/api';
import type { Trunk } from '../../core/trunks/model.js';
import { iso } from './time.js';

export const trunkView = (t: Trunk): TrunkDto => ({
  id: t.id,
  name: t.name,
  host: t.host,
  port: t.port,
  transport: t.transport,
  username: t.username,
  hasPassword: t.hasPassword,
  register: t.register,
  numberFormat: t.numberFormat,
  callerId: t.callerId,
  inboundSources: t.inboundSources,
  createdAt: iso(t.createdAt),
});

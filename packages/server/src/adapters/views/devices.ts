// The API form (`@parley/api`) of a SIP device, for the HTTP routes and the CLI.
import type { Device as DeviceDto } from '@parley/api';
import type { Device } from '../../core/devices/model.js';
import { iso, isoOrNull } from './time.js';

/** A device as the API shows it: never its secret. */
export const deviceView = (d: Device): DeviceDto => ({
  id: d.id,
  name: d.name,
  username: d.username,
  realm: d.realm,
  createdAt: iso(d.createdAt),
  rotatedAt: isoOrNull(d.rotatedAt),
  lineId: d.lineId,
});

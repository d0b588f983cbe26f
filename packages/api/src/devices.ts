import { z } from 'zod';
import { Extension } from './lines.js';
import { Id } from './schemas.js';
import { SafeLine } from './text.js';

/** A device name as people write it: one line of safe text (the rule every name keeps). */
const DeviceName = SafeLine(100);

/** A user's SIP device (desk phone, softphone); never its secret. */
export const Device = z
  .object({
    id: Id,
    name: z.string(),
    username: z.string().describe('SIP digest user name the device registers with (unique in the tenant)'),
    realm: z.string().describe("SIP digest realm: the user's domain"),
    createdAt: z.string().describe('ISO 8601'),
    rotatedAt: z.string().nullable().describe('When the secret was last replaced (ISO 8601); null if never'),
    lineId: Id.nullable().describe('The line the device rings for; null: every line of its owner'),
  })
  .meta({ id: 'Device' });
export type Device = z.infer<typeof Device>;

export const DeviceList = z.object({ devices: z.array(Device).describe('Oldest first') });

export const CreateDeviceRequest = z.strictObject({
  name: DeviceName,
  line: Extension.optional().describe("One of the owner's lines (its extension): the device rings for that line only"),
});

export const DeviceWithSecret = z.object({
  device: Device,
  password: z
    .string()
    .describe(
      "The device's SIP password: generated (about 143 bits, letters and digits), independent of the login password, shown only in this answer",
    ),
});

export const UserDeviceParams = z.strictObject({ id: Id, deviceId: Id });

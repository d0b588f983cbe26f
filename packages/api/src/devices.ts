import { z } from 'zod';
import { Id } from './schemas.js';

/** A device name as people write it; control and bidirectional-override characters are refused. */
const DeviceName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  .regex(/^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/, 'must not contain control characters');

/** A user's SIP device (desk phone, softphone); never its secret. */
export const Device = z
  .object({
    id: Id,
    name: z.string(),
    username: z.string().describe('SIP digest user name the device registers with (unique in the tenant)'),
    realm: z.string().describe("SIP digest realm: the user's domain"),
    createdAt: z.string().describe('ISO 8601'),
    rotatedAt: z.string().nullable().describe('When the secret was last replaced (ISO 8601); null if never'),
  })
  .meta({ id: 'Device' });
export type Device = z.infer<typeof Device>;

export const DeviceList = z.object({ devices: z.array(Device).describe('Oldest first') });

export const CreateDeviceRequest = z.strictObject({ name: DeviceName });

export const DeviceWithSecret = z.object({
  device: Device,
  password: z
    .string()
    .describe(
      "The device's SIP password: generated (about 143 bits, letters and digits), independent of the login password, shown only in this answer",
    ),
});

export const UserDeviceParams = z.strictObject({ id: Id, deviceId: Id });

import { z } from 'zod';
import { Id, PhoneNumber } from './schemas.js';

/** An internal extension: digits only (the numbering plan may ask for a length). */
export const Extension = z.string().regex(/^[0-9]{1,15}$/, 'must be an extension: 1 to 15 digits');

/** A pickup group of the tenant: its lines' users pick up calls ringing at the group's other lines. */
export const PickupGroup = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/,
    "must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
  )
  .describe('A pickup group name, e.g. sales');

/** A number owned by a user: an extension, unique in the tenant, and an optional direct number. */
export const Line = z
  .object({
    id: Id,
    number: z.string().describe('The internal extension, e.g. 201'),
    did: z.string().nullable().describe('The direct number in E.164, e.g. +4971112345201; null if none'),
    userId: Id,
    user: z.string().describe("The owner's address (local@domain)"),
    pickupGroup: PickupGroup.nullable().describe('The pickup group the line is in; null: none'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Line' });
export type Line = z.infer<typeof Line>;

export const LineList = z.object({ lines: z.array(Line).describe('Shortest extension first, then by digits') });

export const CreateLineRequest = z.strictObject({
  number: Extension,
  user: z.string().min(1).max(318).describe("The owner: their id or address (local@domain) in the caller's tenant"),
  did: PhoneNumber.optional().describe("A direct number in any spelling the tenant's numbering plan reads"),
  pickupGroup: PickupGroup.optional(),
});

export const UpdateLineRequest = z.strictObject({
  pickupGroup: PickupGroup.nullable().describe('The pickup group to put the line in; null: takes it out of its group'),
});

export const LineParams = z.strictObject({ number: Extension });

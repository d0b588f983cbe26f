import { z } from 'zod';
import { Id } from './schemas.js';

/** The call events (ECMA-269 call control events) on the bus and the event socket. */
export const CallEventType = z.enum([
  'call.originated',
  'call.delivered',
  'call.established',
  'call.held',
  'call.retrieved',
  'call.diverted',
  'call.transferred',
  'call.conferenced',
  'call.failed',
  'call.cleared',
]);

/** The CSTA connection states (ECMA-269 §6.1.5, DESIGN §7). */
export const ConnectionState = z.enum(['null', 'initiated', 'alerting', 'connected', 'held', 'failed']);

/** One end of a connection: a device of a user of this tenant, or someone outside it. */
export const CallParty = z
  .object({
    userId: Id.optional().describe('A user of the tenant'),
    line: z.string().optional().describe("The user's line (extension) the connection is on"),
    device: Id.optional().describe('The SIP device of the connection'),
    number: z.string().optional().describe('A number outside the tenant'),
    uri: z.string().optional().describe('The SIP address'),
    display: z.string().optional().describe('The display name the device or the peer sent'),
    name: z.string().nullable().describe('Who it is: the user, else the directory match for the number'),
    company: z.string().nullable().describe("The directory match's company"),
    match: z.string().nullable().describe('How the directory matched: exact, company (switchboard, block), prefix'),
  })
  .meta({ id: 'CallParty' });
export type CallParty = z.infer<typeof CallParty>;

export const Connection = z
  .object({
    id: Id,
    party: CallParty,
    role: z.enum(['calling', 'called']),
    state: ConnectionState,
    since: z.iso.datetime(),
    cause: z.string().nullable().describe('ECMA-269 event cause of the last change (busy, normalClearing …)'),
  })
  .meta({ id: 'Connection' });

export const Call = z
  .object({
    id: Id,
    state: ConnectionState.describe("The caller's own connection's state (the first connection's when they have none)"),
    dialled: z.string(),
    caller: CallParty,
    called: CallParty,
    connections: z.array(Connection),
    createdAt: z.iso.datetime(),
    answeredAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Call' });
export type Call = z.infer<typeof Call>;

export const CallList = z.object({ calls: z.array(Call).describe('Oldest first') });

export const CallDevice = z
  .string()
  .min(1)
  .max(318)
  .describe("A line's extension or DID, or a user's address; default: the caller's connection in the call");

export const MakeCallRequest = z.strictObject({
  to: z.string().min(1).max(318).describe('A number (extension, DID) or an address (local@domain)'),
  from: CallDevice.optional().describe("The line or device that rings first; default: the caller's first line"),
});

export const CallParams = z.strictObject({ id: Id });
export const DeviceRequest = z.strictObject({ device: CallDevice.optional() });
export const OtherCallRequest = z.strictObject({
  call: Id.describe('The other call (the active one; for transfer and conference the consultation)'),
  device: CallDevice.optional(),
});
export const TargetRequest = z.strictObject({
  to: z.string().min(1).max(318).describe('A number or an address'),
  device: CallDevice.optional(),
});
export const TransferRequest = z
  .strictObject({
    to: z.string().min(1).max(318).optional().describe('Blind (single step) transfer to this number or address'),
    call: Id.optional().describe('Attended transfer: connect the other party of this (consultation) call'),
    device: CallDevice.optional(),
  })
  .refine((b) => (b.to === undefined) !== (b.call === undefined), { message: 'give either to or call' });
export const DigitsRequest = z.strictObject({
  digits: z
    .string()
    .regex(/^[0-9*#A-D]{1,32}$/, 'must be 1 to 32 of 0-9 * # A-D')
    .describe('DTMF digits, sent as RFC 4733 telephone events'),
  device: CallDevice.optional(),
});
export const PickupRequest = z.strictObject({
  device: CallDevice.optional().describe("Where the call is taken; default: the caller's first line"),
});

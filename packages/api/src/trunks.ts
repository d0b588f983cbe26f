import { z } from 'zod';
import { Id, PhoneNumber } from './schemas.js';

/** A trunk's name in its tenant: lower-case letters, digits, `.`, `_`, `-`. */
export const TrunkName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" or "-", at most 64');

/** A host name or an IP address (no scheme, no port). */
export const TrunkHost = z
  .string()
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?|[0-9a-fA-F:.]+)$/,
    'must be a host name or an IP address',
  )
  .transform((s) => s.toLowerCase());

/** An address that identifies calls from the trunk: an IP address, `address:port`, or a CIDR range. */
export const TrunkSource = z
  .string()
  .max(64)
  .regex(/^[0-9a-fA-F:.[\]/]+$/, 'must be an IP address, [address]:port or address:port, or a CIDR range');

export const TrunkTransport = z.enum(['udp', 'tcp', 'tls']);
export const NumberFormat = z
  .enum(['e164', 'national'])
  .describe("How numbers go to the provider: E.164 with '+' (+49711…), or as dialled nationally (0711…, 0044…)");

/** A SIP trunk of the tenant: a provider's (ITSP) or a PBX's gateway its external calls go through. */
export const Trunk = z
  .object({
    id: Id,
    name: TrunkName,
    host: z.string().describe("The provider's SIP server"),
    port: z.number().int(),
    transport: TrunkTransport,
    username: z.string().nullable().describe('Digest user name for its challenges; null: it challenges nothing'),
    hasPassword: z.boolean().describe('Whether a digest password is kept (it is never shown)'),
    register: z.boolean().describe('Whether Parley registers with the provider'),
    numberFormat: NumberFormat,
    callerId: z
      .string()
      .nullable()
      .describe("The number presented for a caller whose line has no DID (E.164); a line's DID otherwise"),
    inboundSources: z
      .array(z.string())
      .describe("Where its calls come from (addresses, address:port, CIDR); empty: the host's addresses at its port"),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Trunk' });
export type Trunk = z.infer<typeof Trunk>;

export const TrunkList = z.object({ trunks: z.array(Trunk).describe('By name; the first one carries outgoing calls') });

export const CreateTrunkRequest = z.strictObject({
  name: TrunkName,
  host: TrunkHost,
  port: z.number().int().min(1).max(65535).optional().describe('5060 (5061 for tls) when left out'),
  transport: TrunkTransport.optional().describe('udp when left out'),
  username: z.string().min(1).max(128).optional(),
  password: z.string().min(1).max(256).optional().describe('Kept encrypted; needs username'),
  register: z.boolean().optional().describe('Register with the provider (needs username and password)'),
  numberFormat: NumberFormat.optional().describe('e164 when left out'),
  callerId: PhoneNumber.optional(),
  inboundSources: z.array(TrunkSource).max(32).optional(),
});
export type CreateTrunkRequest = z.infer<typeof CreateTrunkRequest>;

export const TrunkParams = z.strictObject({ name: TrunkName });

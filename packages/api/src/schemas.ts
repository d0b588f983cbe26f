import { z } from 'zod';
import { SafeLine } from './text.js';

/** A DNS domain name in lower case, e.g. `example.test` (RFC 1035 labels, at least two). */
export const Domain = z
  .string()
  .max(253)
  .transform((s) => s.toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        'must be a domain name such as example.com',
      ),
  );

/** The local part of an address: what is valid in an XMPP localpart and a SIP user alike. */
export const Localpart = z
  .string()
  .max(64)
  .transform((s) => s.toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/,
        'must be 1-64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit',
      ),
  );

/** `local@domain`: login name, XMPP JID and SIP URI user in one. */
export const Address = z
  .string()
  .max(318)
  .transform((s, ctx) => {
    const at = s.lastIndexOf('@');
    const local = Localpart.safeParse(s.slice(0, Math.max(at, 0)));
    const domain = Domain.safeParse(s.slice(at + 1));
    if (at < 1 || !local.success || !domain.success) {
      ctx.addIssue({ code: 'custom', message: 'must be an address such as alice@example.com' });
      return z.NEVER;
    }
    return `${local.data}@${domain.data}`;
  });

export const Role = z.enum(['user', 'tenant-admin', 'system-admin']);
export type Role = z.infer<typeof Role>;

export const CountryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as DE')
  .transform((s) => s.toUpperCase());
export const AreaCode = z.string().regex(/^[0-9]{1,6}$/, 'must be 1-6 digits without trunk prefix');
/** A phone number as the user typed it: digits, `+`, spaces and `-()/.` punctuation. */
export const PhoneNumber = z
  .string()
  .max(40)
  .regex(/^\+?[0-9][0-9 ()/.-]*$/, 'must be a phone number such as +49 711 123456 or 1234');
export const Password = z.string().min(8, 'must be at least 8 characters').max(1024);
/** A name people read: one line, no control, direction or invisible characters. */
export const DisplayName = SafeLine(200);
const Email = z.email().max(320);
export const Id = z.string().min(1).max(64);

export const User = z
  .object({
    id: Id,
    address: z.string().describe('local@domain'),
    local: z.string(),
    domain: z.string(),
    tenantId: Id,
    displayName: z.string(),
    email: z.string().nullable(),
    numbers: z.array(z.string()),
    role: Role,
    disabled: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const TenantNumbering = z
  .strictObject({
    trunkPrefix: z
      .string()
      .regex(/^[0-9]{0,3}$/, 'must be 0-3 digits')
      .optional()
      .describe("National trunk prefix ('0' in DE)"),
    exitPrefix: z
      .string()
      .regex(/^[0-9]{1,4}$/, 'must be 1-4 digits')
      .optional()
      .describe("International exit prefix ('00' in DE)"),
    pbxBase: z
      .string()
      .regex(/^\+[1-9][0-9]{3,13}$/, 'must be an E.164 number such as +49711123456')
      .nullable()
      .optional()
      .describe('The PBX base number an internal extension is appended to'),
    extensionLength: z
      .strictObject({ min: z.number().int().min(1).max(8), max: z.number().int().min(1).max(8) })
      .refine((e) => e.min <= e.max, 'min must not exceed max')
      .nullable()
      .optional()
      .describe('Digits of internal extensions'),
  })
  .meta({ id: 'TenantNumbering' });

export const Tenant = z
  .object({
    id: Id,
    name: z.string(),
    domains: z.array(z.string()).describe('The first one is the primary domain'),
    country: z.string().nullable(),
    areaCode: z.string().nullable(),
    numbering: TenantNumbering.nullable().describe('The numbering plan beyond country and area code'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Tenant' });
export type Tenant = z.infer<typeof Tenant>;

export const Session = z
  .object({
    id: Id,
    createdAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    userAgent: z.string().nullable(),
    address: z.string().nullable().describe('Client IP address at login'),
    current: z.boolean(),
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof Session>;

export const LoginRequest = z.strictObject({
  user: Address.describe('local@domain'),
  password: z.string().min(1).max(1024),
});
export const LoginResponse = z.object({
  token: z.string().describe('Bearer token for the Authorization header'),
  expiresAt: z.iso.datetime(),
  user: User,
});
export const CookieLoginResponse = z.object({
  csrfToken: z
    .string()
    .describe(
      'Send it back in the X-CSRF-Token header with every request but GET and HEAD (also in the parley_csrf cookie)',
    ),
  expiresAt: z.iso.datetime(),
  user: User,
});
export const TicketResponse = z.object({
  ticket: z.string().describe('One-time ticket for `/api/v1/events?ticket=`'),
  expiresAt: z.iso.datetime(),
});
export const ChangePasswordRequest = z.strictObject({ current: z.string().max(1024), password: Password });
export const UpdateMeRequest = z.strictObject({
  displayName: DisplayName.optional(),
  email: Email.nullable().optional(),
});

export const CreateUserRequest = z.strictObject({
  local: Localpart,
  domain: Domain.optional().describe("One of the caller's tenant domains; the primary one if omitted"),
  displayName: DisplayName.optional(),
  email: Email.optional(),
  numbers: z.array(PhoneNumber).max(20).optional(),
  role: Role.optional(),
  password: Password.optional().describe('Generated and returned once if omitted'),
});
export const UpdateUserRequest = z.strictObject({
  displayName: DisplayName.optional(),
  email: Email.nullable().optional(),
  numbers: z.array(PhoneNumber).max(20).optional(),
  role: Role.optional(),
  disabled: z.boolean().optional(),
});
export const SetPasswordRequest = z.strictObject({
  password: Password.optional().describe('Generated and returned once if omitted'),
});
export const UserWithPassword = z.object({
  user: User,
  password: z.string().optional().describe('Present only when the server generated it'),
});
export const UserList = z.object({ users: z.array(User) });
export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const CreateTenantRequest = z.strictObject({
  domain: Domain,
  name: DisplayName.optional(),
  country: CountryCode.optional(),
  areaCode: AreaCode.optional(),
  numbering: TenantNumbering.optional(),
});
export const UpdateTenantRequest = z.strictObject({
  name: DisplayName.optional(),
  country: CountryCode.nullable().optional(),
  areaCode: AreaCode.nullable().optional(),
  numbering: TenantNumbering.nullable().optional(),
});
export const AddDomainRequest = z.strictObject({ domain: Domain });
export const TenantList = z.object({ tenants: z.array(Tenant) });
export const SessionList = z.object({ sessions: z.array(Session) });
export const IdParams = z.strictObject({ id: Id });
export const TenantDomainParams = z.strictObject({ id: Id, domain: Domain });
export const Health = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.string()).optional(),
});

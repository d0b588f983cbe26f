// The settings of an LDAP / Active Directory source, as an admin writes them (checked, defaults filled in).
import { z } from 'zod';
import { DEFAULT_TIMEOUT_MS } from '../source.js';

const attrList = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (typeof v === 'string' ? [v] : v));

/** Which LDAP attributes fill which contact field; the first non-empty one wins, numbers collect all. */
const AttributeMapSchema = z.strictObject({
  name: attrList.default(['displayName', 'cn']),
  givenName: attrList.default(['givenName']),
  surname: attrList.default(['sn']),
  company: attrList.default(['company', 'o']),
  department: attrList.default(['department', 'ou']),
  title: attrList.default(['title']),
  email: attrList.default(['mail']),
  work: attrList.default(['telephoneNumber', 'ipPhone', 'otherTelephone']),
  mobile: attrList.default(['mobile', 'otherMobile']),
  home: attrList.default(['homePhone', 'otherHomePhone']),
  fax: attrList.default(['facsimileTelephoneNumber', 'otherFacsimileTelephoneNumber']),
  pager: attrList.default(['pager', 'otherPager']),
  other: attrList.default([]),
});

export const LdapSourceConfigSchema = z.strictObject({
  url: z
    .string()
    .regex(/^ldaps?:\/\/[^/?#\s]+\/?$/i, 'must be ldap://host[:port] or ldaps://host[:port]')
    .describe('ldap://host:389 (with startTls for encryption) or ldaps://host:636'),
  startTls: z.boolean().default(false).describe('Upgrade an ldap:// connection with StartTLS before binding'),
  tls: z
    .strictObject({
      rejectUnauthorized: z.boolean().default(true).describe('Check the server certificate (leave on)'),
      ca: z.string().optional().describe('PEM of the CA that signed the server certificate (else the system CAs)'),
      servername: z.string().optional().describe('Name to check the certificate against, if not the URL host'),
    })
    .prefault({}),
  bindDn: z.string().default('').describe('DN (or AD user@domain) to bind as; empty: anonymous'),
  password: z.string().default('').describe('Bind password; the service passes its sealed secret instead'),
  baseDn: z.string().min(1).describe('Where to search, e.g. ou=people,dc=example,dc=com'),
  filter: z
    .string()
    .optional()
    .describe(
      'LDAP filter for contacts; default on AD (&(objectCategory=person)(|(objectClass=user)(objectClass=contact))), ' +
        'elsewhere (|(objectClass=person)(objectClass=contact))',
    ),
  scope: z.enum(['sub', 'one', 'base']).default('sub'),
  pageSize: z.number().int().min(1).max(10_000).default(500).describe('Entries per page (and per batch)'),
  attributes: AttributeMapSchema.prefault({}),
  idAttribute: z
    .string()
    .optional()
    .describe('Stable id attribute; default objectGUID on AD, entryUUID elsewhere; the DN when absent'),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(DEFAULT_TIMEOUT_MS)
    .describe('Connect and per-request timeout'),
});

/** The connector's settings as written by an admin (defaults filled in by the schema). */
export type LdapSourceConfig = z.input<typeof LdapSourceConfigSchema>;
export type Config = z.output<typeof LdapSourceConfigSchema>;
export type Field = keyof Config['attributes'];

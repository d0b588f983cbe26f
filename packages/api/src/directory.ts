import { z } from 'zod';
import { Id } from './schemas.js';
import { SafeLine } from './text.js';

export const NumberType = z.enum(['work', 'mobile', 'home', 'fax', 'pager', 'other']);

export const ContactNumber = z.object({
  type: NumberType,
  raw: z.string().describe('As the source wrote it'),
  e164: z.string().nullable().describe('Normalized; null when it could not be understood'),
  block: z
    .boolean()
    .optional()
    .describe('Written as a block (`+49 711 1234-0`): it also stands for every extension behind it'),
});

export const DirectoryCandidate = z
  .object({
    name: z.string().nullable(),
    givenName: z.string().nullable().describe('The given name, where the source has it apart from the name'),
    surname: z.string().nullable().describe('The surname, where the source has it apart from the name'),
    display: z.string().describe('The name, or "~Company" for an uncertain company match'),
    company: z.string().nullable(),
    department: z.string().nullable(),
    title: z.string().nullable(),
    email: z.string().nullable(),
    url: z.string().nullable().describe('The record in its own system (CRM)'),
    address: z.string().nullable().describe("A Parley user's address"),
    numbers: z.array(ContactNumber),
    match: z.enum(['exact', 'company', 'prefix', 'search']),
    score: z.number().describe('100 exact; 60-80 company (switchboard or block); below 50 prefix'),
    uncertain: z.boolean(),
    matched: z.string().nullable().describe('The stored number that matched'),
    source: z.string().describe('The most important source the contact is in'),
    sources: z.array(z.string()),
  })
  .meta({ id: 'DirectoryCandidate' });

export const LookupQuery = z.strictObject({
  number: z.string().min(1).max(64).describe('As dialled or displayed: +49 711 123456, 0711 1234-56, 1234 …'),
});
export const LookupResult = z.object({
  number: z.string().describe('E.164'),
  display: z
    .string()
    .describe(
      "The number as people write it: national in the tenant's country (0711 123456), else international (+1 212-555-0100); a direct dial of the tenant's PBX with its extension apart (0711 123456-12)",
    ),
  kind: z.enum(['e164', 'extension']),
  candidates: z.array(DirectoryCandidate).describe('Best first'),
});
export const DirectorySearchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const DirectorySearchResult = z.object({ candidates: z.array(DirectoryCandidate) });

export const SourceKind = z.enum(['ldap', 'file', 'sql', 'http']);
export const Visibility = z
  .strictObject({ roles: z.array(z.string()).optional(), users: z.array(Id).optional() })
  .describe("Who may see the source's contacts; absent: everyone in the tenant");

export const DirectorySource = z
  .object({
    id: Id,
    name: z.string(),
    kind: SourceKind,
    priority: z.number().int().describe('Lower wins; Parley users always come first'),
    config: z.record(z.string(), z.unknown()).describe("The connector's settings (never its secret)"),
    hasSecret: z.boolean(),
    scheduleSeconds: z.number().int().nullable(),
    visibleTo: Visibility.nullable(),
    state: z.enum(['idle', 'syncing', 'ok', 'error']),
    progress: z.object({ done: z.number().int(), total: z.number().int().nullable() }).nullable(),
    entries: z.number().int(),
    invalidNumbers: z.number().int(),
    lastSyncAt: z.iso.datetime().nullable(),
    lastFullSyncAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
    report: z
      .object({
        invalidNumbers: z.array(
          z.object({
            externalId: z.string(),
            raw: z.string(),
            reason: z.string(),
            line: z.number().int().optional().describe('CSV files: the line the row starts on (1-based)'),
            field: z.string().optional().describe('CSV files: the column the number was read from'),
          }),
        ),
        skippedRows: z.array(z.object({ line: z.number().int(), reason: z.string() })),
      })
      .nullable()
      .describe('What the last sync could not take (the first 200 of each)'),
  })
  .meta({ id: 'DirectorySource' });
export type DirectorySource = z.infer<typeof DirectorySource>;
export const DirectorySourceList = z.object({ sources: z.array(DirectorySource) });

export const CreateSourceRequest = z.strictObject({
  name: SafeLine(100),
  kind: SourceKind,
  priority: z.number().int().min(0).max(1000).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  secret: z.string().max(4096).nullish().describe('Bind password, API token …: stored encrypted, never returned'),
  scheduleSeconds: z.number().int().min(60).nullish(),
  visibleTo: Visibility.nullish(),
});
export const UpdateSourceRequest = CreateSourceRequest.omit({ kind: true }).partial();
export const SyncRequest = z.strictObject({ full: z.boolean().default(false) });
export const SyncSummary = z.object({
  source: z.string(),
  full: z.boolean(),
  entries: z.number().int(),
  upserted: z.number().int(),
  removed: z.number().int(),
  invalidNumbers: z.number().int(),
  skippedRows: z.number().int(),
  ms: z.number(),
});

/** Raw-body routes of the directory (not JSON, so not in the route table). */
export const directoryPaths = {
  /** POST a CSV or vCard file (text/csv, text/vcard, application/octet-stream) into a file source. */
  import: '/api/v1/admin/directory/sources/:id/import',
} as const;

export const ImportResult = z.object({
  summary: SyncSummary,
  skippedRows: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  source: DirectorySource,
});

/** The tenant's LDAP phone-book account: what desk phones bind with to search the directory over LDAP. */
export const LdapAccount = z
  .object({
    bindDn: z.string().describe('Bind DN for the phone: cn=phonebook,dc=example,dc=test'),
    address: z.string().describe('The same account as an address: phonebook@example.test'),
    baseDn: z.string().describe("Search base: the tenant's primary domain as dc= components"),
    createdAt: z.string().describe('When its current password was made (ISO 8601)'),
  })
  .meta({ id: 'LdapAccount' });
export type LdapAccount = z.infer<typeof LdapAccount>;
export const LdapAccountWithPassword = LdapAccount.extend({
  password: z.string().describe('Shown only in this answer; setting the account again makes a new one'),
}).meta({ id: 'LdapAccountWithPassword' });

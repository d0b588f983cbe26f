// The settings of an HTTP (CRM) source: the API's address, paging, the mapping of its JSON to
// contacts, the optional live lookup; checked with messages naming each wrong field.
import { z } from 'zod';
import { DEFAULT_TIMEOUT_MS, type NumberType } from '../source.js';
import { parsePath } from './path.js';

/** The largest answer an HTTP source reads unless its settings say otherwise (`maxBytes`). */
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

const numberTypes = ['work', 'mobile', 'home', 'fax', 'pager', 'other'] as const satisfies readonly NumberType[];

const path = z
  .string()
  .trim()
  .max(500)
  .superRefine((p, ctx) => {
    try {
      parsePath(p);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
const field = path.min(1).optional();
const param = z.string().trim().min(1).max(100);
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });
const pageSize = z.number().int().min(1).max(100_000).default(100);

/**
 * The settings of an HTTP/CRM source (stored as JSON). The secret — e.g. `Bearer eyJ…` — is the
 * source's sealed secret and goes into the header `secretHeader` (Authorization by default).
 *
 * Paging: `page` asks `?page=1&pageSize=100`, `?page=2…` (counting from `start`); `offset` asks
 * `?offset=0&limit=100`, `?offset=100…` (the offset grows by the items received, so a server
 * that caps the page size loses nothing); both stop at the first empty page or when `totalPath`
 * says all came. `cursor` reads the value at `nextPath` of each answer: a URL (absolute or
 * relative, on the same origin) is fetched as it is, anything else is sent as `cursorParam`
 * (`nextKind` decides when a token may look like a path, e.g. base64 starting with `/`);
 * paging stops when it is missing, null or empty. More than `maxPages` pages fail the sync rather
 * than deliver part of the contacts (after a full sync, what was not delivered is removed).
 *
 * `lookup` is the live mode for a CRM that cannot be copied: `{e164}` and `{raw}` in its URL are
 * replaced by the number (URL-encoded: `+` is sent as %2B); a 404 means no contact. A source with
 * only `lookup` (no `url`) delivers nothing on sync.
 */
export const HttpSourceConfigSchema = z
  .strictObject({
    url: httpUrl.optional().describe('Where the contacts are listed, e.g. https://crm.example.com/api/contacts'),
    method: z.literal('GET').default('GET'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/), z.string()).default({}),
    secretHeader: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/)
      .default('Authorization')
      .describe('The header that carries the secret'),
    paging: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('none') }),
        z.strictObject({
          kind: z.literal('page'),
          pageParam: param.default('page'),
          sizeParam: param.default('pageSize'),
          start: z.number().int().min(0).default(1),
          pageSize,
        }),
        z.strictObject({
          kind: z.literal('offset'),
          offsetParam: param.default('offset'),
          limitParam: param.default('limit'),
          pageSize,
        }),
        z.strictObject({
          kind: z.literal('cursor'),
          nextPath: path.min(1).describe('Where the next cursor or next URL is: next, links.next, meta.cursor'),
          nextKind: z
            .enum(['auto', 'url', 'token'])
            .default('auto')
            .describe('auto: a value starting with http(s)://, / or ? is a URL, anything else a token'),
          cursorParam: param.default('cursor'),
          sizeParam: param.optional(),
          pageSize,
        }),
      ])
      .default({ kind: 'none' }),
    itemsPath: path.default('').describe('Where the array of contacts is: data.contacts; empty: the body is it'),
    totalPath: field.describe('Where the number of all contacts is (progress; page and offset paging stop there)'),
    mapping: z.strictObject({
      id: path.min(1),
      name: field,
      givenName: field,
      surname: field,
      company: field,
      department: field,
      title: field,
      email: field,
      url: field.describe("The record's page in the CRM"),
      numbers: z.array(z.strictObject({ path: path.min(1), type: z.enum(numberTypes) })).default([]),
    }),
    lookup: z
      .strictObject({
        url: z
          .string()
          .trim()
          .refine((u) => /\{(e164|raw)\}/.test(u), 'needs {e164} or {raw}')
          .refine((u) => httpUrl.safeParse(u.replaceAll(/\{(e164|raw)\}/g, '0')).success, 'an http(s) URL'),
        itemsPath: path.optional().describe('Where the contacts are in its answer; default: itemsPath'),
      })
      .optional(),
    timeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_TIMEOUT_MS).describe('For each request'),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 ** 3)
      .default(DEFAULT_MAX_BYTES)
      .describe('For each answer'),
    maxPages: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .refine((c) => c.url !== undefined || c.lookup !== undefined, 'needs url (sync) or lookup (live), or both')
  .superRefine((c, ctx) => {
    // Settings are stored in the clear: credentials belong in the secret, which is sealed.
    for (const name of Object.keys(c.headers)) {
      const lower = name.toLowerCase();
      if (['authorization', 'proxy-authorization', 'cookie', c.secretHeader.toLowerCase()].includes(lower)) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: `put credentials in the secret (sent as ${c.secretHeader}), not in the headers`,
        });
      }
    }
  });
export type HttpSourceConfig = z.output<typeof HttpSourceConfigSchema>;
export type HttpSourceConfigInput = z.input<typeof HttpSourceConfigSchema>;

export class HttpSourceError extends Error {
  override name = 'HttpSourceError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Validates the settings; throws an HttpSourceError naming every wrong field. */
export function parseHttpSourceConfig(raw: unknown): HttpSourceConfig {
  const parsed = HttpSourceConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new HttpSourceError(issues.join('; '));
  }
  return parsed.data;
}

/** A URL for messages and logs: no password, and the values of key/token-like query parameters hidden. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) {
      if (/key|token|secret|passw|auth|sig|session/i.test(name)) u.searchParams.set(name, '***');
    }
    return u.href.replaceAll('%2A%2A%2A', '***');
  } catch {
    return url;
  }
}

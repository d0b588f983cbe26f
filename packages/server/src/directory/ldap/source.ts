// LDAP / Active Directory connector: reads people and contacts with a paged search (RFC 2696, so
// trees larger than the server's size limit work), one batch per page, and syncs incrementally on
// what changed since the last run: `modifyTimestamp>=` on OpenLDAP and other RFC 4512 servers,
// `uSNChanged>=` on Active Directory (detected from the root DSE).
//
// Deletions cannot be seen incrementally: a deleted entry simply stops matching, and AD keeps
// tombstones only in the Deleted Objects container (show-deleted control, admin rights), OpenLDAP
// without accesslog/syncrepl keeps nothing. An incremental sync therefore only adds and updates
// (`full: false`); the directory service runs a periodic full resync (`full: true`), after which
// it drops whatever the source did not deliver. The same full resync also catches entries moved
// out of the base DN and, with multi-master replication, changes that reached this server later
// than newer ones.

import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  AdminLimitExceededError,
  Client,
  ConfidentialityRequiredError,
  type Entry,
  FilterParser,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ProtocolError,
  ResultCodeError,
  SizeLimitExceededError,
  StrongAuthRequiredError,
  UnavailableError,
} from 'ldapts';
import { z } from 'zod';
import { unlessAborted } from '../../lib/within.js';
import { OutboundPolicy, OutboundRefusedError, pinnedLookup } from '../../platform/outbound.js';
import {
  DEFAULT_TIMEOUT_MS,
  type DirectorySource,
  type NumberType,
  type SourceContact,
  type SyncContext,
  type SyncOutcome,
} from '../source.js';

/* ------------------------------------------------------------------------------------------------
 * Configuration
 * --------------------------------------------------------------------------------------------- */

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
type Config = z.output<typeof LdapSourceConfigSchema>;
type Field = keyof Config['attributes'];

const NUMBER_FIELDS: [Field, NumberType][] = [
  ['work', 'work'],
  ['mobile', 'mobile'],
  ['home', 'home'],
  ['fax', 'fax'],
  ['pager', 'pager'],
  ['other', 'other'],
];
const TEXT_FIELDS = ['name', 'givenName', 'surname', 'company', 'department', 'title', 'email'] as const;

/**
 * Longest text kept (a longer value is cut): a name or a "number" this long is garbage, but the
 * number is still delivered (cut) so that normalization reports it instead of it vanishing.
 */
export const MAX_TEXT = 512;
/** Most numbers kept for one contact (an entry with hundreds of values is broken, not a person); logged. */
export const MAX_NUMBERS = 100;

const AD_FILTER = '(&(objectCategory=person)(|(objectClass=user)(objectClass=contact)))';
const GENERIC_FILTER = '(|(objectClass=person)(objectClass=contact))';
const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';
const AD_CAPABILITY_OIDS = ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1851']; // AD, AD LDS
/** Attributes whose values are binary: requested as buffers, turned into their usual string. */
const BINARY_ID_ATTRIBUTES = ['objectGUID', 'mS-DS-ConsistencyGuid', 'msExchMailboxGuid', 'objectSid'];

/* ------------------------------------------------------------------------------------------------
 * Errors
 * --------------------------------------------------------------------------------------------- */

export type LdapErrorReason =
  | 'connect'
  | 'tls'
  | 'credentials'
  | 'base'
  | 'filter'
  | 'limit'
  | 'access'
  | 'timeout'
  | 'server';

/** A failure with a message an admin can act on (and the reason, for the UI). */
export class LdapSourceError extends Error {
  override name = 'LdapSourceError';
  constructor(
    message: string,
    readonly reason: LdapErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What AD's "data NNN" in an invalidCredentials diagnostic means. */
const AD_BIND_DATA: Record<string, string> = {
  '525': 'user not found',
  '52e': 'wrong password',
  '530': 'logon not permitted at this time',
  '531': 'logon not permitted from this workstation',
  '532': 'password expired',
  '533': 'account disabled',
  '701': 'account expired',
  '773': 'password must be changed',
  '775': 'account locked out',
};

const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

type Phase = 'connect' | 'starttls' | 'bind' | 'rootdse' | 'base' | 'search';

/** Turns whatever ldapts or the socket threw into an LdapSourceError with a clear message. */
export function describeLdapError(
  err: unknown,
  at: { url: string; bindDn: string; baseDn: string; phase: Phase; timeoutMs: number; entries?: number },
): LdapSourceError {
  if (err instanceof LdapSourceError) return err;
  if (err instanceof OutboundRefusedError) return new LdapSourceError(err.message, 'connect', { cause: err });
  const e = err as NodeJS.ErrnoException & { code?: string | number };
  const detail = (e?.message ?? String(err)).trim();
  const make = (message: string, reason: LdapErrorReason) => new LdapSourceError(message, reason, { cause: err });
  if (err instanceof ResultCodeError) {
    if (err instanceof InvalidCredentialsError) {
      const data = /data ([0-9a-f]{3})/i.exec(detail)?.[1]?.toLowerCase();
      const why = data && AD_BIND_DATA[data] ? `: ${AD_BIND_DATA[data]}` : '';
      return make(`invalid credentials (bind DN ${at.bindDn || '(anonymous)'})${why}`, 'credentials');
    }
    if (err instanceof InappropriateAuthError)
      return make(`anonymous or passwordless bind refused (bind DN ${at.bindDn || '(anonymous)'})`, 'credentials');
    if (err instanceof ConfidentialityRequiredError || err instanceof StrongAuthRequiredError)
      return make(`${at.url} requires an encrypted connection: use ldaps:// or startTls (${detail})`, 'tls');
    if (err instanceof NoSuchObjectError) return make(`base DN not found: ${at.baseDn}`, 'base');
    if (err instanceof InvalidDNSyntaxError)
      return make(
        `invalid DN syntax (${at.phase === 'bind' ? `bind DN ${at.bindDn}` : `base DN ${at.baseDn}`})`,
        'base',
      );
    if (err instanceof SizeLimitExceededError)
      return make(
        `the server's size limit stopped the search after ${at.entries ?? 0} entries; allow the bind DN unlimited ` +
          'paged searches (OpenLDAP: limits … size.prtotal=unlimited; AD: MaxResultSetSize)',
        'limit',
      );
    if (err instanceof AdminLimitExceededError)
      return make(`the server refused the search (administrative limit): lower pageSize (${detail})`, 'limit');
    if (err instanceof InsufficientAccessError)
      return make(`bind DN ${at.bindDn || '(anonymous)'} may not read ${at.baseDn} (${detail})`, 'access');
    if ((err instanceof UnavailableError || err instanceof ProtocolError) && at.phase === 'starttls')
      return make(`${at.url} does not offer StartTLS (${detail})`, 'tls');
    if (at.phase === 'starttls') return make(`StartTLS with ${at.url} failed: ${detail}`, 'tls');
    return make(`${at.url}: ${detail} (LDAP result ${err.code})`, 'server');
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'ECONNREFUSED') return make(`connection refused to ${at.url}`, 'connect');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return make(`host not found: ${hostOf(at.url)} (${at.url})`, 'connect');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return make(`host unreachable: ${at.url}`, 'connect');
  if (code === 'ETIMEDOUT' || /^Connection timeout$/i.test(detail))
    return make(`connection to ${at.url} timed out after ${at.timeoutMs} ms`, 'timeout');
  if (/Operation timed out/i.test(detail))
    return make(`${at.url} did not answer within ${at.timeoutMs} ms (${at.phase})`, 'timeout');
  if (code && TLS_TRUST_CODES.has(code))
    return make(
      `TLS: the certificate of ${at.url} is not trusted (${code}); give the CA that signed it as tls.ca`,
      'tls',
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return make(`TLS: the certificate of ${at.url} is not valid for this host (${detail})`, 'tls');
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return make(`TLS: the certificate of ${at.url} has expired or is not yet valid (${code})`, 'tls');
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_') || /TLS|SSL|secure/i.test(detail)) {
    const hint = /disconnected before secure TLS/i.test(detail)
      ? ': the server closed the connection during the handshake (plain LDAP on an ldaps:// port?)'
      : `: ${detail}`;
    return make(`TLS handshake with ${at.url} failed${hint}`, 'tls');
  }
  if (code === 'ECONNRESET' || /Connection closed|Socket error/i.test(detail))
    return make(`connection to ${at.url} was closed by the server (${at.phase})`, 'connect');
  if (at.phase === 'search' && /filter/i.test(detail)) return make(`invalid filter: ${detail}`, 'filter');
  return make(`${at.url}: ${detail}`, 'server');
}

const hostOf = (url: string) => url.replace(/^ldaps?:\/\//i, '').replace(/\/.*$/, '');

/* ------------------------------------------------------------------------------------------------
 * Values
 * --------------------------------------------------------------------------------------------- */

/** objectGUID (16 bytes, the first three groups little-endian) as AD shows it. */
export function guidToString(b: Buffer): string {
  if (b.length !== 16) return b.toString('hex');
  const h = (from: number, to: number, reverse: boolean) => {
    const part = b.subarray(from, to);
    return Buffer.from(reverse ? [...part].reverse() : part).toString('hex');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

/** objectSid as S-1-5-21-…. */
export function sidToString(b: Buffer): string {
  if (b.length < 8) return b.toString('hex');
  const count = b[1] ?? 0;
  if (b.length < 8 + 4 * count) return b.toString('hex');
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + (b[i] ?? 0);
  const parts = [`S-${b[0]}-${authority}`];
  for (let i = 0; i < count; i++) parts.push(String(b.readUInt32LE(8 + 4 * i)));
  return parts.join('-');
}

function binaryId(attr: string, value: Buffer): string {
  const lower = attr.toLowerCase();
  if (lower === 'objectsid') return sidToString(value);
  if (value.length === 16) return guidToString(value);
  return value.toString('hex');
}

/** Parses generalized time (RFC 4517: YYYYMMDDHH[MM[SS]][.f][Z|±HHMM]) to epoch ms; NaN if not one. */
export function parseGeneralizedTime(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)?$/.exec(s.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi = '00', se = '00', frac = '', zone = 'Z'] = m;
  const ms = Number(`0.${frac || '0'}`) * 1000;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se), ms);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offset = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || '0');
    t -= sign * offset * 60_000;
  }
  return t;
}

/** A sync cursor: the newest modifyTimestamp seen, or AD's USN with the DC it belongs to. */
export type LdapCursor = { kind: 'ts'; ts: string } | { kind: 'usn'; usn: bigint; dc: string };

export function formatCursor(c: LdapCursor): string {
  return c.kind === 'ts' ? `ts:${c.ts}` : `usn:${c.usn}@${c.dc}`;
}

export function parseCursor(s: string | null): LdapCursor | null {
  if (!s) return null;
  const ts = /^ts:(\d{10,14}(?:[.,]\d+)?(?:Z|[+-]\d{2,4})?)$/.exec(s);
  if (ts?.[1] && !Number.isNaN(parseGeneralizedTime(ts[1]))) return { kind: 'ts', ts: ts[1] };
  const usn = /^usn:(\d{1,20})@(.*)$/s.exec(s);
  if (usn?.[1] !== undefined && usn[2] !== undefined) return { kind: 'usn', usn: BigInt(usn[1]), dc: usn[2] };
  return null;
}

/* ------------------------------------------------------------------------------------------------
 * The source
 * --------------------------------------------------------------------------------------------- */

interface ServerInfo {
  ad: boolean;
  paging: boolean;
  /** AD: the DC's highest committed USN when the sync started, and which DC (USNs are per DC). */
  highestCommittedUSN: bigint | null;
  dc: string;
}

interface Session {
  client: Client;
  info: ServerInfo;
  close(): Promise<void>;
}

type Values = (string | Buffer)[];

export class LdapSource implements DirectorySource {
  readonly config: Config;

  /**
   * `secret`, when given, is the bind password (the service keeps it sealed, apart from the
   * settings); otherwise `config.password` is used. `outbound` decides which addresses it may
   * connect to (by default no internal ones).
   */
  constructor(
    config: LdapSourceConfig,
    secret: string | null = null,
    private readonly outbound: OutboundPolicy = new OutboundPolicy([]),
  ) {
    const parsed = LdapSourceConfigSchema.parse(config);
    this.config = secret === null ? parsed : { ...parsed, password: secret };
    if (this.config.filter !== undefined) checkFilter(this.config.filter);
  }

  async test(signal?: AbortSignal): Promise<void> {
    const phase = { current: 'connect' as Phase };
    const session = await this.open(signal ?? new AbortController().signal, phase);
    try {
      phase.current = 'base';
      await session.client.search(this.config.baseDn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['1.1'],
      });
      // The filter too: the server parses it (one entry at most).
      phase.current = 'search';
      await session.client.search(this.config.baseDn, {
        scope: this.config.scope,
        filter: this.filterFor(session.info),
        attributes: ['1.1'],
        sizeLimit: 1,
      });
    } catch (err) {
      throw this.fail(err, phase.current, signal);
    } finally {
      await session.close();
    }
  }

  async *sync(ctx: SyncContext): AsyncGenerator<SourceContact[], SyncOutcome> {
    const { signal } = ctx;
    const phase = { current: 'connect' as Phase };
    const started = Date.now();
    const session = await this.open(signal, phase);
    let done = 0;
    try {
      const { client, info } = session;
      const cfg = this.config;
      const previous = parseCursor(ctx.cursor);
      let since: LdapCursor | null = null;
      if (previous && info.ad && previous.kind === 'usn' && previous.dc === info.dc) since = previous;
      else if (previous && !info.ad && previous.kind === 'ts') since = previous;
      else if (ctx.cursor) {
        ctx.log.info(
          { cursor: ctx.cursor, ad: info.ad, dc: info.dc || undefined },
          'LDAP cursor does not fit this server (another DC, or the server type changed): full sync',
        );
      }

      const base = this.filterFor(info);
      const filter =
        since === null
          ? base
          : since.kind === 'ts'
            ? `(&${base}(modifyTimestamp>=${since.ts}))`
            : `(&${base}(uSNChanged>=${since.usn + 1n}))`;
      const idAttr = cfg.idAttribute ?? (info.ad ? 'objectGUID' : 'entryUUID');
      const changeAttr = info.ad ? 'uSNChanged' : 'modifyTimestamp';
      const wanted = new Set<string>([idAttr, changeAttr]);
      for (const list of Object.values(cfg.attributes)) for (const a of list) wanted.add(a);
      const attributes = [...wanted];
      // ldapts matches these names case-sensitively against what the server sends: give both spellings.
      const binary = BINARY_ID_ATTRIBUTES.find((a) => a.toLowerCase() === idAttr.toLowerCase());
      const explicitBufferAttributes = binary ? [...new Set([binary, idAttr])] : [];

      let newestTs: { raw: string; t: number } | null =
        since?.kind === 'ts' ? { raw: since.ts, t: parseGeneralizedTime(since.ts) } : null;
      let newestUsn: bigint | null = since?.kind === 'usn' ? since.usn : null;
      let pages = 0;
      let references = 0;
      let capped = 0;
      const toContacts = (entries: Entry[]) => {
        const batch: SourceContact[] = [];
        for (const entry of entries) {
          const values = valueMap(entry);
          const { contact, dropped } = this.contact(entry.dn, values, idAttr);
          batch.push(contact);
          if (dropped > 0) {
            capped++;
            if (capped <= 5)
              ctx.log.warn(
                { dn: entry.dn, dropped, kept: MAX_NUMBERS },
                'LDAP entry has too many numbers: kept the first',
              );
          }
          const change = values.get(changeAttr.toLowerCase())?.[0];
          if (typeof change !== 'string') continue;
          if (info.ad) {
            if (/^\d+$/.test(change) && (newestUsn === null || BigInt(change) > newestUsn)) newestUsn = BigInt(change);
          } else {
            const t = parseGeneralizedTime(change);
            if (!Number.isNaN(t) && (newestTs === null || t > newestTs.t)) newestTs = { raw: change.trim(), t };
          }
        }
        return batch;
      };

      phase.current = 'search';
      const options = { scope: cfg.scope, filter, attributes, explicitBufferAttributes };
      const pagesOf = info.paging
        ? client.searchPaginated(cfg.baseDn, { ...options, paged: { pageSize: cfg.pageSize } })
        : (async function* () {
            yield await client.search(cfg.baseDn, options);
          })();
      for await (const page of pagesOf) {
        signal.throwIfAborted();
        pages++;
        references += page.searchReferences.length;
        const batch = toContacts(page.searchEntries);
        done += batch.length;
        ctx.progress(done, null);
        signal.throwIfAborted();
        if (batch.length > 0) yield batch;
        signal.throwIfAborted();
      }

      let cursor: LdapCursor | null = null;
      if (info.ad) {
        // The DC's highestCommittedUSN read before the search: anything committed later has a
        // higher USN and is read next time (perhaps twice, which is harmless).
        const usn = maxBig(info.highestCommittedUSN, newestUsn);
        if (usn !== null) cursor = { kind: 'usn', usn, dc: info.dc };
      } else if (newestTs) {
        // `>=` the newest timestamp seen: timestamps have one-second resolution, so entries changed
        // later in that same second are not missed (those of that second are read again).
        cursor = { kind: 'ts', ts: newestTs.raw };
      }
      ctx.log.debug(
        { entries: done, pages, references, capped, full: since === null, ms: Date.now() - started },
        'LDAP sync finished',
      );
      return { full: since === null, cursor: cursor ? formatCursor(cursor) : ctx.cursor };
    } catch (err) {
      throw this.fail(err, phase.current, signal, done);
    } finally {
      await session.close();
    }
  }

  /* -------------------------------------------------------------------------------------------- */

  private filterFor(info: ServerInfo): string {
    const f = this.config.filter ?? (info.ad ? AD_FILTER : GENERIC_FILTER);
    return f.startsWith('(') ? f : `(${f})`;
  }

  private fail(err: unknown, phase: Phase, signal?: AbortSignal, entries?: number): unknown {
    if (signal?.aborted) return signal.reason ?? new DOMException('aborted', 'AbortError');
    const cfg = this.config;
    return describeLdapError(err, {
      url: cfg.url,
      bindDn: cfg.bindDn,
      baseDn: cfg.baseDn,
      phase,
      timeoutMs: cfg.timeoutMs,
      ...(entries !== undefined && { entries }),
    });
  }

  /** Connects (StartTLS if asked), binds and reads the root DSE; an abort tears the connection down. */
  private async open(signal: AbortSignal, phase: { current: Phase }): Promise<Session> {
    signal.throwIfAborted();
    const cfg = this.config;
    const secure = /^ldaps:/i.test(cfg.url);
    const host = hostOf(cfg.url)
      .replace(/:\d+$/, '')
      .replace(/^\[(.*)\]$/, '$1');
    const isIp = /^[\d.]+$/.test(host) || host.includes(':');
    const tlsOptions = {
      rejectUnauthorized: cfg.tls.rejectUnauthorized,
      ...(cfg.tls.ca && { ca: cfg.tls.ca }),
      ...(cfg.tls.servername ? { servername: cfg.tls.servername } : !isIp && { servername: host }),
      minVersion: 'TLSv1.2' as const,
    };
    let addresses: Awaited<ReturnType<OutboundPolicy['resolve']>>;
    try {
      // The host as ldapts reads it; the socket then goes to the addresses checked here.
      addresses = await unlessAborted(this.outbound.resolve(new URL(cfg.url).hostname || 'localhost'), signal);
    } catch (err) {
      throw this.fail(err, phase.current, signal);
    }
    const lookup = pinnedLookup(addresses);
    const client = new Client({
      url: cfg.url.replace(/\/$/, ''),
      timeout: cfg.timeoutMs,
      connectTimeout: cfg.timeoutMs,
      ...(secure
        ? {
            tlsOptions,
            createSecureConnection: ((port: number, to: string, options: object) =>
              tlsConnect({ ...options, port, host: to, lookup })) as typeof tlsConnect,
          }
        : {
            createConnection: ((port: number, to: string) =>
              netConnect({ port, host: to, lookup })) as typeof netConnect,
          }),
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      signal.removeEventListener('abort', onAbort);
      await client.unbind().catch(() => undefined);
    };
    const onAbort = () => {
      void close();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (cfg.startTls) {
        phase.current = 'starttls';
        if (secure) throw new LdapSourceError('startTls makes no sense with ldaps:// (already encrypted)', 'tls');
        await client.startTLS({ ...tlsOptions, host });
      }
      phase.current = 'bind';
      if (cfg.bindDn) await client.bind(cfg.bindDn, cfg.password);
      phase.current = 'rootdse';
      const info = await readRootDse(client);
      signal.throwIfAborted();
      return { client, info, close };
    } catch (err) {
      await close();
      throw this.fail(err, phase.current, signal);
    }
  }

  /** The contact of one entry, and how many numbers beyond MAX_NUMBERS it had. */
  private contact(
    dn: string,
    values: Map<string, Values>,
    idAttr: string,
  ): { contact: SourceContact; dropped: number } {
    const map = this.config.attributes;
    let dropped = 0;
    const text = (field: (typeof TEXT_FIELDS)[number]) => firstText(values, map[field]);
    const numbers: SourceContact['numbers'] = [];
    const seen = new Set<string>();
    for (const [field, type] of NUMBER_FIELDS) {
      for (const attr of map[field]) {
        for (const v of values.get(attr.toLowerCase()) ?? []) {
          if (typeof v !== 'string') continue;
          const trimmed = v.trim();
          const raw = trimmed.length > MAX_TEXT ? trimmed.slice(0, MAX_TEXT) : trimmed;
          const key = `${type}\u0000${raw}`;
          if (!raw || seen.has(key)) continue;
          seen.add(key);
          if (numbers.length < MAX_NUMBERS) numbers.push({ type, raw });
          else dropped++;
        }
      }
    }
    const idValue = values.get(idAttr.toLowerCase())?.[0];
    const externalId =
      idValue === undefined
        ? dn
        : typeof idValue === 'string'
          ? idValue.trim() || dn
          : idValue.length > 0
            ? binaryId(idAttr, idValue)
            : dn;
    const givenName = text('givenName');
    const surname = text('surname');
    const name = text('name') ?? ([givenName, surname].filter(Boolean).join(' ') || null);
    const contact: SourceContact = {
      externalId,
      name,
      givenName,
      surname,
      company: text('company'),
      department: text('department'),
      title: text('title'),
      email: text('email'),
      numbers,
      url: null,
    };
    return { contact, dropped };
  }
}

/** Throws unless `filter` is an RFC 4515 filter (ldapts' parser alone accepts a missing ')'). */
function checkFilter(filter: string): void {
  const f = filter.startsWith('(') ? filter : `(${filter})`;
  let depth = 0;
  let problem: string | undefined;
  for (const ch of f) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) break;
  }
  if (depth !== 0) problem = 'unbalanced parentheses';
  else {
    try {
      FilterParser.parseString(f);
    } catch (err) {
      problem = (err as Error).message;
    }
  }
  if (problem) throw new LdapSourceError(`invalid filter ${filter}: ${problem}`, 'filter');
}

/** The entry's attributes by lower-case name without options (`telephoneNumber;x` joins `telephonenumber`). */
function valueMap(entry: Entry): Map<string, Values> {
  const map = new Map<string, Values>();
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'dn') continue;
    const name = (key.split(';')[0] ?? key).toLowerCase();
    const list: Values = Array.isArray(value) ? value : [value];
    const existing = map.get(name);
    if (existing) existing.push(...list);
    else map.set(name, [...list]);
  }
  return map;
}

function firstText(values: Map<string, Values>, attrs: string[]): string | null {
  for (const attr of attrs) {
    for (const v of values.get(attr.toLowerCase()) ?? []) {
      if (typeof v !== 'string') continue;
      const s = v.trim();
      if (s) return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s;
    }
  }
  return null;
}

const maxBig = (a: bigint | null, b: bigint | null) => (a === null ? b : b === null ? a : a > b ? a : b);

async function readRootDse(client: Client): Promise<ServerInfo> {
  try {
    const { searchEntries } = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['supportedCapabilities', 'supportedControl', 'highestCommittedUSN', 'dsServiceName'],
    });
    const values = valueMap(searchEntries[0] ?? { dn: '' });
    const strings = (name: string) =>
      (values.get(name.toLowerCase()) ?? []).filter((v): v is string => typeof v === 'string');
    const capabilities = strings('supportedCapabilities');
    const controls = strings('supportedControl');
    const usn = strings('highestCommittedUSN')[0];
    return {
      ad: capabilities.some((c) => AD_CAPABILITY_OIDS.includes(c)),
      // A root DSE that lists no controls at all is probably just unreadable: try paging anyway.
      paging: controls.length === 0 || controls.includes(PAGED_RESULTS_OID),
      highestCommittedUSN: usn && /^\d+$/.test(usn) ? BigInt(usn) : null,
      dc: strings('dsServiceName')[0] ?? '',
    };
  } catch (err) {
    // Some servers hide the root DSE from ordinary accounts: assume a plain LDAPv3 server.
    if (err instanceof ResultCodeError) return { ad: false, paging: true, highestCommittedUSN: null, dc: '' };
    throw err;
  }
}

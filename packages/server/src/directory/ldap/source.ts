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
import { Client, type Entry, FilterParser } from 'ldapts';
import { unlessAborted } from '../../lib/within.js';
import { OutboundPolicy, pinnedLookup } from '../../platform/outbound.js';
import type { DirectorySource, NumberType, SourceContact, SyncContext, SyncOutcome } from '../source.js';
import { type Config, type Field, type LdapSourceConfig, LdapSourceConfigSchema } from './config.js';
import { describeLdapError, hostOf, LdapSourceError, type Phase } from './errors.js';
import { readRootDse, type ServerInfo } from './server-info.js';
import {
  binaryId,
  firstText,
  formatCursor,
  type LdapCursor,
  MAX_TEXT,
  parseCursor,
  parseGeneralizedTime,
  type Values,
  valueMap,
} from './values.js';

const NUMBER_FIELDS: [Field, NumberType][] = [
  ['work', 'work'],
  ['mobile', 'mobile'],
  ['home', 'home'],
  ['fax', 'fax'],
  ['pager', 'pager'],
  ['other', 'other'],
];
const TEXT_FIELDS = ['name', 'givenName', 'surname', 'company', 'department', 'title', 'email'] as const;

/** Most numbers kept for one contact (an entry with hundreds of values is broken, not a person); logged. */
export const MAX_NUMBERS = 100;

const AD_FILTER = '(&(objectCategory=person)(|(objectClass=user)(objectClass=contact)))';
const GENERIC_FILTER = '(|(objectClass=person)(objectClass=contact))';
/** Attributes whose values are binary: requested as buffers, turned into their usual string. */
const BINARY_ID_ATTRIBUTES = ['objectGUID', 'mS-DS-ConsistencyGuid', 'msExchMailboxGuid', 'objectSid'];

/* ------------------------------------------------------------------------------------------------
 * The source
 * --------------------------------------------------------------------------------------------- */

interface Session {
  client: Client;
  info: ServerInfo;
  close(): Promise<void>;
}

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

const maxBig = (a: bigint | null, b: bigint | null) => (a === null ? b : b === null ? a : a > b ? a : b);

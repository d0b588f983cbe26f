import { HttpTimeoutError, httpRequest } from '../../lib/http-client.js';
import { OutboundPolicy } from '../../platform/outbound.js';
import type { DirectorySource, SourceContact, SyncContext, SyncOutcome } from '../source.js';
import {
  type HttpSourceConfig,
  type HttpSourceConfigInput,
  HttpSourceError,
  parseHttpSourceConfig,
  redact,
} from './config.js';
import { first, scalar, select } from './path.js';

type Field = 'name' | 'givenName' | 'surname' | 'company' | 'department' | 'title' | 'email' | 'url';
const FIELDS: Field[] = ['name', 'givenName', 'surname', 'company', 'department', 'title', 'email', 'url'];

/** Contacts from a CRM's REST API: paged JSON, mapped by dotted paths; optionally asked live per number. */
export class HttpSource implements DirectorySource {
  readonly config: HttpSourceConfig;
  /** Items of the last sync without an id (line: the item's position in the whole listing, from 1). */
  skippedRows: { line: number; reason: string }[] = [];
  declare readonly lookup?: (number: { e164: string; raw: string }, signal?: AbortSignal) => Promise<SourceContact[]>;

  /** `outbound` decides which addresses it may reach, redirects included (by default no internal ones). */
  constructor(
    config: HttpSourceConfigInput,
    private readonly secret: string | null = null,
    private readonly outbound: OutboundPolicy = new OutboundPolicy([]),
  ) {
    this.config = parseHttpSourceConfig(config);
    // Only a source with a lookup URL has `lookup` at all (`'lookup' in source` is false otherwise).
    if (this.config.lookup) this.lookup = (number, signal) => this.lookupNumber(number, signal);
  }

  async *sync(ctx: SyncContext): AsyncGenerator<SourceContact[], SyncOutcome> {
    this.skippedRows = [];
    const { url, paging, maxPages } = this.config;
    // Live-only: nothing to copy, and nothing to remove.
    if (url === undefined) return { full: false, cursor: null };
    let next: string | null = this.pageUrl(0, null);
    let done = 0;
    let pages = 0;
    let previousFirst: string | null = null;
    const seen = new Set<string>();
    while (next !== null) {
      ctx.signal.throwIfAborted();
      if (pages >= maxPages) {
        throw new HttpSourceError(
          `${redact(url)}: more than ${maxPages} pages (maxPages); raise it or check the paging settings`,
        );
      }
      const pageUrl: string = next;
      seen.add(pageUrl);
      const body = await this.get(pageUrl, ctx.signal);
      pages++;
      const items = this.items(body, this.config.itemsPath, pageUrl);
      const total = this.config.totalPath ? Number(first(body, this.config.totalPath) ?? Number.NaN) : Number.NaN;
      const contacts: SourceContact[] = [];
      for (const item of items) {
        done++;
        const contact = toContact(item, this.config.mapping);
        if (contact) contacts.push(contact);
        else this.skippedRows.push({ line: done, reason: `no value at ${this.config.mapping.id}` });
      }
      // An API that ignores the paging parameters sends the first page again and again.
      const firstId = items.length > 0 ? first(items[0], this.config.mapping.id) : null;
      if (pages > 1 && firstId !== null && firstId === previousFirst) {
        throw new HttpSourceError(
          `${redact(pageUrl)}: the same items as the page before (does the API ignore the paging parameters?)`,
        );
      }
      previousFirst = firstId;
      ctx.progress(done, Number.isFinite(total) ? total : null);
      if (contacts.length > 0) yield contacts;

      next = null;
      if (paging.kind === 'page' || paging.kind === 'offset') {
        const complete = items.length === 0 || (Number.isFinite(total) && done >= total);
        if (!complete) next = this.pageUrl(paging.kind === 'page' ? pages : done, null);
      } else if (paging.kind === 'cursor') {
        const value = first(body, paging.nextPath);
        if (value !== null) {
          const isUrl =
            paging.nextKind === 'url' || (paging.nextKind === 'auto' && /^(https?:\/\/|\/|\?)/i.test(value));
          next = isUrl ? this.nextUrl(value, pageUrl) : this.pageUrl(0, value);
          if (seen.has(next)) {
            throw new HttpSourceError(`${redact(pageUrl)}: the next page is one already read (${paging.nextPath})`);
          }
        }
      }
    }
    return { full: true, cursor: null };
  }

  async test(signal?: AbortSignal): Promise<void> {
    const { url, lookup, mapping } = this.config;
    if (url !== undefined) {
      const pageUrl = this.pageUrl(0, null);
      const items = this.items(await this.get(pageUrl, signal), this.config.itemsPath, pageUrl);
      if (items.length > 0 && first(items[0], mapping.id) === null) {
        throw new HttpSourceError(`${redact(pageUrl)}: the first item has no value at ${mapping.id} (mapping.id)`);
      }
    } else if (lookup) {
      // Any number will do: an answer (even no contact) shows that address and credentials work.
      await this.lookupNumber({ e164: '+4930123456', raw: '030 123456' }, signal);
    }
  }

  private async lookupNumber(number: { e164: string; raw: string }, signal?: AbortSignal): Promise<SourceContact[]> {
    const lookup = this.config.lookup;
    if (!lookup) return [];
    const url = lookup.url.replaceAll(/\{(e164|raw)\}/g, (_, k: 'e164' | 'raw') => encodeURIComponent(number[k]));
    const body = await this.get(url, signal, { notFoundIsEmpty: true });
    if (body === undefined) return [];
    const itemsPath = lookup.itemsPath ?? this.config.itemsPath;
    // One contact as an object, or several in an array.
    const found = select(body, itemsPath)[0];
    const items = Array.isArray(found) ? found : found !== null && typeof found === 'object' ? [found] : [];
    return items.flatMap((item) => toContact(item, this.config.mapping) ?? []);
  }

  /** A next-page URL from an answer, relative to the page it came with; only on the same origin. */
  private nextUrl(value: string, current: string): string {
    let next: URL;
    try {
      next = new URL(value, current);
    } catch {
      throw new HttpSourceError(`${redact(current)}: the next page in the answer is no URL`);
    }
    if (next.origin !== new URL(current).origin) {
      // The secret header goes with every request: never to another host.
      throw new HttpSourceError(`${redact(current)}: the next page in the answer is on another host`);
    }
    return next.href;
  }

  /**
   * The URL of a page: `index` is the page count so far (page paging) or the items so far (offset
   * paging); `cursor` the next-cursor token (cursor paging).
   */
  private pageUrl(index: number, cursor: string | null): string {
    const { paging } = this.config;
    const u = new URL(this.config.url as string);
    switch (paging.kind) {
      case 'page':
        u.searchParams.set(paging.pageParam, String(paging.start + index));
        u.searchParams.set(paging.sizeParam, String(paging.pageSize));
        break;
      case 'offset':
        u.searchParams.set(paging.offsetParam, String(index));
        u.searchParams.set(paging.limitParam, String(paging.pageSize));
        break;
      case 'cursor':
        if (paging.sizeParam) u.searchParams.set(paging.sizeParam, String(paging.pageSize));
        if (cursor !== null) u.searchParams.set(paging.cursorParam, cursor);
        break;
    }
    return u.href;
  }

  /** The array at `itemsPath` of a page; anything else is an error naming the URL. */
  private items(body: unknown, itemsPath: string, url: string): unknown[] {
    const found = select(body, itemsPath);
    const items = found.length === 1 && Array.isArray(found[0]) ? found[0] : null;
    if (items === null) {
      throw new HttpSourceError(
        `${redact(url)}: no array at ${itemsPath ? `"${itemsPath}"` : 'the top'} of the answer (itemsPath)`,
      );
    }
    return items;
  }

  /**
   * GETs JSON within the limits; errors name the URL (secrets hidden) and say what to check, never
   * what the server answered (that would hand a tenant admin the answers of any host it can reach).
   */
  private async get(url: string, signal?: AbortSignal, opts: { notFoundIsEmpty?: boolean } = {}): Promise<unknown> {
    signal?.throwIfAborted();
    const { timeoutMs, maxBytes, secretHeader } = this.config;
    const headers: Record<string, string> = { accept: 'application/json', ...this.config.headers };
    if (this.secret) headers[secretHeader] = this.secret;
    const shown = `GET ${redact(url)}`;
    let res: Awaited<ReturnType<typeof httpRequest>>;
    try {
      res = await httpRequest(
        url,
        { method: 'GET', headers, ...(signal && { signal }) },
        { timeoutMs, maxBytes, outbound: this.outbound },
      );
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof HttpTimeoutError) throw new HttpSourceError(`${shown}: no answer within ${timeoutMs} ms`);
      throw new HttpSourceError(`${shown}: ${(err as Error).message}`);
    }
    if (res.status === 404 && opts.notFoundIsEmpty) return undefined;
    if (res.status < 200 || res.status > 299) {
      const hint =
        res.status === 401
          ? `unauthorized (check the secret in the ${secretHeader} header)`
          : res.status === 403
            ? 'forbidden (the credentials may not read this)'
            : res.status === 404
              ? 'not found (check the URL)'
              : res.status === 429
                ? `too many requests${retryAfter(res.headers.get('retry-after'))}`
                : res.status >= 500
                  ? 'server error'
                  : 'unexpected status';
      // The answer's body is not quoted: a message never carries what a source answered.
      throw new HttpSourceError(`${shown}: HTTP ${res.status} ${hint}`, res.status);
    }
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      // JSON.parse's own message quotes the text around the error: only the media type is named.
      const type = /^[\w.+-]+\/[\w.+-]+/.exec(res.headers.get('content-type') ?? '')?.[0];
      throw new HttpSourceError(`${shown}: the answer is not valid JSON${type ? ` (${type})` : ''}`);
    }
  }
}

/** ` (retry after N s)` when the header is a number of seconds. */
function retryAfter(header: string | null): string {
  return header !== null && /^\d{1,6}$/.test(header.trim()) ? ` (retry after ${header.trim()} s)` : '';
}

function toContact(item: unknown, mapping: HttpSourceConfig['mapping']): SourceContact | null {
  const externalId = first(item, mapping.id);
  if (externalId === null) return null;
  const get = (f: Field) => {
    const p = mapping[f];
    return p === undefined ? null : first(item, p);
  };
  const values = Object.fromEntries(FIELDS.map((f) => [f, get(f)])) as Record<Field, string | null>;
  const numbers: SourceContact['numbers'] = [];
  for (const n of mapping.numbers) {
    for (const v of select(item, n.path)) {
      const raw = scalar(v);
      if (raw !== null) numbers.push({ type: n.type, raw });
    }
  }
  const given = values.givenName;
  const sur = values.surname;
  return {
    externalId,
    name: values.name ?? ([given, sur].filter((p) => p !== null).join(' ') || null),
    givenName: given,
    surname: sur,
    company: values.company,
    department: values.department,
    title: values.title,
    email: values.email,
    numbers,
    url: values.url,
  };
}

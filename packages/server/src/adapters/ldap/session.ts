// One LDAP connection (RFC 4511): its bind state, the operations it has running, its paged
// searches (RFC 2696) and its request budget. It reads framed messages and writes responses
// through `send`; what it knows of users and the directory comes through `bind` and `phonebook`.
import { randomBytes } from 'node:crypto';
import { asParleyError } from '../../core/errors.js';
import type { Viewer } from '../../directory/lookup.js';
import type { Logger } from '../../platform/log.js';
import { BerError, type BerLimits, BerWriter } from './ber.js';
import { type Entry, rootDse, selectionOf } from './entries.js';
import {
  type Control,
  type Message,
  MessageError,
  NOTICE_OF_DISCONNECTION,
  Op,
  PAGED_RESULTS,
  type Paging,
  Result,
  type ResultCode,
  readMessage,
  readPaging,
  responseOf,
  type SearchRequest,
  START_TLS,
  WHO_AM_I,
  writeEntry,
  writeExtended,
  writeResult,
} from './messages.js';
import { find, listing, type Phonebook, type SearchScope } from './search.js';

/** Who a connection is bound as: the tenant (its base DN) and how the bind named them. */
export interface Binding extends SearchScope {
  tenantId: string;
  /** For Who am I? (RFC 4532): `u:alice@example.test`. */
  authzId: string;
  /** The user whose view of the directory applies (sources visible to some only); null for the phone-book account. */
  viewer: Viewer | null;
}

export interface LdapLimits extends BerLimits {
  /** Entries one search returns at most (a request's sizeLimit is capped by it). */
  maxEntries: number;
  /** Seconds one search may take at most (a request's timeLimit is capped by it). */
  maxSeconds: number;
  requestsPerSecond: number;
  /** Operations running at once on one connection. */
  maxPending: number;
  /** Paged searches one connection keeps open. */
  maxPagedSearches: number;
}

export interface SessionDeps {
  /** Checks a simple bind; throws a ParleyError (invalid credentials, throttled). */
  bind(name: string, password: string): Promise<Binding>;
  phonebook(binding: Binding): Phonebook;
  send(bytes: Buffer): void;
  close(): void;
  /** Turns TLS on for the connection after the StartTLS response; absent where it cannot be. */
  startTls: (() => void) | null;
  tls: boolean;
  limits: LdapLimits;
  now(): number;
  log: Logger;
}

const SUPPORTED_CONTROLS = [PAGED_RESULTS];
const responses = { bind: Op.bindResponse, search: Op.searchResultDone, extended: Op.extendedResponse };

/** The rest of a paged search: entries found and not yet sent, or where a listing goes on. */
type PagedSearch =
  | { request: SearchRequest; entries: Entry[]; truncated: boolean }
  /**
   * A listing: the base entry when it matches and is still to be sent, the position the listing
   * goes on from, and how many entries it has sent (the request's sizeLimit caps them).
   */
  | { request: SearchRequest; base: Entry | null; from: number; sent: number };

export class LdapSession {
  binding: Binding | null = null;
  private readonly pending = new Set<number>();
  private readonly abandoned = new Set<number>();
  private readonly paged = new Map<string, PagedSearch>();
  private window = { start: 0, count: 0 };
  private closed = false;
  /** The phone book of the binding searched last (made once per binding, not per search). */
  private book: { binding: Binding; phonebook: Phonebook } | null = null;

  constructor(private readonly deps: SessionDeps) {}

  /** One framed message. Bytes that are not an LDAPMessage end the connection with a Notice of Disconnection. */
  receive(bytes: Buffer): void {
    if (this.closed) return;
    let message: Message;
    try {
      message = readMessage(bytes, this.deps.limits);
    } catch (err) {
      if (err instanceof MessageError) {
        this.deps.log.info({ id: err.id, reason: err.message }, 'LDAP request refused: malformed');
        this.reply((w) => writeResult(w, err.id, err.responseTag, err.code, err.message));
        return;
      }
      if (!(err instanceof BerError)) throw err;
      this.disconnect(Result.protocolError, err.message);
      return;
    }
    this.handle(message);
  }

  /** Ends the connection with a Notice of Disconnection (RFC 4511 §4.4.1). */
  disconnect(code: ResultCode, message: string): void {
    if (this.closed) return;
    this.deps.log.info({ code, reason: message }, 'LDAP connection closed');
    this.reply((w) => writeExtended(w, 0, code, message, NOTICE_OF_DISCONNECTION));
    this.end();
  }

  end(): void {
    this.closed = true;
    this.paged.clear();
    this.deps.close();
  }

  /** Sends what `write` writes (one or more messages) in one piece. */
  private reply(write: (w: BerWriter) => void): void {
    if (this.closed) return;
    const w = new BerWriter();
    write(w);
    this.deps.send(w.finish());
  }

  private handle({ id, request, controls }: Message): void {
    if (request.type === 'unbind') {
      this.end();
      return;
    }
    if (request.type === 'abandon') {
      if (this.pending.has(request.id)) this.abandoned.add(request.id);
      return;
    }
    const responseTag = request.type === 'refused' ? (responseOf[request.tag] as number) : responses[request.type];
    const refuse = (code: ResultCode, message: string) =>
      this.reply((w) => writeResult(w, id, responseTag, code, message));
    const refusal = this.refusal(controls);
    if (refusal || request.type === 'refused') {
      refuse(...(refusal ?? [Result.unwillingToPerform, 'the directory is read-only']));
      return;
    }
    this.pending.add(id);
    const run =
      request.type === 'bind'
        ? this.bind(id, request)
        : request.type === 'search'
          ? this.search(id, request, controls)
          : this.extended(id, request.oid);
    run
      .catch((err) => {
        this.deps.log.error({ err, id }, 'LDAP operation failed');
        refuse(Result.other, 'the operation failed');
      })
      .finally(() => {
        this.pending.delete(id);
        this.abandoned.delete(id);
      });
  }

  /** Why a request is not carried out (busy, a critical control unknown), or null. */
  private refusal(controls: Control[]): [ResultCode, string] | null {
    if (!this.admit()) return [Result.busy, 'too many requests: slow down'];
    if (this.pending.size >= this.deps.limits.maxPending) return [Result.busy, 'too many operations at once'];
    const critical = controls.find((c) => c.critical && !SUPPORTED_CONTROLS.includes(c.oid));
    if (critical) return [Result.unavailableCriticalExtension, `control ${critical.oid} is not supported`];
    return null;
  }

  /** A request budget per second: beyond it, requests are answered busy. */
  private admit(): boolean {
    const now = this.deps.now();
    if (now - this.window.start >= 1000) this.window = { start: now, count: 0 };
    return ++this.window.count <= this.deps.limits.requestsPerSecond;
  }

  private async bind(id: number, request: Extract<Message['request'], { type: 'bind' }>): Promise<void> {
    const reply = (code: ResultCode, message = '') =>
      this.reply((w) => writeResult(w, id, Op.bindResponse, code, message));
    // A new bind drops the old identity first (RFC 4511 §4.2.1), whatever its outcome.
    this.binding = null;
    this.paged.clear();
    if (request.version !== 3) return reply(Result.protocolError, 'only LDAPv3 is supported');
    if ('sasl' in request.auth) return reply(Result.authMethodNotSupported, 'only simple bind is supported');
    const password = request.auth.simple;
    if (request.name === '' && password === '') return reply(Result.success);
    if (password === '') return reply(Result.unwillingToPerform, 'unauthenticated bind (a name without a password)');
    try {
      this.binding = await this.deps.bind(request.name, password);
      reply(Result.success);
    } catch (err) {
      const e = asParleyError(err);
      if (e?.code === 'PARLEY_ERR_TOO_MANY_REQUESTS') {
        return reply(
          Result.unwillingToPerform,
          `too many failed attempts: try again in ${e.retryAfterSeconds ?? 60} s`,
        );
      }
      if (e) return reply(Result.invalidCredentials, 'invalid credentials');
      throw err;
    }
  }

  private async extended(id: number, oid: string): Promise<void> {
    const reply = (code: ResultCode, message: string, name?: string, value?: Buffer) =>
      this.reply((w) => writeExtended(w, id, code, message, name, value));
    if (oid === WHO_AM_I) return reply(Result.success, '', undefined, Buffer.from(this.binding?.authzId ?? ''));
    if (oid !== START_TLS) return reply(Result.protocolError, `extended operation ${oid} is not supported`);
    const { startTls } = this.deps;
    if (this.deps.tls || !startTls) return reply(Result.operationsError, 'TLS is not available on this connection');
    if (this.pending.size > 1) return reply(Result.operationsError, 'operations are still running');
    reply(Result.success, '', START_TLS);
    startTls();
  }

  /**
   * A search: its entries and SearchResultDone written into one buffer and sent at once. Paged
   * (RFC 2696), the rest is kept under a cookie: the entries not yet sent, or where a listing
   * (a filter with no number or name) goes on, so a listing pages through the whole directory.
   */
  private async search(id: number, request: SearchRequest, controls: Control[]): Promise<void> {
    const w = new BerWriter();
    const send = (code: ResultCode, message = '', paging: Paging | null = null) => {
      writeResult(w, id, Op.searchResultDone, code, message, paging);
      if (!this.closed) this.deps.send(w.finish());
    };
    if (request.base === '' && request.scope === 'base') {
      const naming = this.binding ? [this.binding.base] : [];
      const extensions = [WHO_AM_I, ...(this.deps.startTls && !this.deps.tls ? [START_TLS] : [])];
      const dse = rootDse(naming, SUPPORTED_CONTROLS, extensions);
      writeEntry(w, id, dse.dn, dse.attributes, selectionOf(request.attributes, request.typesOnly));
      return send(Result.success);
    }
    const binding = this.binding;
    if (!binding) return send(Result.insufficientAccessRights, 'bind with an address and password first');
    const pagingControl = controls.find((c) => c.oid === PAGED_RESULTS);
    let paging: { size: number; cookie: Buffer } | null = null;
    if (pagingControl) {
      try {
        paging = readPaging(pagingControl.value, this.deps.limits);
      } catch (err) {
        return send(Result.protocolError, (err as Error).message);
      }
    }
    const { limits } = this.deps;
    const seconds = Math.min(request.timeLimit || limits.maxSeconds, limits.maxSeconds);
    const deadline = this.deps.now() + seconds * 1000;
    if (this.book?.binding !== binding) this.book = { binding, phonebook: this.deps.phonebook(binding) };
    const book = this.book.phonebook;
    let state: PagedSearch | undefined;
    if (paging && paging.cookie.length > 0) {
      const key = paging.cookie.toString('hex');
      state = this.paged.get(key);
      this.paged.delete(key);
      if (!state) return send(Result.unwillingToPerform, 'unknown paged results cookie');
      if (paging.size === 0) return send(Result.success, '', { total: 0, cookie: Buffer.alloc(0) });
    } else {
      const limit = Math.min(request.sizeLimit || limits.maxEntries, limits.maxEntries);
      const found = await withTimeout(find(book, binding, request, limit), seconds * 1000);
      if (this.abandoned.has(id)) return;
      if (!found) return send(Result.timeLimitExceeded, `the search took longer than ${seconds} s`);
      if (!found.ok) return send(found.code, found.message);
      state = 'listing' in found ? { request, base: found.base, from: 0, sent: 0 } : { request, ...found };
    }
    const selection = selectionOf(state.request.attributes, state.request.typesOnly);
    const write = (entries: Entry[]) => {
      for (const e of entries) writeEntry(w, id, e.dn, e.attributes, selection);
    };
    if ('entries' in state) {
      const page = paging && paging.size > 0 ? state.entries.slice(0, paging.size) : state.entries;
      write(page);
      const rest = state.entries.slice(page.length);
      if (paging) {
        const cookie = rest.length > 0 ? this.keep({ ...state, entries: rest }) : Buffer.alloc(0);
        if (rest.length > 0) return send(Result.success, '', { total: rest.length, cookie });
        if (state.truncated)
          return send(Result.sizeLimitExceeded, 'more entries match: narrow the search', { total: 0, cookie });
        return send(Result.success, '', { total: 0, cookie });
      }
      if (state.truncated) return send(Result.sizeLimitExceeded, 'more entries match: narrow the search');
      return send(Result.success);
    }
    // A listing: a page of the whole directory when paged, else what the size limit lets through.
    const allowed = state.request.sizeLimit > 0 ? state.request.sizeLimit - state.sent : Number.POSITIVE_INFINITY;
    const size = Math.min(paging?.size || limits.maxEntries, limits.maxEntries, allowed);
    const head = state.base ? [state.base] : [];
    // Unpaged, one entry more than fits tells whether the size limit cut the answer.
    const count = Math.max(0, size - head.length) + (paging ? 0 : 1);
    const at = { from: state.from, count, deadline, now: this.deps.now };
    const listed = await listing(book, binding, state.request.filter, at);
    if (this.abandoned.has(id)) return;
    const found = [...head, ...listed.entries];
    const shown = found.slice(0, size);
    write(shown);
    if (listed.timedOut) return send(Result.timeLimitExceeded, `the search took longer than ${seconds} s`);
    const more = paging ? listed.next !== null : found.length > size;
    const end = paging ? { total: 0, cookie: Buffer.alloc(0) } : null;
    if (!more) return send(Result.success, '', end);
    if (!paging || shown.length >= allowed)
      return send(Result.sizeLimitExceeded, 'more entries match: page through them or narrow the search', end);
    const cookie = this.keep({
      request: state.request,
      base: null,
      from: listed.next ?? 0,
      sent: state.sent + shown.length,
    });
    return send(Result.success, '', { total: 0, cookie });
  }

  /** Keeps the rest of a paged search under a new cookie; the oldest kept search goes beyond the limit. */
  private keep(state: PagedSearch): Buffer {
    const cookie = randomBytes(8);
    if (this.paged.size >= this.deps.limits.maxPagedSearches) {
      const oldest = this.paged.keys().next().value;
      if (oldest !== undefined) this.paged.delete(oldest);
    }
    this.paged.set(cookie.toString('hex'), state);
    return cookie;
  }
}

/** The promise's value, or null when it takes longer than `ms`. */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
